"""The report snapshot as HTML (templates) and as PDF (WeasyPrint, capped), and its cache key."""

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from masterplan.palette import STATUS_COLOURS as PALETTE

from . import pdf as pdf_module

STYLESHEETS = ["vendor/ibm-plex-sans/ibm-plex-sans.css", "css/status.css", "css/report.css"]
TEMPLATES = ["reporting/report/document.html", "reporting/report/body.html", "reporting/report/_initiative.html",
             "charts/status_summary.svg", "indicators/_report_indicators.html", "indicators/_measurement_table.html",
             "charts/indicator_line.svg"]

# Status colours of the PDF and its chart: the one palette of static/css/status.css.
STATUS_COLOURS = PALETTE


@functools.lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """What besides the snapshot decides the PDF: templates, CSS, fonts, our PDF code and
    WeasyPrint's version.

    Part of the cache key, so a deploy that changes any of them never serves a PDF
    made by the old ones.
    """
    import weasyprint

    digest = hashlib.sha256(f"weasyprint {weasyprint.__version__}".encode())
    for path in fingerprint_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint_files() -> list[Path]:
    """The report's templates, stylesheets, font files and the code that lays it out, whose
    bytes are in the cache key."""
    from indicators import charts as indicator_charts
    from indicators import report as indicator_report

    from . import chunked

    files = [Path(get_template(name).origin.name) for name in TEMPLATES]
    files += [Path(pdf_module.__file__), Path(chunked.__file__)]
    files += [Path(indicator_report.__file__), Path(indicator_charts.__file__)]  # the indicators' tables and charts
    files += [Path(path) for path in _stylesheet_paths()]
    fonts = Path(finders.find("vendor/ibm-plex-sans/ibm-plex-sans.css")).parent
    files += sorted(path for path in fonts.rglob("*") if path.is_file())
    return files


def content_hash(snapshot: dict) -> str:
    encoded = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded + renderer_fingerprint().encode()).hexdigest()


def report_context(snapshot: dict) -> dict:
    """Template context for the whole report body (the PDF's; a preview page narrows
    `report_front`, `report_directions` and `direction_pages`, see paging.py)."""
    return {"report": snapshot, "chart": status_chart(snapshot), "report_front": True,
            "report_directions": snapshot["directions"], "direction_pages": {}}


def status_chart(snapshot: dict) -> dict:
    """Geometry for templates/charts/status_summary.svg: one stacked bar per direction.

    `description` is the chart's text alternative, in the plan's own labels and with
    its numbers (the same numbers are in the table beside it).
    """
    summary, plan = snapshot["summary"], snapshot["plan"]
    bar_width = 560
    row_height = 28
    rows = []
    biggest = max([d["total"] for d in summary["directions"]] + [1])
    parts = []
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
        counts = ", ".join(f"{s['count']} {s['label'].lower()}" for s in direction["counts"] if s["count"])
        parts.append(f"{direction['label']}: {direction['total']}" + (f" ({counts})" if counts else ""))
    legend = [{**s, "colour": STATUS_COLOURS[s["status"]], "y": i * 22}
              for i, s in enumerate(summary["statuses"])]
    height = max(len(rows) * row_height, len(legend) * 22) + 10
    with translation.override("da"):
        title = _("%(initiatives)s fordelt på %(directions)s og status") % {
            "initiatives": plan["initiative_label_plural"], "directions": plan["direction_label_plural"].lower()}
    return {"rows": rows, "legend": legend, "height": height, "bar_width": bar_width, "row_height": row_height,
            "title": title, "description": "; ".join(parts) + "."}


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
