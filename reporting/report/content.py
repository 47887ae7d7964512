"""The annual follow-up report: a snapshot of the data, in the shape the plan has.

Everything the report shows is first collected into one JSON-serialisable
snapshot (`build_snapshot`). The HTML preview, the PDF, the content hash that
keys the PDF cache and the frozen content of a final edition are all made from
that snapshot, so a final edition can be regenerated from it alone.

The layout follows what the plan holds (`plan_layout`), so every plan's report
looks like its own Word document and nothing it stores is left out:

- "activities" (Svendborg masterplan, seed 000): one table per initiative,
  the initiative | one column per year with activities | the other directions it
  also supports;
- "table" (Svendborg Familie 2018, seed 004): per theme one table of its
  activities with purpose, follow-up, responsible and deadline as columns;
- "sections" (Ikast-Brande, seed 002; Nyborg, seed 003): each effort with its
  texts as labelled sections, and its budget per year (1.000 kr.) where it has one.

Columns appear only when some row fills them; the plan's budget summary, its
vision and every direction text are printed when the plan has them.
"""

import base64
import mimetypes
import re
from collections import Counter
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from followup.models import UpdateRequest
from indicators.report import snapshot as indicator_snapshot
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, Period, Phase, Status, StatusUpdate

from .render import (  # noqa: F401  (the report's public helpers live here for callers)
    content_hash, limit_message, render_html, render_pdf, report_context, status_chart,
)

# Bump when the snapshot's shape or the report's layout changes: it is part of the
# cache key, so cached draft PDFs of the old layout are not served again.
LAYOUT_VERSION = 5  # 3: layouts by plan shape and the approved follow-up text of the year; 4: one status palette; 5: indicators

PERIOD_ORDER = {value: index for index, value in enumerate(Period.values)}
MAX_LOGO_BYTES = 2 * 1024 * 1024
# A direction statement that starts with its own code ("F1 - Politikker …") is a
# heading already; prefixing the plan's label would say it twice.
# A status note written by approving a follow-up round ("Opfølgning 2025: …") repeats
# that round's approved year text, which the report prints only in its own year's
# edition (as "Status <år>: …"), so it is not printed again as a status note.
ROUND_NOTE = re.compile(r"^Opfølgning \d{4}: ")
CODED_STATEMENT = re.compile(r"^[A-ZÆØÅ]{0,3}\d+(?:\.\d+)*\s*[-–:.]\s")


def report_years(plan, year: int, activity_years) -> list[int]:
    """The year columns of the report for `year`: only years that have activities.

    Last year (what was done), the report year, and the two years ahead (what is
    planned), inside the plan's period, each only when some activity is placed in
    it, so no column is empty: the Svendborg 2024 report shows 2024–2026 like the
    seed although the plan runs to 2027.
    """
    first = max(plan.period_start, year - 1)
    last = min(plan.period_end, year + 2)
    return [y for y in range(first, last + 1) if y in activity_years]


def plan_layout(initiatives: list, activity_count: int) -> str:
    """Which of the three layouts suits the plan, derived from what it holds.

    Activities placed in years for most initiatives → "activities" (unless the
    initiatives carry budgets, then their texts and budgets need the width);
    initiatives described by responsible, deadline and follow-up → "table";
    otherwise labelled "sections".
    """
    count = len(initiatives) or 1
    budgeted = sum(1 for i in initiatives if i.budget_lines.all())
    if activity_count >= count and not budgeted:
        return "activities"
    tabular = sum(1 for i in initiatives if i.responsible and (i.deadline or i.follow_up))
    if not budgeted and tabular * 2 >= count and not any(i.actions or i.expected_outcomes for i in initiatives):
        return "table"
    return "sections"


def direction_heading(direction, label: str) -> str:
    statement = " ".join(direction.statement.split())
    if CODED_STATEMENT.match(statement):
        return statement
    return f"{label} {direction.number}: {statement}"


def thousands(amount) -> str:
    """An amount in kroner as 1.000 kr. the way the Nyborg budget prints it: 18.920, 0, 1.383,5."""
    value = Decimal(amount) / 1000
    places = 0 if value == value.to_integral_value() else 1
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _logo_data_uri(organization) -> str:
    """The logo inlined as a data: URL, so the renderer needs no access to media files."""
    logo = organization.logo
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except OSError:
        return ""
    mime = mimetypes.guess_type(logo.name)[0] or ""
    if len(data) > MAX_LOGO_BYTES or mime not in {"image/png", "image/jpeg", "image/gif"}:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _period_label(period: str, labels: dict) -> str:
    if period == Period.YEAR:
        return ""
    label = str(labels.get(period, ""))
    return label.lower() if period.startswith("m") else label  # Danish months are lower case


def _activity_groups(activities) -> list[dict]:
    """Activities of one year, grouped under "1. halvår", "2. halvår", … (whole year first)."""
    groups: dict[str, list[str]] = {}
    for activity in sorted(activities, key=lambda a: (PERIOD_ORDER.get(a.period, 99), a.order, a.id)):
        extra = [part for part in (
            _("Ansvarlig: %(who)s") % {"who": activity.responsible} if activity.responsible else "",
            _("Frist: %(when)s") % {"when": activity.deadline} if activity.deadline else "",
            _("udført") if activity.done else "",
        ) if part]
        text = activity.text + (f" ({'; '.join(extra)})" if extra else "")
        groups.setdefault(activity.period, []).append(text)
    labels = dict(Period.choices)
    return [{"label": _period_label(period, labels), "items": items} for period, items in groups.items()]


def _follow_up(row, year: int) -> dict | None:
    """The approved report of `year`'s follow-up round for one initiative, if any."""
    if row is None or not (row["year_text"].strip() or row["next_steps"].strip()):
        return None
    return {"year": year, "text": row["year_text"], "next_steps": row["next_steps"]}


def _budget(lines) -> dict | None:
    """An initiative's budget lines as rows × budget years, in 1.000 kr."""
    if not lines:
        return None
    years = sorted({line.year for line in lines})
    rows: dict[tuple, dict] = {}
    for line in lines:
        row = rows.setdefault((line.kind, line.label), {
            "label": line.label, "amounts": {},
            "note": "" if line.kind == BudgetLine.Kind.EXPENSE else str(BudgetLine.Kind(line.kind).label).lower()})
        row["amounts"][line.year] = row["amounts"].get(line.year, 0) + line.amount
    return {
        "years": years,
        "rows": [{**row, "cells": [thousands(row["amounts"][y]) if y in row["amounts"] else "" for y in years],
                  "amounts": None} for row in rows.values()],
    }


def _budget_summary(lines, initiative_numbers: dict) -> list[dict]:
    """The plan's budget as seed 003 prints it: expenses, then financing, each with its total."""
    tables = []
    for kind, caption, total_label in (
        (BudgetLine.Kind.EXPENSE, _("Merudgifter i 1.000 kr."), _("Merudgifter i alt")),
        (BudgetLine.Kind.FINANCING, _("Finansiering i 1.000 kr."), _("Finansiering i alt")),
    ):
        kind_lines = [line for line in lines if line.kind == kind]
        if not kind_lines:
            continue
        years = sorted({line.year for line in kind_lines})
        rows: dict[tuple, dict] = {}
        totals = {y: 0 for y in years}
        for line in kind_lines:
            key = (line.initiative_id, line.label)
            row = rows.setdefault(key, {"label": line.label, "number": initiative_numbers.get(line.initiative_id, ""),
                                        "amounts": {}})
            row["amounts"][line.year] = row["amounts"].get(line.year, 0) + line.amount
            totals[line.year] += line.amount
        tables.append({
            "caption": caption, "years": years, "total_label": total_label,
            "rows": [{"label": r["label"], "number": r["number"],
                      "cells": [thousands(r["amounts"][y]) if y in r["amounts"] else "" for y in years]}
                     for r in rows.values()],
            "totals": [thousands(totals[y]) for y in years],
        })
    return tables


def _previous_statuses(plan, edition) -> tuple[dict, str]:
    """Status per initiative number in the last final edition before this one, and its label."""
    from ..models import ReportEdition

    earlier = (ReportEdition.objects.filter(plan=plan, state=ReportEdition.State.FINAL, year__lte=edition.year)
               .exclude(pk=edition.pk).order_by("-year", "-finalised_at", "-id").only("year", "finalised_at", "snapshot")
               .first())
    if earlier is None or not earlier.snapshot:
        return {}, ""
    statuses = {i["number"]: i.get("status_label", "") for d in earlier.snapshot.get("directions", [])
                for i in d.get("initiatives", [])}
    when = date_format(timezone.localtime(earlier.finalised_at), "DATE_FORMAT") if earlier.finalised_at else ""
    return statuses, _("opfølgningen %(year)s (endelig %(when)s)") % {"year": earlier.year, "when": when}


def _dates(initiative) -> str:
    start, end = initiative.start_date, initiative.end_date
    fmt = "DATE_FORMAT"
    if start and end:
        return f"{date_format(start, fmt)} – {date_format(end, fmt)}"
    if start:
        return _("fra %(date)s") % {"date": date_format(start, fmt)}
    if end:
        return _("til %(date)s") % {"date": date_format(end, fmt)}
    return ""


def _funding(initiative) -> str:
    from masterplan.templatetags.portal import kr

    parts = [part for part in (initiative.funding_source, kr(initiative.funding_amount)) if part]
    return ", ".join(parts)


def _initiatives(plan):
    latest = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-created_at", "-id")
    return list(
        Initiative.objects.filter(plan=plan)
        .order_by("direction__order", "direction__number", "order", "id")
        .annotate(latest_note=Subquery(latest.values("note")[:1]), latest_at=Subquery(latest.values("created_at")[:1]))
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.order_by("year", "order", "id")),
            Prefetch("cross_link_rows", queryset=CrossLink.objects.only("id", "initiative_id", "direction_id")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("kind", "order", "year", "id")),
        )
    )


def build_snapshot(plan, edition, *, final: bool | None = None) -> dict:
    """Everything the report for `edition` shows, as plain JSON data (Danish texts).

    A constant number of queries whatever the plan's size: directions,
    initiatives (with their latest status note), their activities, cross-links and
    budget lines, the owners' approved reports of the edition's follow-up round (what
    was achieved, next steps), the plan's own budget lines, the last final edition and
    the indicators (`indicators.report.snapshot`).
    """
    with translation.override("da"):
        directions = list(plan.directions.all())
        initiatives = _initiatives(plan)
        approved = {
            row["initiative_id"]: row for row in UpdateRequest.objects.filter(
                round__plan=plan, round__year=edition.year, state=UpdateRequest.State.APPROVED,
            ).values("initiative_id", "year_text", "next_steps")
        }
        activity_years = {a.year for i in initiatives for a in i.activities.all()}
        years = report_years(plan, edition.year, activity_years)
        layout = plan_layout(initiatives, sum(len(i.activities.all()) for i in initiatives))
        direction_by_id = {d.id: d for d in directions}
        status_labels = dict(Status.choices)
        phase_labels = dict(Phase.choices)
        before, since = _previous_statuses(plan, edition)

        by_direction: dict[int, list] = {d.id: [] for d in directions}
        for initiative in initiatives:
            per_year = {y: [] for y in years}
            for activity in initiative.activities.all():
                if activity.year in per_year:
                    per_year[activity.year].append(activity)
            linked = sorted(
                (direction_by_id[row.direction_id] for row in initiative.cross_link_rows.all()
                 if row.direction_id in direction_by_id),
                key=lambda d: (d.order, d.number),
            )
            status_label = str(status_labels.get(initiative.status, ""))
            previous = before.get(initiative.number, "")
            by_direction.setdefault(initiative.direction_id, []).append({
                "number": initiative.number,
                "title": initiative.title,
                "description": initiative.description,
                "goal": initiative.goal,
                "purpose": initiative.purpose,
                "implementation": initiative.follow_up,
                "actions": list(initiative.actions or []),
                "expected_outcomes": list(initiative.expected_outcomes or []),
                "success_criteria": list(initiative.success_criteria or []),
                "responsible": initiative.responsible,
                "deadline": initiative.deadline,
                "dates": _dates(initiative),
                "funding": _funding(initiative),
                "phase_label": str(phase_labels.get(initiative.phase, "")) if initiative.phase else "",
                "status": initiative.status,
                "status_label": status_label,
                "status_note": "" if ROUND_NOTE.match(initiative.latest_note or "") else initiative.latest_note or "",
                "status_date": date_format(timezone.localtime(initiative.latest_at), "DATE_FORMAT")
                if initiative.latest_at else "",
                "status_before": previous if previous and previous != status_label else "",
                "attention": initiative.needs_attention,
                "years": [{"year": y, "groups": _activity_groups(per_year[y])} for y in years],
                "budget": _budget(list(initiative.budget_lines.all())),
                "cross_links": [{"number": d.number, "statement": d.statement} for d in linked],
                "follow_up": _follow_up(approved.get(initiative.id), edition.year),
            })

        indicators = indicator_snapshot(plan)
        direction_data = []
        for d in directions:
            label = f"{plan.direction_label} {d.number}"
            direction_data.append({
                "number": d.number, "title": d.title, "statement": d.statement, "label": label,
                "heading": direction_heading(d, plan.direction_label),
                "goal": d.goal, "purpose": d.purpose, "description": d.description,
                "success_criteria": list(d.success_criteria or []), "focus_points": list(d.focus_points or []),
                "initiatives": by_direction.get(d.id, []), "indicators": indicators.get(d.id, []),
            })
        all_initiatives = [i for d in direction_data for i in d["initiatives"]]
        numbers = {i.id: i.number for i in initiatives}
        budget_lines = list(BudgetLine.objects.filter(plan=plan).order_by("kind", "initiative__direction__order",
                                                                           "initiative__order", "order", "year", "id"))
        plan_lines = [line for line in budget_lines if line.initiative_id is None]
        summary_lines = plan_lines + [line for line in budget_lines if line.initiative_id is not None]
        meeting = date_format(edition.meeting_date, "DATE_FORMAT") if edition.meeting_date else ""
        return {
            "layout": LAYOUT_VERSION,
            "shape": layout,
            "organization": {"name": plan.organization.name, "logo": _logo_data_uri(plan.organization)},
            "plan": {
                "title": plan.title, "slug": plan.slug,
                "period_start": plan.period_start, "period_end": plan.period_end,
                "period": str(plan.period_start) if plan.period_start == plan.period_end
                else f"{plan.period_start}–{plan.period_end}",
                "vision": plan.vision,
                "adopted_on": date_format(plan.adopted_on, "DATE_FORMAT") if plan.adopted_on else "",
                "adopted_by": plan.adopted_by,
                "direction_label": plan.direction_label, "direction_label_plural": plan.direction_label_plural,
                "initiative_label": plan.initiative_label, "initiative_label_plural": plan.initiative_label_plural,
                "example_note": plan.example_note,
            },
            "edition": {
                "year": edition.year, "title": edition.title, "intro": edition.intro,
                "committee": edition.committee, "meeting_date": meeting,
                "final": edition.is_final if final is None else final,
                "data_date": date_format(timezone.localdate(), "DATE_FORMAT"),
                "since": since,
            },
            "years": years,
            "columns": _columns(layout, all_initiatives, years),
            "directions": direction_data,
            "budget_summary": _budget_summary(summary_lines, numbers),
            "summary": _summary(direction_data, status_labels),
        }


def _columns(layout: str, initiatives: list, years: list) -> dict:
    """Which optional columns some row fills (a column no row fills is left out)."""
    if layout == "activities":
        return {"links": any(i["cross_links"] for i in initiatives)}
    if layout == "table":
        return {key: any(i[key] for i in initiatives)
                for key in ("description", "purpose", "implementation", "responsible", "deadline")}
    return {}


def _summary(directions: list[dict], status_labels: dict) -> dict:
    """Counts per status and per direction, and the initiatives needing attention."""
    totals = Counter(i["status"] for d in directions for i in d["initiatives"])
    used = [s for s in Status.values if totals.get(s)]
    statuses = [{"status": s, "label": str(status_labels[s]), "count": totals.get(s, 0)} for s in Status.values]
    per_direction = []
    for direction in directions:
        counts = Counter(i["status"] for i in direction["initiatives"])
        per_direction.append({
            "number": direction["number"], "label": direction["label"], "title": direction["title"],
            "total": len(direction["initiatives"]),
            "counts": [{"status": s, "label": str(status_labels[s]), "count": counts.get(s, 0)} for s in Status.values],
            "used_counts": [counts.get(s, 0) for s in used],
        })
    attention = [
        {"number": i["number"], "title": i["title"], "status": i["status"], "status_label": i["status_label"],
         "direction": d["label"], "responsible": i["responsible"], "note": i["status_note"]}
        for d in directions for i in d["initiatives"] if i["attention"]
    ]
    return {"total": sum(totals.values()), "statuses": statuses, "directions": per_direction, "attention": attention,
            "used": [{"status": s, "label": str(status_labels[s])} for s in used]}
