"""The public view of a plan: the one place that decides which fields leave the portal.

The public site and the open data API both read plans through these functions, which
copy a whitelist of fields into plain dicts. A field is public only if it is named
here, so a field added to a model later stays internal until someone decides
otherwise. Never public: status notes and their authors, owners (`responsible_user`),
status history, the audit log, follow-up rounds, unapproved feedback and citizens'
e-mail addresses. Public only where the plan says so: "Ansvarlig" texts
(`Plan.public_responsible`) and funding and budget lines (`Plan.public_budget`).
"""

from django.db.models import Prefetch, Q

from initiatives.models import Activity, BudgetLine, Initiative
from masterplan.models import Plan

PLAN_FIELDS = ["slug", "title", "period_start", "period_end", "adopted_on", "adopted_by", "intro", "vision",
               "direction_label", "direction_label_plural", "initiative_label", "initiative_label_plural"]
DIRECTION_FIELDS = ["number", "title", "statement", "goal", "description"]
INITIATIVE_FIELDS = ["id", "number", "kind", "title", "description", "goal", "purpose", "follow_up", "deadline",
                     "success_criteria", "expected_outcomes", "actions", "start_date", "end_date", "status", "phase"]
ACTIVITY_FIELDS = ["year", "period", "text", "deadline", "done"]
BUDGET_LINE_FIELDS = ["year", "amount", "label", "kind"]
# Fields of initiatives searched on the public site: public ones only, so a search
# cannot reveal what an internal field holds.
SEARCH_FIELDS = ["number", "title", "description", "goal", "purpose"]


def public_plans():
    return Plan.objects.public().select_related("organization")


def public_initiatives(plan: Plan):
    """The plan's initiatives with what their public view needs, in a constant number of queries."""
    related = [
        Prefetch("activities", queryset=Activity.objects.order_by("year", "order", "id")),
        Prefetch("cross_links"),
    ]
    if plan.public_budget:
        related.append(Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("year", "order", "id")))
    return Initiative.objects.filter(plan=plan).select_related("direction").prefetch_related(*related)


def search(initiatives, text: str):
    for word in text.split():
        condition = Q()
        for name in SEARCH_FIELDS:
            condition |= Q(**{f"{name}__icontains": word})
        initiatives = initiatives.filter(condition)
    return initiatives


def _copy(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def budget_line_data(line: BudgetLine) -> dict:
    return {**_copy(line, BUDGET_LINE_FIELDS), "kind_label": str(line.get_kind_display())}


def activity_data(activity: Activity, plan: Plan) -> dict:
    data = _copy(activity, ACTIVITY_FIELDS)
    data["period_label"] = str(activity.get_period_display())
    if plan.public_responsible:
        data["responsible"] = activity.responsible
    return data


def initiative_data(initiative: Initiative, plan: Plan, directions_by_pk: dict) -> dict:
    data = _copy(initiative, INITIATIVE_FIELDS)
    data.update(
        kind_label=str(initiative.get_kind_display()),
        status_label=str(initiative.get_status_display()),
        phase_label=str(initiative.get_phase_display()) if initiative.phase else "",
        direction=initiative.direction.number,
        also_supports=[
            {"number": d.number, "statement": d.statement, "title": d.title}
            for d in sorted(initiative.cross_links.all(), key=lambda d: (d.order, d.number))
        ],
        activities=[activity_data(a, plan) for a in initiative.activities.all()],
    )
    if plan.public_responsible:
        data["responsible"] = initiative.responsible
    if plan.public_budget:
        data["funding_amount"] = initiative.funding_amount
        data["funding_source"] = initiative.funding_source
        data["budget_lines"] = [budget_line_data(line) for line in initiative.budget_lines.all()]
    return data


def plan_data(plan: Plan, initiatives=None) -> dict:
    """The plan, its directions and (all, or the given) initiatives as public dicts."""
    directions = list(plan.directions.all())
    by_pk = {d.pk: d for d in directions}
    items = list(public_initiatives(plan) if initiatives is None else initiatives)
    by_direction: dict[int, list] = {d.pk: [] for d in directions}
    for initiative in items:
        by_direction.setdefault(initiative.direction_id, []).append(initiative_data(initiative, plan, by_pk))
    data = _copy(plan, PLAN_FIELDS)
    data["organization"] = plan.organization.name
    data["years"] = list(plan.years)
    data["directions"] = [
        {**_copy(d, DIRECTION_FIELDS), "initiatives": by_direction[d.pk]} for d in directions
    ]
    if plan.public_budget:
        data["budget_lines"] = [
            budget_line_data(line)
            for line in plan.budget_lines.filter(initiative__isnull=True).order_by("year", "order", "id")
        ]
    return data
