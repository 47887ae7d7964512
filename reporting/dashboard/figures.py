"""The manager dashboard's figures, computed with a fixed number of queries.

`build_dashboard` runs the same dozen aggregate queries whatever the size of the
plan: counts are grouped in the database, and the lists that lead to action are
sliced to `LIST_LIMIT` rows (their totals come from the grouped counts).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from initiatives.models import (
    ATTENTION_STATUSES, Activity, AuditEntry, BudgetLine, CrossLink, Initiative, InitiativeQuerySet, Period, Phase,
    Status, StatusUpdate,
)
from masterplan.models import Direction, Plan

from . import charts

LIST_LIMIT = 20
RECENT_LIMIT = 12
IN_PROGRESS = [Status.ON_TRACK, Status.AT_RISK, Status.DELAYED]
HALF_YEAR_PERIODS = {
    1: [Period.YEAR, Period.H1, Period.Q1, Period.Q2, *[f"m{m:02d}" for m in range(1, 7)]],
    2: [Period.YEAR, Period.H2, Period.Q3, Period.Q4, *[f"m{m:02d}" for m in range(7, 13)]],
}


def default_since(plan: Plan, today: datetime.date) -> datetime.date:
    """Start of "changes since": the day the plan's last annual follow-up was made
    final, or 1 January of this year when there is none."""
    from ..models import ReportEdition

    finalised = (ReportEdition.objects.filter(plan=plan, state=ReportEdition.State.FINAL)
                 .order_by("-finalised_at").values_list("finalised_at", flat=True).first())
    return timezone.localdate(finalised) if finalised else datetime.date(today.year, 1, 1)


def default_year(plan: Plan, today: datetime.date) -> int:
    return min(max(today.year, plan.period_start), plan.period_end)


@dataclass
class Filters:
    direction: Direction | None = None
    responsible: str = ""
    year: int | None = None
    since: datetime.date | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.direction or self.responsible)


@dataclass
class Dashboard:
    plan: Plan
    filters: Filters
    today: datetime.date
    stale_days: int
    total: int = 0
    by_status: list = field(default_factory=list)
    by_phase: list = field(default_factory=list)
    directions: list = field(default_factory=list)
    on_track_share: float | None = None
    in_progress: int = 0
    stale_count: int = 0
    not_assessed: int = 0  # never given a status: "fresh" by date, but not assessed
    action_count: int = 0
    activities_year: int = 0
    activities_year_done: int = 0
    due_count: int = 0
    half: int = 1
    at_risk: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    due: list = field(default_factory=list)
    recent: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    status_chart: dict = field(default_factory=dict)
    matrix: dict = field(default_factory=dict)
    budget: dict = field(default_factory=dict)

    @property
    def on_track_percent(self):
        return None if self.on_track_share is None else round(self.on_track_share * 100)

    @property
    def activities_year_done_percent(self):
        return round(100 * self.activities_year_done / self.activities_year) if self.activities_year else None


def build_dashboard(plan: Plan, directions: list, filters: Filters, now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = filters.year or default_year(plan, today)
    since = filters.since or default_since(plan, today)
    board = Dashboard(plan=plan, filters=Filters(filters.direction, filters.responsible, year, since),
                      today=today, stale_days=plan.stale_after_days)
    cutoff = now - datetime.timedelta(days=board.stale_days)

    initiatives = Initiative.objects.filter(plan=plan)
    if filters.direction:
        initiatives = initiatives.filter(direction=filters.direction)
    if filters.responsible:
        initiatives = initiatives.filter(responsible=filters.responsible)
    with_last = initiatives.with_last_update()
    is_stale = InitiativeQuerySet.stale_condition(cutoff)

    # 1. Counts by direction × status × phase, with how many are stale: one grouped query.
    rows = list(with_last.order_by().values("direction_id", "status", "phase").annotate(
        n=Count("id"), stale=Count("id", filter=is_stale)))
    figures(board, directions, rows)

    # 2. Lists that lead to action.
    list_fields = ("id", "number", "title", "status", "phase", "responsible", "direction_id", "created_at")
    board.at_risk = list(initiatives.needs_attention().only(*list_fields)
                         .order_by("-status", "direction__number", "order", "id")[:LIST_LIMIT])
    board.stale = list(initiatives.stale(cutoff).only(*list_fields)
                       .order_by("last_update", "id")[:LIST_LIMIT])

    board.half = 1 if today.month <= 6 else 2
    activities = Activity.objects.filter(initiative__in=initiatives.values("pk"))
    is_due = Q(year=today.year, period__in=HALF_YEAR_PERIODS[board.half], done=False)
    counts = activity_counts(initiatives, year=Q(year=year), done=Q(year=year, done=True), due=is_due)
    board.activities_year, board.activities_year_done = counts["n_year"], counts["n_done"]
    board.due_count = counts["n_due"]
    board.due = list(activities.filter(is_due).select_related("initiative")
                     .only("id", "year", "period", "text", "responsible", "initiative__id",
                           "initiative__number", "initiative__title")
                     .order_by("initiative__direction__number", "initiative__order", "initiative_id", "order")
                     [:LIST_LIMIT])

    audit = AuditEntry.objects.filter(plan_pk=plan.pk)
    if filters.narrowed:
        audit = audit.filter(initiative_pk__in=initiatives.values("pk"))
    board.recent = [recent_entry(entry, plan) for entry in audit.only(
        "timestamp", "user_name", "action", "model", "object_repr", "initiative_pk")[:RECENT_LIMIT]]

    # 4. Status changes since a date: the status before it versus the status now.
    board.changes = status_changes(initiatives, since)

    # 3. Charts.
    board.status_chart = charts.status_by_direction(plan, board.directions)
    links = (CrossLink.objects.filter(initiative__in=initiatives.values("pk")).order_by()
             .values("initiative__direction_id", "direction_id").annotate(n=Count("id")))
    board.matrix = charts.cross_link_matrix(plan, directions, list(links))
    budget = BudgetLine.objects.filter(plan=plan)
    if filters.narrowed:
        budget = budget.filter(initiative__in=initiatives.values("pk"))
    totals = budget.order_by().values("year", "kind").annotate(total=Sum("amount"))
    board.budget = charts.budget_by_year(plan, list(totals), year)
    return board


def activity_counts(initiatives, **conditions) -> dict:
    """The initiatives' activities that meet each condition: {"n_<name>": count}.

    Counted per initiative in a correlated subquery (an index lookup in activity_initiative_year
    for each), then summed. Filtering the activity table by "its initiative is in the plan"
    instead let PostgreSQL scan the whole table when its statistics were missing or stale.
    """
    def count(condition):
        rows = (Activity.objects.filter(condition, initiative=OuterRef("pk")).order_by()
                .values("initiative").annotate(n=Count("id")).values("n"))
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    per_initiative = initiatives.order_by().annotate(**{f"per_{k}": count(q) for k, q in conditions.items()})
    totals = per_initiative.aggregate(**{f"n_{k}": Sum(f"per_{k}") for k in conditions})
    return {key: value or 0 for key, value in totals.items()}


def figures(board: Dashboard, directions: list, rows: list) -> None:
    statuses = {value: 0 for value in Status.values}
    phases = {value: 0 for value in Phase.values}
    per_direction = {d.pk: {"direction": d, "total": 0, "stale": 0, "statuses": dict.fromkeys(Status.values, 0),
                            "phases": dict.fromkeys(Phase.values, 0)} for d in directions}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
        phases[row["phase"]] = phases.get(row["phase"], 0) + row["n"]
        entry = per_direction.get(row["direction_id"])
        if entry is not None:
            entry["total"] += row["n"]
            entry["stale"] += row["stale"]
            entry["statuses"][row["status"]] = entry["statuses"].get(row["status"], 0) + row["n"]
            entry["phases"][row["phase"]] = entry["phases"].get(row["phase"], 0) + row["n"]
        board.stale_count += row["stale"]
    board.total = sum(statuses.values())
    board.by_status = [{"value": v, "label": Status(v).label, "count": statuses[v], "percent": percent(statuses[v], board.total)}
                       for v in Status.values]
    board.not_assessed = statuses[Status.NOT_ASSESSED]
    board.by_phase = [{"value": v, "label": Phase(v).label, "count": phases[v], "percent": percent(phases[v], board.total)}
                      for v in Phase.values]
    board.in_progress = sum(statuses[s] for s in IN_PROGRESS)
    board.action_count = sum(statuses[s] for s in ATTENTION_STATUSES)
    board.on_track_share = statuses[Status.ON_TRACK] / board.in_progress if board.in_progress else None
    board.directions = []
    for entry in per_direction.values():
        if board.filters.direction and entry["direction"] != board.filters.direction:
            continue
        entry["status_cells"] = [entry["statuses"][v] for v in Status.values]
        entry["phase_cells"] = [entry["phases"][v] for v in Phase.values]
        board.directions.append(entry)


def percent(part: int, whole: int):
    return round(100 * part / whole) if whole else 0


def recent_entry(entry: AuditEntry, plan: Plan) -> dict:
    return {
        "timestamp": entry.timestamp,
        "user_name": entry.user_name,
        "action": entry.get_action_display(),
        "model": entry.model_label(plan),
        "object_repr": entry.object_repr,
        "url": reverse("initiative_detail", args=[entry.initiative_pk]) if entry.initiative_pk else "",
    }


def status_changes(initiatives, since: datetime.date) -> list:
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    updates = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (
        initiatives.annotate(
            status_before=Subquery(updates.filter(created_at__lt=start).values("status")[:1]),
            changed_at=Subquery(updates.filter(created_at__gte=start).values("created_at")[:1]),
        )
        .filter(changed_at__isnull=False)
        .filter(Q(status_before__isnull=True) | ~Q(status_before=F("status")))
        .order_by("-changed_at", "id")
        .values("id", "number", "title", "status", "status_before", "changed_at")
    )
    labels = dict(Status.choices)
    return [
        {**row, "status_label": labels.get(row["status"], row["status"]),
         "before_label": labels.get(row["status_before"], "") if row["status_before"] else ""}
        for row in rows
    ]
