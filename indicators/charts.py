"""Where an indicator stands (`summary`) and the geometry of its line chart
(`line_chart`), drawn by templates/charts/indicator_line.svg on the indicator page,
the dashboard and in the report.

The chart's meaning never rests on colour: the target and the baseline are lines
with a word label, every point carries its number, the SVG has a title and a
description that reads the series out, and every page that shows it puts the
same numbers in a table beside it.
"""

import datetime
import math
from decimal import Decimal

from django.utils.translation import gettext as _

from .forms import format_number
from .models import MeasurementPeriod, Track

FONT = "IBM Plex Sans, Arial, sans-serif"
SERIES = "#005ea8"
TARGET = "#00703c"
BASELINE = "#595959"
# Badge classes of the design system per track (the word is always beside it).
TRACK_BADGE = {Track.REACHED: "badge-success", Track.ON_TRACK: "badge-success", Track.OFF_TRACK: "badge-error",
               Track.NOT_ASSESSED: "", Track.NO_TARGET: "", Track.NO_DATA: ""}


def summary(indicator, plan, measurements=None, today=None) -> dict:
    """Latest value, target, track and whether a measurement is overdue. Without
    `measurements`, reads the annotations of `IndicatorQuerySet.with_latest()`."""
    if measurements is not None:
        latest = (measurements[-1].date, measurements[-1].value) if measurements else None
        first = (measurements[0].date, measurements[0].value) if measurements else None
        latest_label = measurements[-1].label if measurements else ""
        count = len(measurements)
    else:
        latest = (indicator.latest_date, indicator.latest_value) if indicator.latest_date else None
        first = (indicator.first_date, indicator.first_value) if indicator.first_date else None
        latest_label = ""
        count = indicator.measurement_count
    indicator.plan = plan  # the rows share the plan object: no query per row
    track = indicator.track(latest, first)
    return {
        "indicator": indicator, "latest": latest, "latest_value": format_number(latest[1]) if latest else "",
        "latest_date": latest[0] if latest else None, "latest_label": latest_label, "count": count,
        "track": track, "track_label": Track(track).label, "track_badge": TRACK_BADGE[track],
        "overdue": indicator.is_overdue(latest[0] if latest else None, today),
        "next_due": indicator.next_due(latest[0] if latest else None),
        "target": format_number(indicator.target_value), "baseline": format_number(indicator.baseline_value),
    }


def nice_step(span: float, steps: int = 4) -> float:
    raw = span / steps if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def line_chart(indicator, measurements: list) -> dict:
    """Points over time with the target and the baseline as horizontal lines."""
    width, height = 720, 300
    left, right, top, bottom = 64, 150, 24, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    chart_id = f"indicator-chart-{indicator.pk}"
    unit = indicator.unit
    values = [float(m.value) for m in measurements]
    dates = [m.date for m in measurements]
    references = [(v, d) for v, d in [(indicator.baseline_value, indicator.baseline_date),
                                       (indicator.target_value, indicator.target_date)] if v is not None]
    base = {"id": chart_id, "width": width, "height": height, "font": FONT, "unit": unit, "name": indicator.name,
            "series": SERIES, "target_colour": TARGET, "baseline_colour": BASELINE}
    if not measurements:
        return {**base, "empty": True, "description": _("Der er endnu ingen målinger.")}

    all_values = values + [float(v) for v, _d in references]
    low, high = min(all_values), max(all_values)
    if low >= 0 and high > 0:
        low = 0.0
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high == low:
        high = low + step

    all_dates = dates + [d for _v, d in references if d]
    start, end = min(all_dates), max(all_dates)
    if start == end:
        start, end = start - datetime.timedelta(days=180), end + datetime.timedelta(days=180)
    span = (end - start).days

    def x(date):
        return round(left + plot_w * (date - start).days / span, 1)

    def y(value):
        return round(top + plot_h * (1 - (float(value) - low) / (high - low)), 1)

    points = [{"x": x(m.date), "y": y(m.value), "value": format_number(m.value), "label": m.label,
               "label_y": round(y(m.value) - 9, 1)} for m in measurements]
    ticks = []
    value = low
    while value <= high + step / 1000:
        ticks.append({"y": y(value), "label": format_number(Decimal(str(round(value, 4)))), "text_y": y(value) + 4})
        value += step
    years = [{"x": x(datetime.date(year, 1, 1)), "label": year}
             for year in range(start.year + (1 if start > datetime.date(start.year, 1, 1) else 0), end.year + 1)]
    lines = []
    if indicator.target_value is not None:
        lines.append({"y": y(indicator.target_value), "colour": TARGET, "dash": "8 4",
                      "label": _("Mål: %(value)s") % {"value": format_number(indicator.target_value)}})
    if indicator.baseline_value is not None:
        lines.append({"y": y(indicator.baseline_value), "colour": BASELINE, "dash": "2 3",
                      "label": _("Udgangspunkt: %(value)s") % {"value": format_number(indicator.baseline_value)}})
    for line in lines:
        line["text_y"] = line["y"] + 4
    if len(lines) == 2 and abs(lines[0]["y"] - lines[1]["y"]) < 14:
        lines[1]["text_y"] = lines[0]["text_y"] + 14
    readout = "; ".join(f"{p['label']}: {p['value']}" for p in points)
    description = _("Linjediagram over %(name)s%(unit)s. Målinger: %(readout)s.") % {
        "name": indicator.name, "unit": f" ({unit})" if unit else "", "readout": readout}
    if lines:
        description += " " + ". ".join(line["label"] for line in lines) + "."
    return {**base, "empty": False, "points": points, "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            "ticks": ticks, "years": years, "lines": lines, "description": description,
            "plot_left": left, "plot_right": left + plot_w, "plot_top": top, "plot_bottom": top + plot_h,
            "year_y": top + plot_h + 20, "line_label_x": left + plot_w + 8, "show_values": len(points) <= 16,
            "period_is_date": all(m.period == MeasurementPeriod.DATE for m in measurements)}
