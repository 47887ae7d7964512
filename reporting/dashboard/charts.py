"""Geometry for the dashboard's SVG charts; the templates in templates/charts/ draw them.

Colours carry no meaning alone: every chart has a legend in words, direct labels
with the numbers, and a data table beside it. Every fill has at least 3:1
contrast against the white page, and the text drawn on a fill at least 4.5:1.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from initiatives.models import BudgetLine, Status
from masterplan.palette import STATUS_COLOURS as PALETTE

FONT = "IBM Plex Sans, Arial, sans-serif"
DARK_TEXT = "#1a1a1a"
# Status fills: the one palette of static/css/status.css (badges, charts, PDF).
STATUS_COLOURS = {Status(status): colour for status, colour in PALETTE.items()}
HEAT_STEPS = ["#ffffff", "#d6e6f5", "#9cc3e6", "#4a8fcf", "#1f63a8", "#0b3d6e"]
BUDGET_COLOURS = {BudgetLine.Kind.EXPENSE: "#005ea8", BudgetLine.Kind.FINANCING: "#00703c"}


def text_on(fill: str) -> str:
    """White or dark text, whichever contrasts more with the fill."""
    return "#ffffff" if contrast(fill, "#ffffff") >= contrast(fill, DARK_TEXT) else DARK_TEXT


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted([relative_luminance(a), relative_luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legend(items, width, y):
    """Lay legend entries out left to right, wrapping onto new rows."""
    x, row, placed = 0, 0, []
    for label, fill in items:
        item_width = 26 + 7.2 * len(label) + 18
        if x and x + item_width > width:
            x, row = 0, row + 1
        placed.append({"label": label, "fill": fill, "x": round(x, 1), "y": y + row * 24, "text_x": round(x + 22, 1),
                       "text_y": y + row * 24 + 13})
        x += item_width
    return placed, (row + 1) * 24


def status_by_direction(plan, directions: list) -> dict:
    """Horizontal stacked bars: one bar per direction, one segment per status."""
    width, label_width, bar_height, gap, top = 760, 150, 28, 12, 8
    plot = width - label_width - 40
    largest = max([d["total"] for d in directions] + [1])
    bars = []
    for index, entry in enumerate(directions):
        y = top + index * (bar_height + gap)
        x = label_width
        segments = []
        for status, count in zip(Status.values, entry["status_cells"]):
            if not count:
                continue
            w = plot * count / largest
            fill = STATUS_COLOURS[status]
            segments.append({
                "x": round(x, 2), "width": round(w, 2), "fill": fill, "text": text_on(fill), "count": count,
                "label": Status(status).label, "show_count": w >= 22,
                "text_x": round(x + w / 2, 2),
            })
            x += w
        direction = entry["direction"]
        bars.append({
            "y": y, "text_y": y + bar_height / 2 + 5, "label": f"{plan.direction_label} {direction.number}",
            "segments": segments, "total": entry["total"], "total_x": round(x + 6, 2),
            "title": direction.title or direction.statement,
        })
    legend_y = top + len(directions) * (bar_height + gap) + 8
    items, legend_height = legend([(Status(s).label, STATUS_COLOURS[s]) for s in Status.values], width, legend_y)
    return {"width": width, "height": legend_y + legend_height + 4, "bars": bars, "bar_height": bar_height,
            "label_width": label_width, "legend": items, "font": FONT,
            "empty": not any(d["total"] for d in directions)}


def cross_link_matrix(plan, directions: list, links: list) -> dict:
    """Heat map: rows are an initiative's own direction, columns the directions it also supports."""
    counts = {(row["initiative__direction_id"], row["direction_id"]): row["n"] for row in links}
    largest = max(counts.values(), default=0)
    cell, left, top = 44, 120, 56
    rows = []
    for r, source in enumerate(directions):
        cells = []
        for c, target in enumerate(directions):
            n = counts.get((source.pk, target.pk), 0)
            own = source.pk == target.pk
            if own:
                fill = "#f2f2f2"
            else:
                step = 0 if not n else 1 + round((len(HEAT_STEPS) - 2) * (n - 1) / max(largest - 1, 1))
                fill = HEAT_STEPS[step]
            cells.append({"x": left + c * cell, "y": top + r * cell, "count": n, "own": own, "fill": fill,
                          "text": "#595959" if own or not n else text_on(fill),
                          "text_x": left + c * cell + cell / 2, "text_y": top + r * cell + cell / 2 + 5,
                          "target": target})
        rows.append({"direction": source, "cells": cells, "label": f"{plan.direction_label} {source.number}",
                     "text_y": top + r * cell + cell / 2 + 5, "total": sum(x["count"] for x in cells)})
    columns = [{"direction": d, "number": d.number, "x": left + c * cell + cell / 2} for c, d in enumerate(directions)]
    size = len(directions)
    return {"width": left + size * cell + 8, "height": top + size * cell + 8, "rows": rows, "columns": columns,
            "cell": cell, "left": left, "top": top, "font": FONT, "empty": not counts,
            "column_totals": [sum(row["cells"][c]["count"] for row in rows) for c in range(size)]}


def scaled(amount, divisor: int) -> str:
    """An amount in the chart's unit (mio. kr. or 1.000 kr.): short enough to label a bar."""
    return number_format(Decimal(amount or 0) / divisor, decimal_pos=1 if divisor == 1_000_000 else 0,
                         use_l10n=True, force_grouping=True)


def budget_by_year(plan, totals: list, selected_year: int) -> dict:
    """Grouped bars per budget year: expenses and financing side by side."""
    kinds = [k for k in BudgetLine.Kind.values if any(t["kind"] == k for t in totals)]
    years = sorted({t["year"] for t in totals})
    table = {(t["year"], t["kind"]): t["total"] or Decimal(0) for t in totals}
    width, height, left, bottom, top = 760, 290, 16, 40, 44
    plot_h = height - bottom - top
    largest = max([abs(v) for v in table.values()] + [Decimal(1)])
    divisor = 1_000_000 if largest >= 1_000_000 else 1_000
    unit = _("Beløb i mio. kr.") if divisor == 1_000_000 else _("Beløb i 1.000 kr.")
    group = (width - left * 2) / max(len(years), 1)
    bar_w = min(70, (group - 24) / max(len(kinds), 1))
    groups = []
    for g, year in enumerate(years):
        bars = []
        for k, kind in enumerate(kinds):
            value = table.get((year, kind), Decimal(0))
            h = float(abs(value) / largest) * plot_h
            x = left + g * group + (group - bar_w * len(kinds)) / 2 + k * bar_w
            bars.append({"x": round(x, 2), "y": round(top + plot_h - h, 2), "width": round(bar_w - 4, 2),
                         "height": round(h, 2), "fill": BUDGET_COLOURS[kind], "value": value,
                         "label": scaled(value, divisor), "label_x": round(x + (bar_w - 4) / 2, 2),
                         "label_y": round(top + plot_h - h - 6, 2), "kind": BudgetLine.Kind(kind).label})
        groups.append({"year": year, "bars": bars, "selected": year == selected_year,
                       "label_x": round(left + g * group + group / 2, 2)})
    items, legend_height = legend([(BudgetLine.Kind(k).label, BUDGET_COLOURS[k]) for k in kinds], width, height + 4)
    return {"width": width, "height": height + legend_height + 8, "groups": groups, "legend": items, "font": FONT,
            "unit": unit,
            "axis_y": top + plot_h, "year_y": top + plot_h + 22, "empty": not years,
            "kinds": [BudgetLine.Kind(k).label for k in kinds],
            "rows": [{"year": y, "values": [table.get((y, k), Decimal(0)) for k in kinds]} for y in years]}
