"""Reading a plan workbook back in: check the file, validate every row, then write.

Three steps, so that a bad file never changes anything:

1. `check_file` looks at the bytes before any XML parser does: size, that it is
   a zip at all, member count and uncompressed size (zip bombs), macros.
2. `read_workbook` reads the cells (openpyxl read-only, so memory stays flat,
   formulas come back as their text and are never evaluated) and `validate`
   collects *every* problem as sheet, row, column and a Danish message.
3. `import_plan` writes in one `transaction.atomic` through the models' own
   `full_clean()`/`save()` inside `audit_context(user, "import")`, matching
   directions and initiatives by number. With `commit=False` the same writes
   run and are rolled back: the preview and `--dry-run` show exactly what a real
   import would do, and nothing is kept.
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from initiatives.audit import audit_context
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, StatusUpdate
from masterplan.models import Direction, Organization, Plan

from .files import ImportFailed, Problem, check_file, refuse
from .export import (
    CHOICE_KINDS, PLAN_FIELDS, PLAN_HEADERS, SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS,
    SHEET_INITIATIVES, SHEET_PLAN, SHEET_STATUS, SHEETS, Column, choices, local_naive, unescape_text,
)

MAX_ROWS = 50_000  # per sheet
MAX_COLUMNS = 60
MAX_TEXT = 32_767  # Excel's own limit for one cell
MAX_PROBLEMS = 500
PREVIEW_ROWS = 5


# --- 2. cells → values ---------------------------------------------------------------


@dataclass
class Parsed:
    plan: dict = field(default_factory=dict)
    plan_rows: dict = field(default_factory=dict)  # field key → row number on the plan sheet
    sheets: dict = field(default_factory=dict)  # sheet title → [(row number, {key: value})]
    problems: list = field(default_factory=list)
    structural: bool = False  # sheets, columns or fields missing: nothing more to check
    _where: set = field(default_factory=set)

    def add(self, sheet, row, column, message, once=False):
        """Record a problem. With `once`, not for a cell that already has one (a value that
        could not be read is not also reported as missing)."""
        where = (sheet, row, column)
        if once and where in self._where:
            return
        self._where.add(where)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, str(message)))

    @property
    def is_extract(self) -> bool:
        return bool(self.plan.get("extract"))


class BadValue(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d-%m-%Y %H:%M") if value.time() != datetime.time() else value.strftime("%d-%m-%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    text = unescape_text(str(value))
    if len(text) > MAX_TEXT:
        raise BadValue(_("Teksten er for lang (højst %(max)s tegn).") % {"max": f"{MAX_TEXT:,}".replace(",", ".")})
    return text


DATE_PATTERNS = ["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d"]
DATETIME_PATTERNS = ["%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


def _parse_money(text: str) -> Decimal:
    text = text.replace("kr.", "").replace("kr", "").replace(" ", "").replace("\xa0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    return Decimal(text)


def convert(column: Column, value, labels: dict):
    """The model value for a cell, or BadValue with a Danish message."""
    kind = column.kind
    if isinstance(value, str) and kind not in {"text", "list"}:
        value = value.strip()
    empty = value is None or value == ""
    if kind in {"text", "code", "user"}:
        text = _text(value)
        return text.strip() if kind != "text" else text
    if kind == "list":
        return [line.strip() for line in _text(value).split("\n") if line.strip()]
    if kind in CHOICE_KINDS:
        options = labels[kind]
        if empty:
            return {"bool": False, "status": "not_assessed", "phase": "", "period": "year",
                    "initiative_kind": "initiativ", "budget_kind": "expense"}[kind]
        if kind == "bool" and isinstance(value, (bool, int)):
            return bool(value)
        text = _text(value).casefold()
        for code, label in options.items():
            if text in {code.casefold(), label.casefold()}:
                return {"true": True, "false": False}.get(code, code) if kind == "bool" else code
        if kind == "phase" and text == _("Ikke angivet").casefold():
            return ""
        raise BadValue(_("»%(value)s« er ikke en gyldig værdi. Vælg en af: %(options)s.")
                       % {"value": _text(value)[:80], "options": ", ".join(options.values())})
    if empty:
        return None
    if kind == "int":
        if isinstance(value, bool):
            raise BadValue(_("Skal være et helt tal."))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\d{1,9}", value):
            return int(value)
        raise BadValue(_("»%(value)s« er ikke et helt tal.") % {"value": _text(value)[:80]})
    if kind == "money":
        try:
            if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time)):
                raise InvalidOperation
            number = Decimal(str(value)) if isinstance(value, (int, float)) else _parse_money(str(value))
            if not number.is_finite():
                raise InvalidOperation
            return number.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise BadValue(_("»%(value)s« er ikke et beløb. Skriv beløbet som et tal, fx 250000.")
                           % {"value": _text(value)[:80]}) from None
    if kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        for pattern in DATE_PATTERNS:
            try:
                return datetime.datetime.strptime(str(value), pattern).date()
            except ValueError:
                continue
        raise BadValue(_("»%(value)s« er ikke en dato. Skriv datoen som fx 01-03-2025.")
                       % {"value": _text(value)[:80]})
    if kind == "datetime":
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):
            moment = datetime.datetime.combine(value, datetime.time())
        else:
            for pattern in DATETIME_PATTERNS + DATE_PATTERNS:
                try:
                    moment = datetime.datetime.strptime(str(value), pattern)
                    break
                except ValueError:
                    continue
            else:
                raise BadValue(_("»%(value)s« er ikke et tidspunkt. Skriv fx 01-03-2025 12:00.")
                               % {"value": _text(value)[:80]})
        moment = moment.replace(microsecond=0)
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    if kind == "links":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            return [int(value)]
        parts = [p for p in re.split(r"[,;\s]+", _text(value)) if p]
        if not all(re.fullmatch(r"\d{1,5}", p) for p in parts):
            raise BadValue(_("Skriv numrene på retningerne adskilt af komma, fx »2, 5«."))
        return sorted({int(p) for p in parts})
    raise AssertionError(kind)


def _rows(ws, parsed: Parsed, title: str):
    """The sheet's non-empty rows as (row number, values), bounded in rows and columns."""
    ws.reset_dimensions()  # never trust the file's own claim about its size
    count = 0
    for number, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
        count += 1
        if count > MAX_ROWS + 1:
            parsed.add(title, None, "", _("Arket har for mange rækker (højst %(max)s).") % {
                "max": f"{MAX_ROWS:,}".replace(",", ".")})
            parsed.structural = True
            return
        if any(v not in (None, "") for v in values):
            yield number, values


def read_workbook(fileobj) -> Parsed:
    """All sheets' cells as model values; problems collected, not raised (except file-level)."""
    parsed = Parsed()
    labels = choices()
    try:
        wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for broken files; all mean the same to the user
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    try:
        names = {name.strip().casefold(): name for name in wb.sheetnames}
        missing = [title for title in (SHEET_PLAN, *SHEETS) if title.casefold() not in names]
        for title in missing:
            parsed.add(title, None, "", _("Arket »%(sheet)s« mangler.") % {"sheet": title})
        if missing:
            parsed.structural = True
            return parsed
        with translation.override("da"):
            _read_plan_sheet(wb[names[SHEET_PLAN.casefold()]], parsed, labels)
            for title, columns in SHEETS.items():
                _read_sheet(wb[names[title.casefold()]], title, columns, parsed, labels)
    except ImportFailed:
        raise
    except Exception:
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    finally:
        wb.close()
    return parsed


def _read_plan_sheet(ws, parsed: Parsed, labels):
    by_label = {f.header.casefold(): f for f in PLAN_FIELDS}
    seen = set()
    for number, values in _rows(ws, parsed, SHEET_PLAN):
        label = _text(values[0] if values else None).strip().casefold()
        if number == 1 and label == PLAN_HEADERS[0].casefold():
            continue
        column = by_label.get(label)
        if column is None:
            continue
        seen.add(column.key)
        parsed.plan_rows[column.key] = number
        try:
            parsed.plan[column.key] = convert(column, values[1] if len(values) > 1 else None, labels)
        except BadValue as error:
            parsed.add(SHEET_PLAN, number, PLAN_HEADERS[1], error)
    for column in PLAN_FIELDS:
        if column.key not in seen and column.key != "extract":
            parsed.add(SHEET_PLAN, None, PLAN_HEADERS[0],
                       _("Feltet »%(field)s« mangler.") % {"field": column.header})
            parsed.structural = True
        elif column.required and parsed.plan.get(column.key) in (None, ""):
            parsed.add(SHEET_PLAN, parsed.plan_rows.get(column.key), PLAN_HEADERS[1],
                       _("»%(field)s« skal udfyldes.") % {"field": column.header})


def _read_sheet(ws, title, columns, parsed: Parsed, labels):
    rows = []
    parsed.sheets[title] = rows
    positions = None
    for number, values in _rows(ws, parsed, title):
        if positions is None:
            headers = {_text(v).strip().casefold(): i for i, v in enumerate(values) if v not in (None, "")}
            positions = {}
            for column in columns:
                if column.header.casefold() in headers:
                    positions[column.key] = headers[column.header.casefold()]
                else:
                    parsed.add(title, number, column.header, _("Kolonnen »%(column)s« mangler.")
                               % {"column": column.header})
            if len(positions) < len(columns):
                parsed.structural = True
                return
            continue
        row = {}
        for column in columns:
            index = positions[column.key]
            try:
                row[column.key] = convert(column, values[index] if index < len(values) else None, labels)
            except BadValue as error:
                parsed.add(title, number, column.header, error)
                row[column.key] = None
                continue
            if column.required and row[column.key] in (None, "", []):
                parsed.add(title, number, column.header, _("Skal udfyldes."), once=True)
        rows.append((number, row))
    if positions is None:
        parsed.structural = True
        for column in columns:
            parsed.add(title, 1, column.header, _("Kolonnen »%(column)s« mangler.") % {"column": column.header})


def load(fileobj, name: str = "", size: int | None = None) -> Parsed:
    check_file(fileobj, name, size)
    return read_workbook(fileobj)


# --- 3. checks across rows, and the writes -------------------------------------------


@dataclass
class Changes:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.new or self.changed or self.removed)


@dataclass
class Summary:
    plan: Plan
    created_plan: bool
    sheets: dict  # sheet title → Changes

    @property
    def has_changes(self) -> bool:
        return self.created_plan or any(self.sheets.values())

    def lines(self) -> list[str]:
        out = []
        for title, changes in self.sheets.items():
            out.append(_("%(sheet)s: %(new)s nye, %(changed)s ændrede, %(removed)s slettede") % {
                "sheet": title, "new": len(changes.new), "changed": len(changes.changed),
                "removed": len(changes.removed)})
        return out


def _field_problems(parsed, sheet, row, error: ValidationError, headers: dict, column_for_all=""):
    for key, messages in error.message_dict.items():
        column = column_for_all or headers.get(key, "")
        for message in messages:
            parsed.add(sheet, row, column, message, once=True)


def _headers(title):
    return {c.key: c.header for c in SHEETS[title]}


def _allowed_users(organization):
    User = get_user_model()
    users = User.objects.filter(is_active=True)
    if organization is not None:
        users = users.filter(Q(memberships__organization=organization) | Q(is_superuser=True))
    else:
        users = users.filter(is_superuser=True)
    return {u.get_username(): u for u in users.distinct()}


def resolve_target(parsed: Parsed, plan: Plan | None, slug: str | None):
    """(plan or None, organization) the file goes into; problems added for a bad target."""
    if plan is not None:
        return plan, plan.organization
    slug = slug or parsed.plan.get("slug") or ""
    existing = Plan.objects.select_related("organization").filter(slug=slug).first()
    if existing is not None:
        return existing, existing.organization
    org_slug = parsed.plan.get("organization") or ""
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        parsed.add(SHEET_PLAN, parsed.plan_rows.get("organization"), PLAN_HEADERS[1],
                   _("Kommunen »%(org)s« findes ikke. En ny plan skal høre til en kendt kommune.") % {"org": org_slug})
    try:
        Plan._meta.get_field("slug").run_validators(slug)
        Plan._meta.get_field("slug").clean(slug, None)
    except ValidationError as error:
        for message in error.messages:
            parsed.add(SHEET_PLAN, parsed.plan_rows.get("slug"), PLAN_HEADERS[1], message)
    return None, organization


def validate(parsed: Parsed, organization) -> dict:
    """Checks across rows and sheets; returns the users named in the file."""
    plan_data = {k: v for k, v in parsed.plan.items() if k not in {"slug", "organization", "extract"}}
    start, end = plan_data.get("period_start"), plan_data.get("period_end")
    try:
        Plan(**plan_data).full_clean(exclude={"organization", "slug"}, validate_unique=False,
                                     validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                parsed.add(SHEET_PLAN, parsed.plan_rows.get(key), PLAN_HEADERS[1], message)

    def year_ok(title, number, year):
        if year is not None and start and end and not (start <= year <= end):
            parsed.add(title, number, "År", _("Året skal ligge i planens periode (%(start)s–%(end)s).")
                       % {"start": start, "end": end})

    directions = {}
    headers = _headers(SHEET_DIRECTIONS)
    for number, row in parsed.sheets.get(SHEET_DIRECTIONS, []):
        if row["number"] in directions:
            parsed.add(SHEET_DIRECTIONS, number, "Nummer", _("Nummer %(number)s står flere gange (også i række "
                       "%(row)s).") % {"number": row["number"], "row": directions[row["number"]]})
        elif row["number"] is not None:
            directions[row["number"]] = number
        try:
            Direction(**row).full_clean(exclude={"plan"}, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            _field_problems(parsed, SHEET_DIRECTIONS, number, error, headers)

    users = _allowed_users(organization)
    initiatives = {}
    headers = _headers(SHEET_INITIATIVES)
    for number, row in parsed.sheets.get(SHEET_INITIATIVES, []):
        if row["number"] in initiatives:
            parsed.add(SHEET_INITIATIVES, number, "Nummer", _("Nummer %(number)s står flere gange (også i række "
                       "%(row)s).") % {"number": row["number"], "row": initiatives[row["number"]]})
        elif row["number"]:
            initiatives[row["number"]] = number
        if row["direction"] is not None and row["direction"] not in directions:
            parsed.add(SHEET_INITIATIVES, number, "Retning", _("Retning %(number)s findes ikke i arket "
                       "»Retninger«.") % {"number": row["direction"]})
        for link in row["cross_links"] or []:
            if link not in directions:
                parsed.add(SHEET_INITIATIVES, number, headers["cross_links"], _("Retning %(number)s findes ikke "
                           "i arket »Retninger«.") % {"number": link})
            elif link == row["direction"]:
                parsed.add(SHEET_INITIATIVES, number, headers["cross_links"],
                           _("Et initiativ kan ikke også understøtte sin egen retning."))
        if row["responsible_user"] and row["responsible_user"] not in users:
            parsed.add(SHEET_INITIATIVES, number, headers["responsible_user"],
                       _("Brugeren »%(user)s« findes ikke i kommunen.") % {"user": row["responsible_user"][:80]})
        values = {k: v for k, v in row.items() if k not in {"direction", "responsible_user", "cross_links"}}
        try:
            Initiative(**values).full_clean(exclude={"plan", "direction", "responsible_user"},
                                            validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            _field_problems(parsed, SHEET_INITIATIVES, number, error, headers)

    def initiative_ok(title, number, code):
        if code and code not in initiatives:
            parsed.add(title, number, "Initiativ", _("Initiativ %(number)s findes ikke i arket »Initiativer«.")
                       % {"number": code[:40]})

    headers = _headers(SHEET_ACTIVITIES)
    for number, row in parsed.sheets.get(SHEET_ACTIVITIES, []):
        initiative_ok(SHEET_ACTIVITIES, number, row["initiative"])
        year_ok(SHEET_ACTIVITIES, number, row["year"])
        try:
            Activity(**{k: v for k, v in row.items() if k != "initiative"}).full_clean(
                exclude={"initiative"}, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            _field_problems(parsed, SHEET_ACTIVITIES, number, error, headers)

    headers = _headers(SHEET_STATUS)
    seen_updates = {}
    for number, row in parsed.sheets.get(SHEET_STATUS, []):
        initiative_ok(SHEET_STATUS, number, row["initiative"])
        if row["author"] and row["author"] not in users:
            parsed.add(SHEET_STATUS, number, "Af", _("Brugeren »%(user)s« findes ikke i kommunen.")
                       % {"user": row["author"][:80]})
        key = (row["initiative"], row["created_at"])
        if row["created_at"] and key in seen_updates:
            parsed.add(SHEET_STATUS, number, "Tidspunkt", _("Samme initiativ og tidspunkt står også i række "
                       "%(row)s.") % {"row": seen_updates[key]})
        seen_updates.setdefault(key, number)
        try:
            StatusUpdate(**{k: v for k, v in row.items() if k not in {"initiative", "author", "created_at"}}
                         ).full_clean(exclude={"initiative", "author"}, validate_unique=False,
                                      validate_constraints=False)
        except ValidationError as error:
            _field_problems(parsed, SHEET_STATUS, number, error, headers)

    headers = _headers(SHEET_BUDGET)
    for number, row in parsed.sheets.get(SHEET_BUDGET, []):
        initiative_ok(SHEET_BUDGET, number, row["initiative"])
        year_ok(SHEET_BUDGET, number, row["year"])
        try:
            BudgetLine(**{k: v for k, v in row.items() if k != "initiative"}).full_clean(
                exclude={"plan", "initiative"}, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            _field_problems(parsed, SHEET_BUDGET, number, error, headers)
    return users


PLAN_KEYS = [f.key for f in PLAN_FIELDS if f.key not in {"slug", "organization", "extract"}]
DIRECTION_KEYS = [c.key for c in SHEETS[SHEET_DIRECTIONS] if c.key != "number"]
INITIATIVE_KEYS = [c.key for c in SHEETS[SHEET_INITIATIVES]
                   if c.key not in {"number", "direction", "responsible_user", "cross_links"}]


def _assign(obj, values: dict, keys) -> list:
    """Set the values that differ; returns the keys that changed."""
    changed = []
    for key in keys:
        if getattr(obj, key) != values[key]:
            setattr(obj, key, values[key])
            changed.append(key)
    return changed


def _with_fields(label: str, title: str, keys) -> str:
    """"1.1 Titel (Status, Fase)": a changed row and the columns that changed in it."""
    headers = {c.key: c.header for c in (PLAN_FIELDS if title == SHEET_PLAN else SHEETS[title])}
    return f"{label} ({', '.join(headers[k] for k in keys)})" if keys else label


# Foreign keys the import sets itself from objects it just fetched or saved: validating
# them again would cost one query per row (the model's own clean() still checks the plan).
TRUSTED_KEYS = ["plan", "direction", "initiative", "author", "responsible_user", "organization"]


def _save(obj):
    obj.full_clean(exclude=[name for name in TRUSTED_KEYS if hasattr(obj, f"{name}_id")])
    obj.save()


def import_plan(parsed: Parsed, *, plan: Plan | None = None, slug: str | None = None, user=None,
                commit: bool = True) -> Summary:
    """Validate and write the parsed workbook into `plan` (or the plan named by slug/file).

    Raises ImportFailed with every problem; with commit=False everything is rolled back.
    """
    if parsed.structural:
        raise ImportFailed(parsed.problems)
    target, organization = resolve_target(parsed, plan, slug)
    users = validate(parsed, organization)
    if parsed.problems:
        raise ImportFailed(parsed.problems)
    try:
        with audit_context(user, "import"), transaction.atomic():
            summary = _write(parsed, target, organization, slug, users)
            if not commit:
                transaction.set_rollback(True)
    except ValidationError as error:  # a check the validation pass missed: still all or nothing
        raise ImportFailed([Problem(message=m) for m in error.messages]) from None
    return summary


def _write(parsed: Parsed, plan, organization, slug, users) -> Summary:
    sheets = {title: Changes() for title in (SHEET_PLAN, *SHEETS)}
    created_plan = plan is None
    if created_plan:
        plan = Plan(organization=organization, slug=slug or parsed.plan["slug"])
    changed = _assign(plan, parsed.plan, PLAN_KEYS)
    if created_plan:
        _save(plan)
        sheets[SHEET_PLAN].new.append(plan.title)
    elif changed:
        _save(plan)
        sheets[SHEET_PLAN].changed.append(_with_fields(plan.title, SHEET_PLAN, changed))
    extract = parsed.is_extract

    # Directions, matched by number; order is the row order.
    existing = {d.number: d for d in plan.directions.all()} if not created_plan else {}
    directions = {}
    for order, (_row, data) in enumerate(parsed.sheets[SHEET_DIRECTIONS], start=1):
        direction = existing.get(data["number"]) or Direction(plan=plan, number=data["number"])
        changed = _assign(direction, data, DIRECTION_KEYS)
        reordered = direction.order != order
        direction.order = order
        if direction.pk is None:
            _save(direction)
            sheets[SHEET_DIRECTIONS].new.append(str(direction))
        elif changed or reordered:
            _save(direction)
            if changed:
                sheets[SHEET_DIRECTIONS].changed.append(_with_fields(str(direction), SHEET_DIRECTIONS, changed))
        direction.plan = plan
        directions[direction.number] = direction

    # Initiatives, matched by number; order is the row order within the direction.
    existing_initiatives = {i.number: i for i in plan.initiatives.select_related("responsible_user")} \
        if not created_plan else {}
    current_links = {}
    for link in CrossLink.objects.filter(initiative__plan=plan).select_related("direction"):
        current_links.setdefault(link.initiative_id, {})[link.direction.number] = link
    initiatives = {}
    orders = {}
    for _row, data in parsed.sheets[SHEET_INITIATIVES]:
        direction = directions[data["direction"]]
        orders[direction.number] = orders.get(direction.number, 0) + 1
        initiative = existing_initiatives.get(data["number"]) or Initiative(number=data["number"])
        is_new = initiative.pk is None
        changed = _assign(initiative, data, INITIATIVE_KEYS)
        responsible_user = users.get(data["responsible_user"]) if data["responsible_user"] else None
        if initiative.responsible_user_id != (responsible_user.pk if responsible_user else None):
            initiative.responsible_user = responsible_user
            changed.append("responsible_user")
        other_direction = not is_new and initiative.direction_id != direction.pk
        moved = other_direction or initiative.order != orders[direction.number]
        initiative.direction, initiative.order = direction, orders[direction.number]
        initiative.plan = plan
        links = current_links.get(initiative.pk, {}) if not is_new else {}
        wanted_links = data["cross_links"] or []
        links_changed = set(links) != set(wanted_links)
        if not is_new:
            changed += ["direction"] * other_direction + ["cross_links"] * links_changed
        if is_new or changed or moved or links_changed:
            if not is_new and changed:
                initiative.version += 1
            _save(initiative)
            for number, link in links.items():
                if number not in wanted_links:
                    link.delete()
            for number in wanted_links:
                if number not in links:
                    _save(CrossLink(initiative=initiative, direction=directions[number]))
            label = f"{initiative.number} {initiative.title}"
            if is_new:
                sheets[SHEET_INITIATIVES].new.append(label)
            elif changed:
                sheets[SHEET_INITIATIVES].changed.append(_with_fields(label, SHEET_INITIATIVES, changed))
        initiatives[initiative.number] = initiative
    if not extract:
        for number, initiative in existing_initiatives.items():
            if number not in initiatives:
                sheets[SHEET_INITIATIVES].removed.append(f"{initiative.number} {initiative.title}")
                initiative.delete()
        for number, direction in existing.items():
            if number not in directions:
                sheets[SHEET_DIRECTIONS].removed.append(str(direction))
                direction.delete()

    _write_activities(parsed, initiatives, sheets[SHEET_ACTIVITIES])
    _write_budget(parsed, plan, initiatives, sheets[SHEET_BUDGET])
    _write_status(parsed, initiatives, users, sheets[SHEET_STATUS])
    return Summary(plan=plan, created_plan=created_plan, sheets=sheets)


def _sync_sequence(current: list, wanted: list, key, make, update, changes: Changes, label):
    """Make the ordered `current` objects equal to `wanted` rows with as few writes as possible.

    Unchanged rows are kept (only their order follows the file), replaced rows are
    updated in place, the rest created or deleted.
    """
    matcher = difflib.SequenceMatcher(a=[key(o) for o in current], b=[tuple(w[1]) for w in wanted],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = current[i1:i2], list(range(j1, j2))
        if tag == "equal":
            for obj, j in zip(olds, news):
                if obj.order != j + 1:
                    obj.order = j + 1
                    _save(obj)
            continue
        for obj, j in zip(olds, news):
            update(obj, wanted[j][0], j + 1)
            changes.changed.append(label(obj))
        for j in news[len(olds):]:
            changes.new.append(label(make(wanted[j][0], j + 1)))
        for obj in olds[len(news):]:
            changes.removed.append(label(obj))
            obj.delete()


ACTIVITY_KEYS = ["year", "period", "text", "responsible", "deadline", "done"]


def _write_activities(parsed, initiatives, changes: Changes):
    wanted: dict[str, list] = {}
    for _row, data in parsed.sheets[SHEET_ACTIVITIES]:
        wanted.setdefault(data["initiative"], []).append(data)
    current: dict[int, list] = {}
    pks = [i.pk for i in initiatives.values()]
    for activity in Activity.objects.filter(initiative__in=pks).order_by("year", "order", "id"):
        current.setdefault(activity.initiative_id, []).append(activity)

    def label(activity):
        return f"{activity.initiative.number}: {activity}"

    for number, initiative in initiatives.items():
        rows = [(data, [data[k] for k in ACTIVITY_KEYS]) for data in wanted.get(number, [])]
        olds = current.get(initiative.pk, [])
        for activity in olds:
            activity.initiative = initiative
        if not rows and not olds:
            continue

        def make(data, order, initiative=initiative):
            activity = Activity(initiative=initiative, order=order, **{k: data[k] for k in ACTIVITY_KEYS})
            _save(activity)
            return activity

        def update(activity, data, order):
            _assign(activity, data, ACTIVITY_KEYS)
            activity.order = order
            activity.version += 1
            _save(activity)

        _sync_sequence(olds, rows, lambda a: tuple(getattr(a, k) for k in ACTIVITY_KEYS), make, update,
                       changes, label)


BUDGET_KEYS = ["year", "amount", "label", "kind"]


def _write_budget(parsed, plan, initiatives, changes: Changes):
    wanted: dict = {}
    for _row, data in parsed.sheets[SHEET_BUDGET]:
        wanted.setdefault(data["initiative"] or None, []).append(data)
    groups = {None: None, **{number: initiative for number, initiative in initiatives.items()}}
    current: dict = {}
    lines = BudgetLine.objects.filter(Q(plan=plan, initiative__isnull=True) |
                                      Q(initiative__in=[i.pk for i in initiatives.values()]))
    by_pk = {i.pk: i for i in initiatives.values()}
    for line in lines.order_by("order", "id"):
        current.setdefault(line.initiative_id, []).append(line)

    def label(line):
        owner = by_pk[line.initiative_id].number + ": " if line.initiative_id else ""
        return f"{owner}{line.year} {line.label}"

    for number, initiative in groups.items():
        rows = [(data, [data[k] for k in BUDGET_KEYS]) for data in wanted.get(number, [])]
        olds = current.get(initiative.pk if initiative else None, [])
        if not rows and not olds:
            continue

        def make(data, order, initiative=initiative):
            line = BudgetLine(plan=plan, initiative=initiative, order=order, **{k: data[k] for k in BUDGET_KEYS})
            _save(line)
            return line

        def update(line, data, order):
            _assign(line, data, BUDGET_KEYS)
            line.order = order
            _save(line)

        _sync_sequence(olds, rows, lambda b: tuple(getattr(b, k) for k in BUDGET_KEYS), make, update,
                       changes, label)


def _write_status(parsed, initiatives, users, changes: Changes):
    """Status history is history: rows are added or corrected, never deleted by an import."""
    current = {}
    by_pk = {i.pk: i for i in initiatives.values()}
    for update in StatusUpdate.objects.filter(initiative__in=by_pk):
        current[(by_pk[update.initiative_id].number, local_naive(update.created_at))] = update
    for _row, data in parsed.sheets[SHEET_STATUS]:
        initiative = initiatives[data["initiative"]]
        author = users.get(data["author"]) if data["author"] else None
        values = {"status": data["status"], "phase": data["phase"], "note": data["note"], "author": author}
        update = current.get((initiative.number, local_naive(data["created_at"])))
        label = f"{initiative.number}: {local_naive(data['created_at']):%d-%m-%Y %H:%M}"
        if update is None:
            update = StatusUpdate(initiative=initiative, **values)
            _save(update)
            update.created_at = data["created_at"]  # auto_now_add set "now" on insert
            update.save(update_fields=["created_at"])
            changes.new.append(label)
        elif _assign(update, values, ["status", "phase", "note", "author"]):
            _save(update)
            changes.changed.append(label)
