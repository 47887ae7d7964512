"""The sheets of rows under an initiative: activities, budget lines and status history.

Part of an import run (`reporting.exchange.importer.Run`): each row is validated by its
model form; a row is its object by the hidden id, else it is matched by its values
(`difflib`: equal rows kept, replaced rows updated in place, the rest created or deleted).
Status history is never deleted.
"""

import difflib
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives import audit
from initiatives.models import Activity, BudgetLine, StatusUpdate

from .forms import ActivityForm, BudgetLineForm, IntCell, StatusUpdateForm, as_text
from .summary import Label, out_of_order
from .workbook import SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_STATUS, header


def _row_id(data):
    try:
        return IntCell(required=False).to_python(data.get("id"))
    except ValidationError:
        return None


def values_of(obj, keys) -> dict:
    return {key: getattr(obj, key) for key in keys}


def still_old_number(old, new) -> str:
    """A row that names an initiative by the number the file has just taken from it."""
    return _("Initiativ %(old)s har fået nummer %(new)s i arket »Initiativer«: skriv også %(new)s her, "
             "så rækken følger med sit initiativ.") % {"old": old, "new": new}


class Checked(NamedTuple):
    """A valid row: the object its form made (not yet saved) and the form's cleaned values."""

    instance: object
    cleaned_data: dict


class RowSheets:
    def create_later(self, obj):
        """New rows are inserted together (`create_pending`), thousands at a time, each audited."""
        self.creating.setdefault(type(obj), []).append(obj)

    def create_pending(self):
        """Insert the waiting rows, a model's rows together; a model whose rows point at
        another waiting model's (a new initiative's cross-links) after that model."""
        def waits_for_another(model):
            return any(field.is_relation and field.related_model in self.creating and field.related_model is not model
                       for field in model._meta.concrete_fields)

        for model in sorted(self.creating, key=waits_for_another):
            audit.bulk_create(model, self.creating[model])
            self.tick(written=len(self.creating[model]))
        self.creating = {}

    def checked_rows(self, title, form_class, initiatives, make, lookups=None):
        """The valid rows of a sheet (`Checked`: the object its form made, the form's values),
        grouped by the initiative number they name. One form checks every row (`rebind`).

        A row whose id is one of a renumbered initiative's objects, and which still names the
        initiative by its old number, is a problem: after a swap that number is the other
        initiative's, and the row would silently move there."""
        groups: dict = {}
        lookups = {"initiative": initiatives, **(lookups or {})}
        renamed = self.renamed  # initiative pk → (old number, new number), from the initiatives sheet
        owners = dict(form_class._meta.model.objects.filter(initiative_id__in=renamed)
                      .values_list("pk", "initiative_id")) if renamed else {}
        form = None
        for row, data in self.parsed.sheets[title]:
            number = as_text(data.get("initiative")).strip()
            initiative = initiatives.get(number)
            self.tick(checked=1)
            owner = owners.get(_row_id(data)) if owners else None
            if owner is not None and number == renamed[owner][0]:
                self.parsed.add(title, row, header(title, "initiative"), still_old_number(*renamed[owner]))
                continue
            form = form_class.for_row(form, data, instance=make(initiative), lookups=lookups)
            if not form.is_valid():
                self.form_problems(title, row, form)
            elif initiative is None or initiative.pk is not None:
                groups.setdefault(number or None, []).append(Checked(form.instance, form.cleaned_data))
        return groups

    def sync(self, title, current: list, rows: list, keys, label, versioned=False):
        """Make the `current` objects equal to the `rows` (`Checked`) with as few writes as possible.

        A row with the id of one of them is that object; the others are matched by their values
        (`difflib`: equal rows kept, replaced rows updated in place, the rest created or deleted).
        """
        changes = self.sheets[title]
        by_pk = {o.pk: o for o in current}
        pairs = {}  # form index → object
        for j, checked in enumerate(rows):
            obj = by_pk.pop(checked.cleaned_data.get("id"), None)
            if obj is not None:
                pairs[j] = obj
        olds = [o for o in current if o.pk in by_pk]
        rest = [j for j in range(len(rows)) if j not in pairs]
        matcher = difflib.SequenceMatcher(a=[tuple(getattr(o, k) for k in keys) for o in olds],
                                          b=[tuple(getattr(rows[j].instance, k) for k in keys) for j in rest],
                                          autojunk=False)
        removed = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for obj, j in zip(olds[i1:i2], rest[j1:j2]):
                pairs[j] = obj
            removed += olds[i1 + (j2 - j1):i2] if i2 - i1 > j2 - j1 else []
            for j in rest[j1 + (i2 - i1):j2] if j2 - j1 > i2 - i1 else []:
                pairs[j] = None
        last = max((o.order for o in current), default=0)
        rank = {o.pk: n for n, o in enumerate(current)}
        changes.reordered += out_of_order([rank[pairs[j].pk] for j in sorted(pairs) if pairs[j] is not None])
        for j in sorted(pairs):
            obj, new = pairs[j], rows[j].instance
            if obj is None:
                last += 1
                new.order = j + 1 if self.file_order else last
                self.create_later(new)
                changes.new.append(Label(label, new))
                continue
            before = values_of(obj, keys)
            change = self.change(title, label(obj), before, values_of(new, keys))
            if change and not self.may_write(title, obj, change.label, change.fields):
                continue
            order = j + 1 if self.file_order else obj.order
            if change or obj.order != order:
                for key in keys:
                    setattr(obj, key, getattr(new, key))
                obj.order = order
                if versioned and change:
                    obj.version += 1
                obj.save()
            if change:
                changes.changed.append(change)
        for obj in removed:
            if self.may_write(title, obj, label(obj)):
                changes.removed.append(Label(label, obj))
                obj.delete()

    def write_activities(self, initiatives):
        keys = ActivityForm._meta.fields
        groups = self.checked_rows(SHEET_ACTIVITIES, ActivityForm, initiatives,
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
        self.create_pending()

    def write_budget(self, plan, initiatives):
        keys = BudgetLineForm._meta.fields
        groups = self.checked_rows(SHEET_BUDGET, BudgetLineForm, initiatives,
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
        self.create_pending()

    def write_status(self, initiatives):
        """Status history is history: rows are added or corrected, never deleted by an import.
        A row is matched by its id, else by initiative and time (to the second, for older files)."""
        keys = ["status", "phase", "note", "author"]
        changes = self.sheets[SHEET_STATUS]
        groups = self.checked_rows(SHEET_STATUS, StatusUpdateForm, initiatives,
                                lambda initiative: StatusUpdate(initiative=initiative),
                                lookups={"author": self.users()})
        saved = {i.pk: i for i in initiatives.values() if i.pk is not None}
        by_pk, by_time = {}, {}
        for update in StatusUpdate.objects.filter(initiative__in=saved).order_by("created_at", "id"):
            by_pk[update.pk] = update
            by_time.setdefault((update.initiative_id, _second(update.created_at)), []).append(update)
        created = []  # (new update, its time from the file)
        for rows in groups.values():
            for checked in rows:
                new, moment = checked.instance, checked.cleaned_data["created_at"]
                label = f"{new.initiative.number}: {timezone.localtime(moment):%d-%m-%Y %H:%M}"
                update = by_pk.get(checked.cleaned_data.get("id"))
                if update is None or update.initiative_id != new.initiative_id:
                    candidates = by_time.get((new.initiative_id, _second(moment)), [])
                    exact = [u for u in candidates if u.created_at == moment]
                    update = (exact or candidates or [None])[0]
                if update is None or update.pk not in by_pk:
                    created.append((new, moment))
                    changes.new.append(label)
                    continue
                del by_pk[update.pk]
                by_time[(update.initiative_id, _second(update.created_at))].remove(update)
                change = self.change(SHEET_STATUS, label, values_of(update, keys), values_of(new, keys))
                if change and self.may_write(SHEET_STATUS, update, label, change.fields):
                    for key in keys:
                        setattr(update, key, getattr(new, key))
                    update.save()
                    changes.changed.append(change)
        for new, moment in created:
            new.created_at = moment  # the file's time, not "now" (auto_now_add); it is not audited
        audit.bulk_create(StatusUpdate, [new for new, _ in created], as_given=("created_at",))
        self.tick(written=len(created))


def _second(moment):
    return timezone.localtime(moment).replace(microsecond=0, tzinfo=None)
