"""The HTML preview of a long report in pages, so a page costs what its content costs,
not what the whole plan costs.

Page 1 has the report's front (cover, contents, introduction, the plan, the status
summary and the budget) and then directions as they fit; later pages hold whole
directions, packed in order up to a content budget. A direction larger than the
budget is split between its initiatives (and its indicators), and its next page
starts with its heading and "(fortsat)", as the chunked PDF does (chunked.py). The
PDF is one document and never paged here.

The budget is a weight read from the snapshot that follows the HTML a part adds: the
characters of its data (an initiative's texts, activities, cross-links, budget; a
direction's heading and texts; the front's plan, introduction, summary and budget), which its
HTML is 1.1 to 1.6 times; an indicator by its measurements, whose chart and table
make most of its HTML. Counting characters rather than rows keeps pages of long texts
(Ikast-Brande's efforts are 3-6 kB each) as short as pages of many short ones.
"""

import json

from django.conf import settings
from django.template.loader import render_to_string

from reporting.templatetags.report_tags import MAX_LINE

from .render import report_context

BODY = "reporting/report/body.html"
# The demo plans' reports of 2025 (Familie 2018: of 2018) weigh: Ikast-Brande 72,473
# (its HTML 88 kB), Nyborg 60,118, Svendborg Familie 2018 56,301, Svendborg masterplan
# 55,438 (94 kB); syntetisk-1000 3,498,297, of which its front 107,481. At 100,000 every
# demo report is one page with room to grow (Ikast-Brande's by a third), and the
# synthetic plan 36 pages of about 118 kB (at most 129 kB), its page 1 the front alone
# at 174 kB: its budget table and its list of initiatives in risk grow with the plan.
# Settings: REPORT_PREVIEW_PAGE_WEIGHT (tests use a small one).
PAGE_WEIGHT = 100_000
INDICATOR_WEIGHT = 500  # an indicator without measurements: its name and assessment
MEASUREMENT_WEIGHT = 700  # a measurement: a point and its labels in the chart, a table row
HEAD_KEYS = ("heading", "statement", "goal", "purpose", "description", "success_criteria", "focus_points")
CONTINUED_TEXTS = {"statement": "", "goal": "", "purpose": "", "description": "",
                   "success_criteria": [], "focus_points": []}


def page_weight() -> int:
    return getattr(settings, "REPORT_PREVIEW_PAGE_WEIGHT", PAGE_WEIGHT)


def _length(value) -> int:
    return len(json.dumps(value, ensure_ascii=False))


def initiative_weight(initiative: dict) -> int:
    # A cross-link prints its direction's statement clipped to a line (report_clip).
    links = sum(min(len(link["statement"]), MAX_LINE) for link in initiative["cross_links"])
    return _length({**initiative, "cross_links": len(initiative["cross_links"])}) + links


def indicator_weight(indicator: dict) -> int:
    return INDICATOR_WEIGHT + MEASUREMENT_WEIGHT * len(indicator["measurements"])


def head_weight(direction: dict) -> int:
    return _length([direction[key] for key in HEAD_KEYS]) - len(direction["heading"]) + heading_weight(direction)


def heading_weight(direction: dict) -> int:
    return min(len(direction["heading"]), MAX_LINE)  # headings are clipped to a line (report_clip)


def front_weight(snapshot: dict) -> int:
    return sum(_length(snapshot[key]) for key in ("plan", "edition", "summary", "budget_summary"))


def report_weight(snapshot: dict) -> int:
    """The whole report's weight: it is one page when this is at most `page_weight()`."""
    return front_weight(snapshot) + sum(head_weight(d) + _item_total(d) for d in snapshot["directions"])


def _items(direction: dict) -> list[tuple[str, int, int]]:
    """(kind, index, weight) of a direction's initiatives, then its indicators."""
    return ([("initiatives", index, initiative_weight(i)) for index, i in enumerate(direction["initiatives"])]
            + [("indicators", index, indicator_weight(i)) for index, i in enumerate(direction["indicators"])])


def _item_total(direction: dict) -> int:
    return sum(weight for _kind, _index, weight in _items(direction))


def plan_pages(snapshot: dict, budget: int) -> list[list[list]]:
    """The report's pages; each a list of pieces [direction index, first initiative, end,
    first indicator, end, continued] (plain lists: the plan is cached with the pages).
    Page 1 also has the front, whatever it weighs."""
    pages: list[list[list]] = [[]]
    used = front_weight(snapshot)
    for number, direction in enumerate(snapshot["directions"]):
        items = _items(direction)
        whole = [number, 0, len(direction["initiatives"]), 0, len(direction["indicators"]), False]
        total = head_weight(direction) + sum(weight for _kind, _index, weight in items)
        if used + total <= budget:
            pages[-1].append(whole)
            used += total
            continue
        if total <= budget or not items:  # fits on a page of its own (or cannot be split)
            pages.append([whole])
            used = total
            continue
        # Larger than a page: fill this page's room (if its first item fits there), then
        # continue on pages that start with its heading and "(fortsat)".
        if used and used + head_weight(direction) + items[0][2] > budget:
            pages.append([])
            used = 0
        used += head_weight(direction)
        piece = {"initiatives": [], "indicators": []}
        continued = False
        for kind, index, weight in items:
            if (piece["initiatives"] or piece["indicators"]) and used + weight > budget:
                pages[-1].append(_piece(number, piece, continued))
                pages.append([])
                piece, continued = {"initiatives": [], "indicators": []}, True
                used = heading_weight(direction)
            piece[kind].append(index)
            used += weight
        pages[-1].append(_piece(number, piece, continued))
    return pages


def _piece(number: int, piece: dict, continued: bool) -> list:
    def bounds(indexes):
        return [indexes[0], indexes[-1] + 1] if indexes else [0, 0]
    return [number, *bounds(piece["initiatives"]), *bounds(piece["indicators"]), continued]


def page_directions(snapshot: dict, pieces: list[list]) -> list[dict]:
    """The snapshot's directions for one page's pieces, as the report template reads them:
    a continued piece has the heading and no direction texts."""
    shown = []
    for number, first, end, first_indicator, end_indicator, continued in pieces:
        direction = snapshot["directions"][number]
        if (not continued and first == 0 and end == len(direction["initiatives"])
                and first_indicator == 0 and end_indicator == len(direction["indicators"])):
            shown.append(direction)
            continue
        piece = {**direction, "initiatives": direction["initiatives"][first:end],
                 "indicators": direction["indicators"][first_indicator:end_indicator]}
        if continued:
            piece.update(CONTINUED_TEXTS, continued=True)
        shown.append(piece)
    return shown


def direction_pages(pages: list[list[list]], snapshot: dict) -> dict[int, int]:
    """Direction number → the page (from 1) where it starts."""
    starts: dict[int, int] = {}
    for page_number, pieces in enumerate(pages, 1):
        for piece in pieces:
            starts.setdefault(snapshot["directions"][piece[0]]["number"], page_number)
    return starts


def render_pages(snapshot: dict, context: dict) -> list[str]:
    """Every preview page's HTML, in order (one page when the report weighs at most the
    budget: then the contents link within it, as in the PDF)."""
    base = {**report_context(snapshot), **context, "preview": True}
    pages = plan_pages(snapshot, page_weight())
    starts = direction_pages(pages, snapshot) if len(pages) > 1 else {}
    return [
        str(render_to_string(BODY, {**base, "report_front": number == 1, "direction_pages": starts,
                                    "report_directions": page_directions(snapshot, pieces)}))
        for number, pieces in enumerate(pages, 1)
    ]


def page_number(value, count: int) -> int:
    """The page asked for (`?side=N`), or the nearest one: 1 for an unreadable number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), count)
