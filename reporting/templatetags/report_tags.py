"""Template helpers for the report."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from masterplan.templatetags.portal import plaintext

register = template.Library()

# Words with a hard hyphen or slash ("recovery-orienteret", "Social- og",
# "støtte/kontaktpersoner"): a line break after
# the hyphen reads as a soft hyphen to text extractors and screen readers, which
# then drop it, so such words are kept on one line.
HYPHENATED = re.compile(r"[\w§./]*\w(?:[-/](?:[\w§./]+| \w+)| -\w+)+")


def _keep_hyphenated(html: str) -> str:
    return HYPHENATED.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', html)


@register.filter
def report_text(value, lead="") -> str:
    """`plaintext` (escaped paragraphs and lists), with hyphenated words kept whole.

    `lead` (a title, "1. halvår") is set in bold at the start of the first
    paragraph, as in the Word reports the committee knows, so it reads (and is
    extracted) as one with its text.
    """
    # The markup made by plaintext is only <p>, <ul>, <li> and <br> without attributes
    # and the escaped text has no hyphenated entities, so this touches text only.
    html = _keep_hyphenated(plaintext(value))
    if lead:
        strong = format_html('<strong class="report-lead">{}</strong>', mark_safe(_keep_hyphenated(escape(lead))))
        if html.startswith("<p>"):
            html = f"<p>{strong} {html[3:]}"
        else:
            html = f"<p>{strong}</p>{html}"
    return mark_safe(html)


@register.filter
def report_line(value) -> str:
    """One line of escaped text, with hyphenated words kept whole."""
    return mark_safe(_keep_hyphenated(escape(value or "")))


@register.filter
def row_class(initiative: dict, years: list) -> str:
    """"report-row-long" for a row that may not fit on one page.

    Rows are kept whole on a page (so an initiative never starts as an empty cell
    at the foot of a page); a row estimated at more than about half a page may
    break instead, or it would leave its heading alone on a page. The estimate
    is characters per column width at the PDF's font size.
    """
    year_count = len(years)
    first = len(initiative.get("title", "")) + len(initiative.get("description", "")) + len(initiative.get("goal", ""))
    year_cells = [sum(len(text) for group in cell["groups"] for text in group["items"]) for cell in initiative["years"]]
    per_line_first = 45 if year_count else 110
    per_line_year = {1: 120, 2: 60, 3: 40, 4: 30}.get(year_count, 30)
    lines = max([first / per_line_first] + [chars / per_line_year for chars in year_cells])
    return "report-row-long" if lines > 28 else ""
