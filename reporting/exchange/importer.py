"""Reading a plan workbook back in: check the file, then validate and write row by row.

NetBox's bulk-import pattern: `files.load` checks the bytes and reads the cells;
`import_plan` then runs one model form per row (`reporting.exchange.forms`), so
the models are the only rule book, and collects every form's errors with sheet,
row and column. All rows are written in one `transaction.atomic` inside
`audit_context(user, "import")`, sheet by sheet (a row may refer to rows of an
earlier sheet), and any problem rolls everything back. With `commit=False` the
same writes run and are rolled back: the preview and `--dry-run` show exactly
what a real import would do, and nothing is kept.

Directions and initiatives are matched by number, activities and budget lines by
their values within their initiative (`difflib`, so an edited row is updated in
place), status history by initiative and time; history is never deleted.
"""

import difflib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from initiatives.audit import audit_context
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, StatusUpdate
from masterplan.models import Direction, Plan

from .export import PLAN_FIELDS, PLAN_HEADERS, SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS, \
    SHEET_INITIATIVES, SHEET_PLAN, SHEET_STATUS, SHEETS
from .files import ImportFailed, Parsed, Problem, load  # noqa: F401 (load: the import's first step)
from .forms import (ActivityForm, BudgetLineForm, DirectionForm, InitiativeForm, PlanForm, StatusUpdateForm,
                    as_text)

PREVIEW_ROWS = 5
PLAN_KEYS = [f.key for f in PLAN_FIELDS if f.key not in {"slug", "organization", "extract"}]


@dataclass
class Change:
    """A changed row and the columns that changed in it: (header, old, new)."""

    label: str
    fields: list = field(default_factory=list)

    def __str__(self):
        return f"{self.label} ({', '.join(h for h, _old, _new in self.fields)})" if self.fields else self.label


class Label:
    """A row's label, made only when shown: the preview lists a few rows of thousands."""

    __slots__ = ("func", "obj")

    def __init__(self, func, obj):
        self.func, self.obj = func, obj

    def __str__(self):
        return self.func(self.obj)


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
        return [_("%(sheet)s: %(new)s nye, %(changed)s ændrede, %(removed)s slettede") % {
            "sheet": title, "new": len(c.new), "changed": len(c.changed), "removed": len(c.removed)}
            for title, c in self.sheets.items()]


def import_plan(parsed: Parsed, *, plan: Plan | None = None, slug: str | None = None, user=None,
                commit: bool = True) -> Summary:
    """Validate and write the parsed workbook into `plan` (or the plan named by slug/file).

    Raises ImportFailed with every problem; with commit=False everything is rolled back.
    """
    if parsed.structural:
        raise ImportFailed(parsed.problems)
    try:
        with audit_context(user, "import"), transaction.atomic(), translation.override("da"):
            summary = Run(parsed, user).write(plan, slug)
            if parsed.problems:
                raise ImportFailed(parsed.problems)  # leaves the atomic block: all rolled back
            if not commit:
                transaction.set_rollback(True)
    except ValidationError as error:  # a model check outside the forms: still all or nothing
        raise ImportFailed([Problem(message=m) for m in error.messages]) from None
    return summary


def _headers(title):
    return {c.key: c.header for c in (PLAN_FIELDS if title == SHEET_PLAN else SHEETS[title])}


def _values(obj, keys) -> dict:
    return {key: getattr(obj, key) for key in keys}


def _key(form_class, name, value):
    """A cell as the form field reads it, or None if it cannot be read (the form says why)."""
    try:
        return form_class.base_fields[name].to_python(value)
    except ValidationError:
        return None


def _shown(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "get_username"):
        return value.get_username()
    return as_text(value)


class Run:
    """One import: the forms of every row, the problems they found and the changes they made."""

    def __init__(self, parsed: Parsed, user):
        self.parsed, self.user = parsed, user
        self.sheets = {title: Changes() for title in (SHEET_PLAN, *SHEETS)}

    def form_problems(self, title, row, form):
        headers = _headers(title)
        for name, messages in form.errors.items():
            where = (self.parsed.plan_rows.get(name), PLAN_HEADERS[1]) if title == SHEET_PLAN \
                else (row, headers.get(name, ""))
            for message in messages:
                self.parsed.add(title, *where, message)

    def change(self, title, label, before: dict, after: dict) -> Change | None:
        """The Change for the keys whose values differ, or None."""
        headers = _headers(title)
        fields = [(headers.get(k, k), _shown(before[k]), _shown(after[k])) for k in after if before[k] != after[k]]
        return Change(label, fields) if fields else None

    # --- the plan ----------------------------------------------------------------------

    def write(self, plan, slug) -> Summary:
        plan, created = self.write_plan(plan, slug)
        if plan.pk is not None:
            self.organization = plan.organization
            directions = self.write_directions(plan, created)
            initiatives = self.write_initiatives(plan, created, directions)
            self.write_activities(initiatives)
            self.write_budget(plan, initiatives)
            self.write_status(initiatives)
        return Summary(plan=plan, created_plan=created, sheets=self.sheets)

    def write_plan(self, plan, slug):
        data = dict(self.parsed.plan)
        fields = list(PLAN_KEYS)
        if plan is None:
            slug = slug or as_text(data.get("slug")).strip()
            plan = Plan.objects.select_related("organization").filter(slug=slug).first()
        created = plan is None
        if created:
            plan, data["slug"], fields = Plan(), slug, [*fields, "slug", "organization"]
        before = _values(plan, PLAN_KEYS)
        form = PlanForm(data, instance=plan, fields=fields)
        if not form.is_valid():
            self.form_problems(SHEET_PLAN, None, form)
            if not created:
                plan.refresh_from_db()
            return plan, created
        change = self.change(SHEET_PLAN, plan.title, before, _values(plan, PLAN_KEYS))
        if created or change:
            form.save()
            (self.sheets[SHEET_PLAN].new if created else self.sheets[SHEET_PLAN].changed).append(
                plan.title if created else change)
        return plan, created

    # --- directions and initiatives, matched by number -----------------------------------

    def write_directions(self, plan, created) -> dict:
        keys = [k for k in DirectionForm._meta.fields]
        existing = {} if created else {d.number: d for d in plan.directions.all()}
        directions = {}  # number → direction, saved, or unsaved if its row has errors
        for order, (row, data) in enumerate(self.parsed.sheets[SHEET_DIRECTIONS], start=1):
            number = _key(DirectionForm, "number", data.get("number"))
            direction = existing.pop(number, None) if number not in directions else None
            is_new = direction is None
            if is_new:
                direction = Direction(plan=plan)
            before = _values(direction, keys)
            form = DirectionForm(data, instance=direction)
            if number is not None:
                directions.setdefault(number, direction)
            if not form.is_valid():
                self.form_problems(SHEET_DIRECTIONS, row, form)
                continue
            change = None if is_new else self.change(SHEET_DIRECTIONS, str(direction), before, _values(direction, keys))
            if is_new or change or direction.order != order:
                direction.order = order
                direction.save()
            if is_new:
                self.sheets[SHEET_DIRECTIONS].new.append(str(direction))
            elif change:
                self.sheets[SHEET_DIRECTIONS].changed.append(change)
        self.removed_directions = existing
        return directions

    def write_initiatives(self, plan, created, directions) -> dict:
        sheet, headers = self.sheets[SHEET_INITIATIVES], _headers(SHEET_INITIATIVES)
        # Values in column order, then the references (as the preview has always listed them).
        keys = [k for k in InitiativeForm._meta.fields if k not in {"number", "direction", "responsible_user"}]
        keys += ["responsible_user", "direction"]
        existing = {} if created else {i.number: i for i in plan.initiatives.select_related("responsible_user")}
        links = {}
        for link in CrossLink.objects.filter(initiative__plan=plan).select_related("direction"):
            links.setdefault(link.initiative_id, {})[link.direction.number] = link
        lookups = {"direction": {n: d for n, d in directions.items()}, "responsible_user": self.users()}
        initiatives, orders = {}, {}
        for row, data in self.parsed.sheets[SHEET_INITIATIVES]:
            number = _key(InitiativeForm, "number", data.get("number"))
            initiative = existing.pop(number, None) if number not in initiatives else None
            is_new = initiative is None
            initiative = initiative or Initiative()
            before = {**_values(initiative, keys[:-2]), "responsible_user": initiative.responsible_user,
                      "direction": None if is_new else initiative.direction}
            form = InitiativeForm(data, instance=initiative, lookups=lookups)
            if number:
                initiatives.setdefault(number, initiative)
            if not form.is_valid():
                self.form_problems(SHEET_INITIATIVES, row, form)
                continue
            if initiative.direction.pk is None:
                continue  # its direction's row has errors, already reported
            after = _values(initiative, keys)
            after["direction"] = initiative.direction
            label = f"{initiative.number} {initiative.title}"
            change = None if is_new else self.change(SHEET_INITIATIVES, label, before, after)
            current = links.get(initiative.pk, {})
            wanted = form.cleaned_data["cross_links"] or []
            if not is_new and set(current) != set(wanted):
                change = change or Change(label)
                change.fields.append((headers["cross_links"], ", ".join(map(str, sorted(current))),
                                      ", ".join(map(str, wanted))))
            direction_number = initiative.direction.number
            orders[direction_number] = orders.get(direction_number, 0) + 1
            if is_new or change or initiative.order != orders[direction_number]:
                if change:
                    initiative.version += 1
                initiative.order = orders[direction_number]
                initiative.save()
            self.write_cross_links(row, initiative, current, wanted, directions)
            if is_new:
                sheet.new.append(label)
            elif change:
                sheet.changed.append(change)
        if not self.parsed.is_extract:
            for initiative in existing.values():
                sheet.removed.append(f"{initiative.number} {initiative.title}")
                initiative.delete()
            for direction in self.removed_directions.values():
                self.sheets[SHEET_DIRECTIONS].removed.append(str(direction))
                direction.delete()
        return initiatives

    def write_cross_links(self, row, initiative, current: dict, wanted: list, directions: dict):
        """The model decides which directions an initiative may also support (CrossLink.clean)."""
        column = _headers(SHEET_INITIATIVES)["cross_links"]
        new_links = []
        for number in wanted:
            direction = directions.get(number)
            if direction is None:
                self.parsed.add(SHEET_INITIATIVES, row, column, _("Retning %(number)s findes ikke i arket "
                                                                  "»Retninger«.") % {"number": number})
            elif number not in current and direction.pk is not None:
                link = CrossLink(initiative=initiative, direction=direction)
                try:
                    link.full_clean(exclude=["initiative", "direction"])
                except ValidationError as error:
                    for message in error.messages:
                        self.parsed.add(SHEET_INITIATIVES, row, column, message)
                else:
                    new_links.append(link)
        for number, link in current.items():
            if number not in wanted:
                link.delete()
        for link in new_links:
            link.save()

    def users(self) -> dict:
        """The users a file may name: the municipality's active members and superusers."""
        users = get_user_model().objects.filter(is_active=True)
        users = users.filter(Q(memberships__organization=self.organization) | Q(is_superuser=True))
        return {u.get_username(): u for u in users.distinct()}

    # --- rows under an initiative, matched by their values -------------------------------

    def row_forms(self, title, form_class, initiatives, make, lookups=None):
        """Valid forms of a sheet's rows, grouped by the initiative number they name."""
        groups: dict = {}
        lookups = {"initiative": initiatives, **(lookups or {})}
        for row, data in self.parsed.sheets[title]:
            number = as_text(data.get("initiative")).strip()
            initiative = initiatives.get(number)
            form = form_class(data, instance=make(initiative), lookups=lookups)
            if not form.is_valid():
                self.form_problems(title, row, form)
            elif initiative is None or initiative.pk is not None:
                groups.setdefault(number or None, []).append(form)
        return groups

    def sync(self, title, current: list, forms: list, keys, label, versioned=False):
        """Make the ordered `current` objects equal to the `forms` rows with as few writes as possible:
        unchanged rows are kept (only their order follows the file), replaced rows are updated in
        place, the rest created or deleted."""
        changes = self.sheets[title]
        wanted = [tuple(getattr(f.instance, k) for k in keys) for f in forms]
        matcher = difflib.SequenceMatcher(a=[tuple(getattr(o, k) for k in keys) for o in current], b=wanted,
                                          autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            olds, news = current[i1:i2], list(range(j1, j2))
            if tag == "equal":
                for obj, j in zip(olds, news):
                    if obj.order != j + 1:
                        obj.order = j + 1
                        obj.save()
                continue
            for obj, j in zip(olds, news):
                before = _values(obj, keys)
                for key in keys:
                    setattr(obj, key, getattr(forms[j].instance, key))
                obj.order = j + 1
                if versioned:
                    obj.version += 1
                obj.save()
                changes.changed.append(self.change(title, label(obj), before, _values(obj, keys)) or Change(label(obj)))
            for j in news[len(olds):]:
                obj = forms[j].instance
                obj.order = j + 1
                obj.save()
                changes.new.append(Label(label, obj))
            for obj in olds[len(news):]:
                changes.removed.append(Label(label, obj))
                obj.delete()

    def write_activities(self, initiatives):
        keys = ActivityForm._meta.fields
        groups = self.row_forms(SHEET_ACTIVITIES, ActivityForm, initiatives,
                                lambda initiative: Activity(initiative=initiative))
        current: dict = {}
        saved = {i.pk: i for i in initiatives.values() if i.pk is not None}
        for activity in Activity.objects.filter(initiative__in=saved).order_by("year", "order", "id"):
            activity.initiative = saved[activity.initiative_id]
            current.setdefault(activity.initiative_id, []).append(activity)
        for number, initiative in initiatives.items():
            if initiative.pk is not None:
                self.sync(SHEET_ACTIVITIES, current.get(initiative.pk, []), groups.get(number, []), keys,
                          lambda a: f"{a.initiative.number}: {a}", versioned=True)

    def write_budget(self, plan, initiatives):
        keys = BudgetLineForm._meta.fields
        groups = self.row_forms(SHEET_BUDGET, BudgetLineForm, initiatives,
                                lambda initiative: BudgetLine(plan=plan, initiative=initiative))
        saved = {i.pk: i for i in initiatives.values() if i.pk is not None}
        current: dict = {}
        lines = BudgetLine.objects.filter(Q(plan=plan, initiative__isnull=True) | Q(initiative__in=saved))
        for line in lines.order_by("order", "id"):
            current.setdefault(line.initiative_id, []).append(line)

        def label(line):
            owner = saved[line.initiative_id].number + ": " if line.initiative_id else ""
            return f"{owner}{line.year} {line.label}"

        self.sync(SHEET_BUDGET, current.get(None, []), groups.get(None, []), keys, label)
        for number, initiative in initiatives.items():
            if initiative.pk is not None:
                self.sync(SHEET_BUDGET, current.get(initiative.pk, []), groups.get(number, []), keys, label)

    def write_status(self, initiatives):
        """Status history is history: rows are added or corrected, never deleted by an import."""
        keys = ["status", "phase", "note", "author"]
        changes = self.sheets[SHEET_STATUS]
        groups = self.row_forms(SHEET_STATUS, StatusUpdateForm, initiatives,
                                lambda initiative: StatusUpdate(initiative=initiative),
                                lookups={"author": self.users()})
        saved = {i.pk: i for i in initiatives.values() if i.pk is not None}
        current: dict = {}  # (initiative pk, local time to the second) → updates, oldest first
        for update in StatusUpdate.objects.filter(initiative__in=saved).order_by("created_at", "id"):
            current.setdefault((update.initiative_id, _second(update.created_at)), []).append(update)
        for forms in groups.values():
            for form in forms:
                new, moment = form.instance, form.cleaned_data["created_at"]
                label = f"{new.initiative.number}: {timezone.localtime(moment):%d-%m-%Y %H:%M}"
                candidates = current.get((new.initiative_id, _second(moment)), [])
                if not candidates:
                    new.save()
                    new.created_at = moment  # auto_now_add set "now" on insert
                    new.save(update_fields=["created_at"])
                    changes.new.append(label)
                    continue
                update = candidates.pop(0)
                before = _values(update, keys)
                for key in keys:
                    setattr(update, key, getattr(new, key))
                change = self.change(SHEET_STATUS, label, before, _values(update, keys))
                if change:
                    update.save()
                    changes.changed.append(change)


def _second(moment):
    return timezone.localtime(moment).replace(microsecond=0, tzinfo=None)
