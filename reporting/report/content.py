"""The annual follow-up report: snapshot of the data, HTML from templates, PDF.

Everything the report shows is first collected into one JSON-serialisable
snapshot (`build_snapshot`). The HTML preview, the PDF, the content hash that
keys the PDF cache and the frozen content of a final edition are all made from
that snapshot, so a final edition can be regenerated from it alone.
"""

import base64
import hashlib
import json
import mimetypes
from collections import Counter

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.translation import gettext as _

from followup.models import UpdateRequest
from initiatives.models import Activity, CrossLink, Initiative, Period, Status

from . import pdf as pdf_module

# Bump when the snapshot's shape or the report's layout changes: it is part of the
# cache key, so cached draft PDFs of the old layout are not served again.
LAYOUT_VERSION = 2  # 2: the approved follow-up text of the year

PERIOD_ORDER = {value: index for index, value in enumerate(Period.values)}
MAX_LOGO_BYTES = 2 * 1024 * 1024

STYLESHEETS = ["vendor/ibm-plex-sans/ibm-plex-sans.css", "css/report.css"]


def report_years(plan, year: int, activity_years) -> list[int]:
    """The year columns of the report for `year`.

    Last year (what was done), the report year, and the two years ahead (what is
    planned), inside the plan's period; years after the report year are left out
    when no activity in the plan is placed in them, so the Svendborg 2024 report
    shows 2024–2026 like the seed although the plan runs to 2027. A plan without
    any activities (Familieafdelingen 2018) gets no year columns at all rather
    than empty ones.
    """
    if not activity_years:
        return []
    first = max(plan.period_start, year - 1)
    last = min(plan.period_end, year + 2)
    years = [y for y in range(first, last + 1) if y <= year or y in activity_years]
    return years


NEUTER_LABELS = {"initiativ", "projekt", "tema", "spor", "fokusområde", "mål"}


def definite(label: str) -> str:
    """Danish definite form of a plan's label: Initiativ → initiativet, Indsats → indsatsen."""
    word = label.strip().lower()
    if not word:
        return word
    if word in NEUTER_LABELS:
        return word + "et"
    return word + ("n" if word.endswith("e") else "en")


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


def _activity_groups(activities) -> list[dict]:
    """Activities of one year, grouped under "1. halvår", "2. halvår", … (whole year first)."""
    groups: dict[str, list[str]] = {}
    for activity in sorted(activities, key=lambda a: (PERIOD_ORDER.get(a.period, 99), a.order, a.id)):
        groups.setdefault(activity.period, []).append(activity.text)
    labels = dict(Period.choices)
    return [
        {"label": "" if period == Period.YEAR else str(labels.get(period, "")), "items": items}
        for period, items in groups.items()
    ]


def _follow_up(row, year: int) -> dict | None:
    """The approved report of `year`'s follow-up round for one initiative, if any."""
    if row is None or not (row["year_text"].strip() or row["next_steps"].strip()):
        return None
    return {"year": year, "text": row["year_text"], "next_steps": row["next_steps"]}


def build_snapshot(plan, edition, *, final: bool | None = None) -> dict:
    """Everything the report for `edition` shows, as plain JSON data (Danish texts).

    A constant number of queries whatever the plan's size: directions,
    initiatives, their activities, their cross-links, and the owners' approved
    reports of the edition's follow-up round (what was achieved, next steps).
    """
    with translation.override("da"):
        directions = list(plan.directions.all())
        initiatives = list(
            Initiative.objects.filter(plan=plan)
            .order_by("direction__order", "direction__number", "order", "id")
            .prefetch_related(
                Prefetch("activities", queryset=Activity.objects.order_by("year", "order", "id")),
                Prefetch("cross_link_rows", queryset=CrossLink.objects.only("id", "initiative_id", "direction_id")),
            )
        )
        approved = {
            row["initiative_id"]: row for row in UpdateRequest.objects.filter(
                round__plan=plan, round__year=edition.year, state=UpdateRequest.State.APPROVED,
            ).values("initiative_id", "year_text", "next_steps")
        }
        activity_years = {a.year for i in initiatives for a in i.activities.all()}
        years = report_years(plan, edition.year, activity_years)
        direction_by_id = {d.id: d for d in directions}
        status_labels = dict(Status.choices)

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
            by_direction.setdefault(initiative.direction_id, []).append({
                "number": initiative.number,
                "title": initiative.title,
                "description": initiative.description,
                "goal": initiative.goal,
                "responsible": initiative.responsible,
                "deadline": initiative.deadline,
                "status": initiative.status,
                "status_label": str(status_labels.get(initiative.status, "")),
                "attention": initiative.needs_attention,
                "years": [{"year": y, "groups": _activity_groups(per_year[y])} for y in years],
                "cross_links": [{"number": d.number, "statement": d.statement} for d in linked],
                "follow_up": _follow_up(approved.get(initiative.id), edition.year),
            })

        direction_data = [
            {"number": d.number, "title": d.title, "statement": d.statement,
             "label": f"{plan.direction_label} {d.number}", "initiatives": by_direction.get(d.id, [])}
            for d in directions
        ]
        meeting = ""
        if edition.meeting_date:
            meeting = dateformat.format(edition.meeting_date, "j. F Y")
        return {
            "layout": LAYOUT_VERSION,
            "organization": {"name": plan.organization.name, "logo": _logo_data_uri(plan.organization)},
            "plan": {
                "title": plan.title, "slug": plan.slug,
                "period_start": plan.period_start, "period_end": plan.period_end,
                "direction_label": plan.direction_label, "direction_label_plural": plan.direction_label_plural,
                "initiative_label": plan.initiative_label, "initiative_label_plural": plan.initiative_label_plural,
                "initiative_definite": definite(plan.initiative_label),
            },
            "edition": {
                "year": edition.year, "title": edition.title, "intro": edition.intro,
                "committee": edition.committee, "meeting_date": meeting,
                "final": edition.is_final if final is None else final,
            },
            "years": years,
            "directions": direction_data,
            "summary": _summary(direction_data, status_labels),
        }


def _summary(directions: list[dict], status_labels: dict) -> dict:
    """Counts per status and per direction, and the initiatives needing attention."""
    totals = Counter(i["status"] for d in directions for i in d["initiatives"])
    statuses = [{"status": s, "label": str(status_labels[s]), "count": totals.get(s, 0)} for s in Status.values]
    per_direction = []
    for direction in directions:
        counts = Counter(i["status"] for i in direction["initiatives"])
        per_direction.append({
            "number": direction["number"], "label": direction["label"], "title": direction["title"],
            "total": len(direction["initiatives"]),
            "counts": [{"status": s, "label": str(status_labels[s]), "count": counts.get(s, 0)} for s in Status.values],
        })
    attention = [
        {"number": i["number"], "title": i["title"], "status": i["status"], "status_label": i["status_label"],
         "direction": d["label"], "responsible": i["responsible"]}
        for d in directions for i in d["initiatives"] if i["attention"]
    ]
    return {"total": sum(totals.values()), "statuses": statuses, "directions": per_direction, "attention": attention}


def content_hash(snapshot: dict) -> str:
    encoded = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def report_context(snapshot: dict) -> dict:
    """Template context for the report body (the same for preview and PDF)."""
    return {"report": snapshot, "chart": status_chart(snapshot["summary"])}


# Status colours of the PDF and the chart: each passes 4.5:1 against white text or
# is drawn with a dark outline, and the status word always stands beside it.
STATUS_COLOURS = {
    "not_assessed": "#ffffff",
    "not_started": "#c9dcf0",
    "on_track": "#358000",
    "at_risk": "#ffbf00",
    "delayed": "#b51d09",
    "done": "#0059b3",
    "paused": "#747474",
}


def status_chart(summary: dict) -> dict:
    """Geometry for templates/charts/status_summary.svg: one stacked bar per direction."""
    bar_width = 560
    row_height = 28
    rows = []
    biggest = max([d["total"] for d in summary["directions"]] + [1])
    for index, direction in enumerate(summary["directions"]):
        x = 0.0
        segments = []
        for count in direction["counts"]:
            if not count["count"]:
                continue
            width = bar_width * count["count"] / biggest
            segments.append({**count, "x": round(x, 2), "width": round(width, 2),
                             "colour": STATUS_COLOURS[count["status"]]})
            x += width
        rows.append({"label": direction["label"], "total": direction["total"], "segments": segments,
                     "y": index * row_height, "end": round(x, 2)})
    legend = [{**s, "colour": STATUS_COLOURS[s["status"]], "y": i * 22}
              for i, s in enumerate(summary["statuses"])]
    height = max(len(rows) * row_height, len(legend) * 22) + 10
    return {"rows": rows, "legend": legend, "height": height, "bar_width": bar_width, "row_height": row_height}


def render_html(snapshot: dict, *, title: str | None = None) -> str:
    """The standalone HTML document the PDF is made from."""
    with translation.override("da"):
        return render_to_string("reporting/report/document.html", report_context(snapshot))


def _static_roots() -> list[str]:
    roots = [str(path) for path in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(str(settings.STATIC_ROOT))
    return roots


def _stylesheet_paths() -> list[str]:
    return [finders.find(path) for path in STYLESHEETS]


def render_pdf(snapshot: dict, *, capped: bool | None = None) -> bytes:
    """The PDF for `snapshot`; `capped`: in a child process with time and memory limits.

    Capped unless settings.REPORT_RENDER_ISOLATED is False (tests, to save the child's
    start-up). Raises pdf.RenderLimitExceeded when a cap is hit (see `limit_message`).
    """
    if capped is None:
        capped = getattr(settings, "REPORT_RENDER_ISOLATED", True)
    html = render_html(snapshot)
    roots = _static_roots()
    base_url = f"file://{roots[0]}/"
    if not capped:
        return pdf_module.html_to_pdf(html, _stylesheet_paths(), roots, base_url)
    return pdf_module.html_to_pdf_capped(
        html, _stylesheet_paths(), roots, base_url,
        timeout=getattr(settings, "REPORT_RENDER_TIMEOUT", 300),
        memory_mb=getattr(settings, "REPORT_RENDER_MEMORY_MB", 2048),
    )


def limit_message(kind: str) -> str:
    if kind == "memory":
        return _(
            "PDF'en kunne ikke dannes, fordi den krævede mere hukommelse end tilladt. "
            "Prøv igen, eller kontakt en administrator, hvis planen er meget stor."
        )
    return _(
        "PDF'en kunne ikke dannes inden for tidsgrænsen på %(seconds)s sekunder. "
        "Prøv igen senere, eller kontakt en administrator, hvis planen er meget stor."
    ) % {"seconds": getattr(settings, "REPORT_RENDER_TIMEOUT", 300)}
