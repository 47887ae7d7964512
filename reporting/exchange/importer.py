"""Reading a plan workbook back in: check the file, then validate and write row by row.

NetBox's bulk-import pattern: `files.load` checks the bytes and reads the cells;
`import_plan` then checks every row with its sheet's model form (`reporting.exchange.forms`;
one form per sheet, bound to each row in turn), so the models are the only rule book, and
collects every form's errors with sheet, row and column. All rows are written in one
`transaction.atomic` inside `audit_context(user, "import")`, sheet by sheet (a row may refer
to rows of an earlier sheet), and any problem rolls everything back. With `commit=False` the
same writes run and are rolled back: the preview and `--dry-run` show exactly
what a real import would do, and nothing is kept. New initiatives, activities, budget
lines, status rows, cross-links, indicators and measurements are inserted together
(`audit.bulk_create`: one history entry per object as a save would write; COPY on
PostgreSQL, `config.bulk`), and the history entries of the whole run are written in
batches (`audit.batched`): a 1,000-initiative plan takes a few hundred round trips to the
database instead of 40,000.

Rows are matched by their hidden id, then directions and initiatives by number
and activities and budget lines by their values within their initiative
(`difflib`, so an edited row is updated in place). A row found by its id may give its
initiative a new number, also one that another row gives up in the same file (two may swap
numbers: `renumber_later`); a row of a later sheet that still names such an initiative by
its old number is a problem, not a move to the initiative that took it. Status history is never
deleted; a status changed on the initiatives sheet is recorded by
`Initiative.change_status`, as in the browser.

Nothing newer is lost: a row whose object was changed in the portal after the
export (audit entries after the file's "history" number) is a conflict, named
with who and when, and is written only if the user chooses it (`overwrite`).
The portal's order is kept unless the user asks for the file's (`file_order`);
a new plan takes the file's order. An editor's import leaves the fields only
administrators may change (`ADMIN_FIELDS`) as they are.
"""

from collections import ChainMap

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from initiatives import audit
from initiatives.audit import audit_context
from initiatives.models import AuditEntry, CrossLink, Initiative
from masterplan.models import Direction, Plan
from masterplan.nouns import complete_label_forms

from . import indicator_sheets
from .files import ImportFailed, Parsed, Problem, collecting_later, load  # noqa: F401 (load: the import's first step)
from .rows import RowSheets, _row_id, values_of
from .summary import Change, Changes, Conflict, Summary, out_of_order
from .forms import DirectionForm, InitiativeForm, IntCell, PlanForm, as_text
from .workbook import (OPTIONAL_SHEETS, PLAN_FIELDS, PLAN_HEADERS, SHEET_DIRECTIONS,
                       SHEET_INITIATIVES, SHEET_PLAN, SHEET_STATUS, SHEETS, cell_value, choices)

PREVIEW_ROWS = 5
PLAN_KEYS = [f.key for f in PLAN_FIELDS if f.key not in {"slug", "organization", "extract", "history"}]
ADMIN_FIELDS = ["published", "period_start", "period_end"]  # the portal lets only administrators change them


def import_plan(parsed: Parsed, *, plan: Plan | None = None, slug: str | None = None, user=None,
                commit: bool = True, overwrite=(), file_order: bool = False, source: str = "import",
                progress=None) -> Summary:
    """Validate and write the parsed workbook into `plan` (or the plan named by slug/file).

    Raises ImportFailed with every problem; with commit=False everything is rolled back.
    `overwrite`: keys of conflicts to write anyway; `file_order`: take the file's row order;
    `source`: what the audit log names as the writes' origin ("word" for a Word document);
    `progress(rows checked, rows written)`: called as the run goes (the worker's progress page).
    """
    if parsed.structural:
        raise ImportFailed(parsed.problems)
    try:
        with collecting_later(), audit_context(user, source), transaction.atomic(), translation.override("da"):
            with audit.batched():  # written before a dry run marks the transaction for rollback
                summary = Run(parsed, user, set(overwrite), file_order, progress).write(plan, slug)
            if parsed.problems:
                raise ImportFailed(parsed.problems)  # leaves the atomic block: all rolled back
            if not commit:
                transaction.set_rollback(True)
    except ValidationError as error:  # a model check outside the forms: still all or nothing
        raise ImportFailed([Problem(message=m) for m in error.messages]) from None
    return summary


def _columns(title):
    return {c.key: c for c in (PLAN_FIELDS if title == SHEET_PLAN else SHEETS[title])}


def _key(form_class, name, value):
    """A cell as the form field reads it, or None if it cannot be read (the form says why)."""
    try:
        return form_class.base_fields[name].to_python(value)
    except ValidationError:
        return None


def _keep_as_saved(obj, by_number: dict):
    """A row whose change the conflict rule refused: the object goes back to what the portal
    has, and the later sheets find it by the number it keeps, not the one the row gave it."""
    if by_number.get(obj.number) is obj:
        del by_number[obj.number]
    obj.refresh_from_db()
    by_number.setdefault(obj.number, obj)


class Run(RowSheets):
    """One import: the forms of every row, the problems they found and the changes they made."""

    def __init__(self, parsed: Parsed, user, overwrite: set, file_order: bool, progress=None):
        self.parsed, self.user, self.overwrite = parsed, user, overwrite
        self.progress, self.checked, self.written = progress, 0, 0
        self.file_order = file_order
        self.admin = user is None or user.has_perm("masterplan.change_plan")
        self.sheets = {title: Changes() for title in (SHEET_PLAN, *SHEETS)
                       if title not in OPTIONAL_SHEETS or title in parsed.sheets}  # an older file lacks some
        self.conflicts, self.kept, self.recent = [], [], {}
        self.creating = {}  # model → new rows to insert together (RowSheets.create_later)
        self.renamed = {}  # initiative pk → (old number, new number): renumbered by the file
        self.labels = choices()

    def tick(self, checked: int = 0, written: int = 0):
        """Count rows checked and objects written, for `progress`."""
        self.checked += checked
        self.written += written
        if self.progress is not None:
            self.progress(self.checked, self.written)

    def form_problems(self, title, row, form):
        columns = _columns(title)
        for name, messages in form.errors.items():
            where = (self.parsed.plan_rows.get(name), PLAN_HEADERS[1]) if title == SHEET_PLAN \
                else (row, columns[name].header if name in columns else "")
            for message in messages:
                self.parsed.add(title, *where, message)

    def shown(self, column, value) -> str:
        if hasattr(value, "get_username"):
            return value.get_username()
        if isinstance(value, Direction):
            return str(value.number)
        value = cell_value(column, value, self.labels)
        if column.kind == "money" and value is not None:
            return f"{value:,}".replace(",", "X").replace(".", ",").replace("X", ".") + " kr."
        return as_text(value)

    def change(self, title, label, before: dict, after: dict) -> Change | None:
        """The Change for the keys whose values differ (old → new as the cells show them), or None."""
        columns = _columns(title)
        fields = [(columns[k].header, self.shown(columns[k], before[k]), self.shown(columns[k], after[k]))
                  for k in after if before[k] != after[k]]
        return Change(label, fields) if fields else None

    # --- changed since the export --------------------------------------------------------

    def load_recent(self, plan):
        """The last audit entry per object of the plan after the export's, if the file says which."""
        try:
            history = IntCell(required=False).to_python(self.parsed.plan.get("history"))
        except ValidationError:
            history = None
        from_this_plan = as_text(self.parsed.plan.get("slug")).strip() == plan.slug
        if not history or plan.pk is None or not from_this_plan:  # a copy of another plan: nothing to compare
            return
        for entry in AuditEntry.objects.filter(plan_pk=plan.pk, id__gt=history).order_by("id"):
            self.recent[(entry.model, entry.object_id)] = entry
            if entry.model == "crosslink" and entry.initiative_pk:  # a link is part of its initiative
                self.recent[("initiative", str(entry.initiative_pk))] = entry

    def may_write(self, title, obj, label, fields=()) -> bool:
        """Whether the file may change (or delete) `obj`: yes, unless it changed in the portal since
        the export and the user has not chosen to overwrite it; a conflict is recorded either way."""
        entry = self.recent.get((obj._meta.model_name, str(obj.pk))) if obj.pk is not None else None
        if entry is None:
            return True
        key = f"{obj._meta.model_name}:{obj.pk}"
        chosen = key in self.overwrite
        self.conflicts.append(Conflict(key, title, str(label), entry.user_name or _("ukendt"), entry.timestamp,
                                       list(fields), chosen))
        return chosen

    # --- the plan ----------------------------------------------------------------------

    def write(self, plan, slug) -> Summary:
        plan, created = self.write_plan(plan, slug)
        self.file_order = self.file_order or created
        if plan.pk is not None:
            self.organization = plan.organization
            directions = self.write_directions(plan, created)
            initiatives = self.write_initiatives(plan, created, directions)
            self.write_activities(initiatives)
            self.write_budget(plan, initiatives)
            self.write_status(initiatives)
            indicator_sheets.write(self, plan, created, directions, initiatives)
        return Summary(plan=plan, created_plan=created, sheets=self.sheets, conflicts=self.conflicts,
                       kept=self.kept, file_order=self.file_order)

    def write_plan(self, plan, slug):
        data = dict(self.parsed.plan)
        complete_label_forms(data, set(self.parsed.plan_rows))  # files from before the grammar rows
        keys = PLAN_KEYS if self.admin else [k for k in PLAN_KEYS if k not in ADMIN_FIELDS]
        if plan is None:
            slug = slug or as_text(data.get("slug")).strip()
            plan = Plan.objects.select_related("organization").filter(slug=slug).first()
        created = plan is None
        fields = list(keys)
        if created:
            plan, data["slug"], fields = Plan(), slug, [*keys, "slug", "organization"]
        self.load_recent(plan)
        columns = _columns(SHEET_PLAN)
        for key in set(PLAN_KEYS) - set(keys):
            wanted = _key(PlanForm, key, data.get(key)) if key in PlanForm.base_fields else None
            if key in self.parsed.plan_rows and wanted is not None and wanted != getattr(plan, key):
                self.kept.append((columns[key].header, self.shown(columns[key], getattr(plan, key)),
                                  self.shown(columns[key], wanted)))
        before = values_of(plan, keys)
        form = PlanForm(data, instance=plan, fields=fields)
        if not form.is_valid():
            self.form_problems(SHEET_PLAN, None, form)
            if not created:
                plan.refresh_from_db()
            return plan, created
        change = self.change(SHEET_PLAN, plan.title, before, values_of(plan, keys))
        if created:
            form.save()
            self.sheets[SHEET_PLAN].new.append(plan.title)
        elif change and self.may_write(SHEET_PLAN, plan, plan.title, change.fields):
            form.save()
            self.sheets[SHEET_PLAN].changed.append(change)
        elif change:
            plan.refresh_from_db()
        return plan, created

    # --- directions and initiatives, matched by id, then by number -----------------------

    def matcher(self, objects, sheet: str):
        """Finds the object for a row: by its id, else by its number; each object once.

        An object whose id stands on some row of the sheet is that row's, whatever number the
        row gives it: a row without an id never takes it by number. (Inserting a new "1.1"
        above the old one renumbered to "1.2" must not hand the old one's history to the new.)
        """
        by_pk = {o.pk: o for o in objects}
        by_number = {o.number: o for o in objects}
        claimed_by_id = {_row_id(data) for _, data in self.parsed.sheets.get(sheet, [])} & set(by_pk)

        def match(row_id, number):
            obj = by_pk.get(row_id)
            if obj is None and number is not None:
                obj = by_number.get(number)
                if obj is not None and obj.pk in claimed_by_id:
                    obj = None
            if obj is not None and obj.pk in by_pk:
                del by_pk[obj.pk]
                return obj
            return None

        return match, by_pk

    def write_directions(self, plan, created) -> dict:
        keys = list(DirectionForm._meta.fields)
        existing = [] if created else list(plan.directions.order_by("order", "number"))
        rank = {d.pk: n for n, d in enumerate(existing)}
        match, unclaimed = self.matcher(existing, SHEET_DIRECTIONS)
        last = max((d.order for d in existing), default=0)
        directions, file_ranks = {}, []  # number → direction (unsaved if its row has errors)
        for position, (row, data) in enumerate(self.parsed.sheets[SHEET_DIRECTIONS], start=1):
            number = _key(DirectionForm, "number", data.get("number"))
            direction = match(_row_id(data), number)
            is_new = direction is None
            direction = direction or Direction(plan=plan)
            before = values_of(direction, keys)
            self.tick(checked=1)
            form = DirectionForm(data, instance=direction)
            if not form.is_valid():
                if number is not None:
                    directions.setdefault(number, direction)
                self.form_problems(SHEET_DIRECTIONS, row, form)
                continue
            directions.setdefault(direction.number, direction)
            change = None if is_new else self.change(SHEET_DIRECTIONS, str(direction), before,
                                                     values_of(direction, keys))
            if change and not self.may_write(SHEET_DIRECTIONS, direction, change.label, change.fields):
                _keep_as_saved(direction, directions)
                change = None
            if not is_new:
                file_ranks.append(rank[direction.pk])
            order = position if self.file_order else direction.order if not is_new else last + position
            if is_new or change or direction.order != order:
                if change:
                    direction.version += 1  # an edit form loaded before the import is then stale
                direction.order = order
                direction.save()
            if is_new:
                self.sheets[SHEET_DIRECTIONS].new.append(str(direction))
            elif change:
                self.sheets[SHEET_DIRECTIONS].changed.append(change)
        self.sheets[SHEET_DIRECTIONS].reordered = out_of_order(file_ranks)
        self.removed_directions = unclaimed
        return directions

    def write_initiatives(self, plan, created, directions) -> dict:
        sheet, columns = self.sheets[SHEET_INITIATIVES], _columns(SHEET_INITIATIVES)
        # Values in column order, then the references (as the preview has always listed them).
        keys = [k for k in InitiativeForm._meta.fields if k not in {"direction", "responsible_user"}]
        keys += ["responsible_user", "direction"]  # a row found by its id may renumber its initiative
        existing = [] if created else list(plan.initiatives.select_related("responsible_user", "direction"))
        rank = {i.pk: n for n, i in enumerate(existing)}
        match, unclaimed = self.matcher(existing, SHEET_INITIATIVES)
        last = {}  # direction pk → highest order in it
        for initiative in existing:
            last[initiative.direction_id] = max(last.get(initiative.direction_id, 0), initiative.order)
        links = {}
        for link in CrossLink.objects.filter(initiative__plan=plan).select_related("direction"):
            links.setdefault(link.initiative_id, {})[link.direction.number] = link
        lookups = {"direction": directions, "responsible_user": self.users()}
        initiatives, positions, file_ranks = {}, {}, []
        # Numbers are checked in memory (clean_number_unique): an existing row's against the
        # plan's numbers as the database holds them at that row plus the new rows'; a new row's
        # against the other new rows', and after the sheet against the plan as it then stands
        # (new rows are inserted last, so they may take a number an earlier or later row freed).
        # A number that a row found by its id gives up later in the sheet is free from the start,
        # so two initiatives may swap numbers (or several pass them round): the row that takes a
        # number still held is saved after the sheet (`renumber_later`).
        moving = self.renumbered_by_id(existing, SHEET_INITIATIVES, InitiativeForm)
        taken, new_numbers, new_rows = {i.number: i for i in existing if i.pk not in moving}, {}, {}
        held, later = {i.number: i.pk for i in existing}, []  # numbers as the database holds them
        form = None
        for row, data in self.parsed.sheets[SHEET_INITIATIVES]:
            number = _key(InitiativeForm, "number", data.get("number"))
            initiative = match(_row_id(data), number)
            is_new = initiative is None
            initiative = initiative or Initiative()
            initiative.numbers_taken = new_numbers if is_new else ChainMap(taken, new_numbers)
            old_number = initiative.number
            before = values_of(initiative, keys[:-1]) | {"direction": None if is_new else initiative.direction}
            self.tick(checked=1)
            form = InitiativeForm.for_row(form, data, instance=initiative, lookups=lookups)  # one form, every row
            if not form.is_valid():
                if number:
                    initiatives.setdefault(number, initiative)
                self.form_problems(SHEET_INITIATIVES, row, form)
                continue
            initiatives.setdefault(initiative.number, initiative)
            if initiative.direction.pk is None:
                continue  # its direction's row has errors, already reported
            initiative.plan = plan  # its activities' and budget lines' checks read the plan: once, not per row
            label = f"{initiative.number} {initiative.title}"
            change = None if is_new else self.change(SHEET_INITIATIVES, label, before, values_of(initiative, keys))
            current = links.get(initiative.pk, {})
            wanted = form.cleaned_data["cross_links"] or []
            if not is_new and set(current) != set(wanted):
                change = change or Change(label)
                change.fields.append((columns["cross_links"].header, ", ".join(map(str, sorted(current))),
                                      ", ".join(map(str, wanted))))
            if change and not self.may_write(SHEET_INITIATIVES, initiative, label, change.fields):
                _keep_as_saved(initiative, initiatives)
                continue
            direction = initiative.direction
            positions[direction.pk] = positions.get(direction.pk, 0) + 1
            moved = is_new or before["direction"] != direction
            if not moved:
                file_ranks.append(rank[initiative.pk])
            if self.file_order:
                order = positions[direction.pk]
            elif moved:
                last[direction.pk] = order = last.get(direction.pk, 0) + 1
            else:
                order = initiative.order
            if is_new:
                initiative.order = order
                self.create_later(initiative)  # inserted with the others, before its cross-links
            elif change and held.get(initiative.number, initiative.pk) != initiative.pk:
                audit.keep_before(initiative)  # its number is still another's: saved after the sheet
                later.append((row, initiative, before, order))
            elif change:
                self.save_changed_initiative(initiative, before, order)
                if held.get(old_number) == initiative.pk:
                    del held[old_number]
                held[initiative.number] = initiative.pk
            elif initiative.order != order:
                initiative.order = order
                initiative.save()
                self.tick(written=1)
            if is_new:
                new_numbers[initiative.number], new_rows[initiative.number] = initiative, row
            else:
                if old_number != initiative.number:
                    self.renamed[initiative.pk] = (old_number, initiative.number)
                if taken.get(old_number) is initiative:
                    del taken[old_number]
                taken[initiative.number] = initiative
            self.write_cross_links(row, initiative, current, wanted, directions)
            if is_new:
                sheet.new.append(label)
            elif change:
                sheet.changed.append(change)
        sheet.reordered = out_of_order(file_ranks)
        self.renumber_later(plan, later, held)
        if not self.parsed.is_extract:  # first, so a new row may take a removed one's number
            for initiative in unclaimed.values():
                label = f"{initiative.number} {initiative.title}"
                if self.may_write(SHEET_INITIATIVES, initiative, label):
                    sheet.removed.append(label)
                    initiative.delete()
        self.refuse_taken_numbers(plan, new_numbers, new_rows)
        self.create_pending()  # the new initiatives, then the new cross-links
        if not self.parsed.is_extract:
            for direction in self.removed_directions.values():
                if self.may_write(SHEET_DIRECTIONS, direction, str(direction)) and not direction.initiatives.exists():
                    self.sheets[SHEET_DIRECTIONS].removed.append(str(direction))
                    direction.delete()
        return initiatives

    def renumbered_by_id(self, existing, title: str, form) -> set:
        """The pks of objects that a row of the sheet, naming them by id, gives another number."""
        by_pk = {o.pk: o for o in existing}
        moving = set()
        for _row, data in self.parsed.sheets[title]:
            obj = by_pk.get(_row_id(data))
            if obj is not None and _key(form, "number", data.get("number")) not in (None, obj.number):
                moving.add(obj.pk)
        return moving

    def renumber_later(self, plan, later: list, held: dict):
        """The initiatives whose new number was still another's when their row was written:
        saved now that the sheet is through. Their numbers are first parked outside the
        history (numbers no initiative of the plan has or is given), and each initiative is
        then saved with its new number, its history entry saying the old number and the new.
        A number that is still held (its holder's row kept it, as the portal's newer change
        won) is a problem on the row, unless the file has failed already: then that row's
        initiative is only not saved (everything is rolled back), so that no later check
        reports a clash that comes of an earlier error. `held`: number → pk in the database."""
        if not later:
            return
        column = _columns(SHEET_INITIATIVES)["number"].header
        failed = bool(self.parsed.problems)
        moving = {initiative.pk for _row, initiative, _before, _order in later}
        held = {number: pk for number, pk in held.items() if pk not in moving}
        ready = []
        for row, initiative, before, order in later:
            if initiative.number in held:
                if not failed:
                    self.parsed.add(SHEET_INITIATIVES, row, column, Initiative.number_taken(initiative.number))
                continue
            held[initiative.number] = initiative.pk
            ready.append((initiative, before, order))
        used = set(plan.initiatives.values_list("number", flat=True)) | set(held)
        for pk in sorted(moving):
            parking = f"~{pk}"
            while parking in used:  # numbers are free text: someone may have typed "~12"
                parking = "~" + parking
            used.add(parking)
            Initiative.objects.filter(pk=pk).update(number=parking)
        for initiative, before, order in ready:
            self.save_changed_initiative(initiative, before, order)

    def refuse_taken_numbers(self, plan, new_numbers: dict, new_rows: dict):
        """A new row whose number the plan still has, once the sheet's other rows are written,
        is a problem on that row (one query); it and its cross-links are not inserted."""
        column = _columns(SHEET_INITIATIVES)["number"].header
        clashing = set(plan.initiatives.filter(number__in=list(new_numbers)).values_list("number", flat=True))
        for number in clashing:
            self.parsed.add(SHEET_INITIATIVES, new_rows[number], column, Initiative.number_taken(number))
        refused = {id(new_numbers[number]) for number in clashing}  # unsaved rows are not hashable
        for model, objects in self.creating.items():
            self.creating[model] = [o for o in objects
                                    if id(o) not in refused and id(getattr(o, "initiative", None)) not in refused]

    def save_changed_initiative(self, initiative, before, order):
        """A changed status is recorded the way the browser records it (`change_status`)."""
        initiative.order = order
        status, phase = initiative.status, initiative.phase
        if (status, phase) == (before["status"], before["phase"]):
            initiative.version += 1
            initiative.save()
            return
        initiative.status, initiative.phase = before["status"], before["phase"]
        update = initiative.change_status(self.user, status, phase, _("Ændret ved indlæsning fra Excel."))
        self.sheets[SHEET_STATUS].new.append(f"{initiative.number}: {timezone.localtime(update.created_at):%d-%m-%Y %H:%M}")

    def write_cross_links(self, row, initiative, current: dict, wanted: list, directions: dict):
        """The model decides which directions an initiative may also support (CrossLink.clean)."""
        column = _columns(SHEET_INITIATIVES)["cross_links"].header
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
            self.create_later(link)

    def users(self) -> dict:
        """The users a file may name: the municipality's active members and superusers."""
        users = get_user_model().objects.filter(is_active=True)
        users = users.filter(Q(memberships__organization=self.organization) | Q(is_superuser=True))
        return {u.get_username(): u for u in users.distinct()}


