"""The export: a plan (or the part of it a filtered plan page shows) as the workbook.

The format itself is in `reporting.exchange.workbook` (re-exported here, as
`export` is where callers look for it), the empty template in
`reporting.exchange.template`. An export re-imported into an empty plan exports
to the same cell values, ids aside. Each row carries its object's id, and the plan
sheet the last audit entry the export saw, so an import can tell which rows were
changed in the portal since the file was made.
"""

from django.db.models import Max, Q
from django.utils import timezone
from openpyxl import Workbook

from initiatives.forms import PlanFilterForm
from initiatives.models import Activity, AuditEntry, BudgetLine, CrossLink, StatusUpdate

from .template import build_template  # noqa: F401 (callers find the template beside the export)
from .workbook import *  # noqa: F401,F403 (the format, for callers of the export)
from .workbook import (PLAN_FIELDS, SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS, SHEET_INITIATIVES,
                       SHEET_STATUS, SHEETS, choices, finish_sheet, start_sheet, write_plan_sheet, write_rows)


class ExportFilter:
    """The plan page's own filters (`initiatives.forms.PlanFilterForm`), so an export
    started from a filtered plan page holds exactly the initiatives the page showed."""

    def __init__(self, form: PlanFilterForm | None = None):
        self.form = form if form is not None and form.is_filtering else None

    @classmethod
    def from_query(cls, data, plan) -> "ExportFilter":
        return cls(PlanFilterForm(data or None, plan=plan))

    def __bool__(self):
        return self.form is not None

    def apply(self, initiatives):
        return self.form.filter(initiatives) if self.form else initiatives

    def describe(self) -> str:
        """The filters in words, for the workbook's "Udsnit" field."""
        if not self.form:
            return ""
        parts = []
        for name, value in self.form.valid_filters().items():
            field = self.form.fields[name]
            shown = dict(getattr(field, "choices", [])).get(value, value)
            parts.append(f"{field.label}: {shown}")
        return "; ".join(parts)


def plan_values(plan, extract: str = "") -> dict:
    values = {f.key: getattr(plan, f.key, None) for f in PLAN_FIELDS
              if f.key not in {"organization", "extract", "history"}}
    values["organization"] = plan.organization.slug
    values["extract"] = extract
    values["history"] = AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0
    return values


def export_rows(plan, export_filter: ExportFilter | None = None) -> dict[str, list[dict]]:
    """Every sheet's rows as dicts of model values, in a stable order."""
    export_filter = export_filter or ExportFilter()
    directions = list(plan.directions.order_by("order", "number"))
    initiatives = list(
        export_filter.apply(plan.initiatives.all())
        .select_related("direction", "responsible_user")
        .order_by("direction__order", "direction__number", "order", "id")
    )
    position = {i.pk: n for n, i in enumerate(initiatives)}
    number_of = {i.pk: i.number for i in initiatives}
    links: dict[int, list[int]] = {}
    for link in (CrossLink.objects.filter(initiative__in=[i.pk for i in initiatives])
                 .select_related("direction").order_by("direction__number")):
        links.setdefault(link.initiative_id, []).append(link.direction.number)

    initiative_rows = []
    for initiative in initiatives:
        row = {c.key: getattr(initiative, c.key, None) for c in SHEETS[SHEET_INITIATIVES]}
        row["direction"] = initiative.direction.number
        row["responsible_user"] = initiative.responsible_user.get_username() if initiative.responsible_user else None
        row["cross_links"] = ", ".join(str(n) for n in links.get(initiative.pk, [])) or None
        row["id"] = initiative.pk
        initiative_rows.append(row)

    activities = sorted(
        Activity.objects.filter(initiative__in=position.keys()),
        key=lambda a: (position[a.initiative_id], a.year, a.order, a.id),
    )
    updates = sorted(
        StatusUpdate.objects.filter(initiative__in=position.keys()).select_related("author"),
        key=lambda u: (position[u.initiative_id], u.created_at, u.id),
    )
    budget = sorted(
        BudgetLine.objects.filter(Q(plan=plan, initiative__isnull=True) | Q(initiative__in=position.keys())),
        key=lambda b: (-1 if b.initiative_id is None else position[b.initiative_id], b.order, b.id),
    )
    return {
        SHEET_DIRECTIONS: [{c.key: getattr(d, c.key) for c in SHEETS[SHEET_DIRECTIONS]} for d in directions],
        SHEET_INITIATIVES: initiative_rows,
        SHEET_ACTIVITIES: [
            {"initiative": number_of[a.initiative_id], "year": a.year, "period": a.period, "text": a.text,
             "responsible": a.responsible, "deadline": a.deadline, "done": a.done, "id": a.pk}
            for a in activities
        ],
        SHEET_STATUS: [
            {"initiative": number_of[u.initiative_id], "created_at": u.created_at, "status": u.status,
             "phase": u.phase, "note": u.note, "author": u.author.get_username() if u.author else None,
             "id": u.pk}
            for u in updates
        ],
        SHEET_BUDGET: [
            {"initiative": number_of.get(b.initiative_id), "year": b.year, "amount": b.amount,
             "label": b.label, "kind": b.kind, "id": b.pk}
            for b in budget
        ],
        **indicator_rows(plan),
    }


def indicator_rows(plan) -> dict:
    from .indicator_sheets import export_rows as rows  # it imports this module

    return rows(plan)


def build_workbook(plan, export_filter: ExportFilter | None = None) -> Workbook:
    labels = choices()
    wb = Workbook(write_only=True)  # streamed: memory stays flat however large the plan
    extract = export_filter.describe() if export_filter else ""
    write_plan_sheet(wb, plan_values(plan, extract), labels)
    for title, rows in export_rows(plan, export_filter).items():
        columns = SHEETS[title]
        ws = start_sheet(wb, title, columns, labels, max_rows=max(len(rows) + 1000, 2000), plan_title=plan.title)
        finish_sheet(ws, columns, write_rows(ws, columns, rows, labels))
    wb.properties.title = plan.title[:250]
    wb.properties.creator = "Masterplan-portalen"
    return wb


def export_filename(plan) -> str:
    return f"{plan.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"

