"""Indicators in the annual report: plain JSON for the report's snapshot (a final
edition keeps it frozen), and the entries the report template draws from it with
the same chart template and table as the indicator page."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Prefetch
from django.utils import translation

from . import charts
from .forms import format_number
from .models import GoodDirection, Indicator, IndicatorDirection, Measurement, Track


def snapshot(plan) -> dict:
    """{direction pk: [indicator data]}: the indicators linked to each direction or to one
    of its initiatives, with their series. Three queries for the whole plan."""
    indicators = (
        Indicator.objects.filter(plan=plan)
        .prefetch_related(Prefetch("measurements", Measurement.objects.order_by("date")),
                          Prefetch("direction_links", IndicatorDirection.objects.only("indicator_id", "direction_id")),
                          "initiative_links__initiative")
    )
    result: dict[int, list] = {}
    with translation.override("da"):
        for indicator in indicators:
            measurements = list(indicator.measurements.all())
            summary = charts.summary(indicator, plan, measurements)
            data = {
                "pk": indicator.pk, "name": indicator.name, "unit": indicator.unit, "source": indicator.source,
                "good_direction": indicator.good_direction,
                "good_direction_label": str(indicator.get_good_direction_display()),
                "baseline_value": _text(indicator.baseline_value), "baseline_date": _text(indicator.baseline_date),
                "target_value": _text(indicator.target_value), "target_date": _text(indicator.target_date),
                "track": summary["track"], "track_label": str(summary["track_label"]),
                "measurements": [{"date": m.date.isoformat(), "period": m.period, "label": m.label,
                                  "value": str(m.value), "note": m.note} for m in measurements],
            }
            pks = {link.direction_id for link in indicator.direction_links.all()}
            pks |= {link.initiative.direction_id for link in indicator.initiative_links.all()}
            for pk in sorted(pks):
                result.setdefault(pk, []).append(data)
    return result


def _text(value):
    return None if value is None else str(value)


def entries(items: list[dict]) -> list[dict]:
    """From snapshot data back to what templates/charts/indicator_line.svg and
    indicators/_measurement_table.html read (duck-typed like the models)."""
    result = []
    for item in items:
        indicator = SimpleNamespace(
            pk=item["pk"], name=item["name"], unit=item["unit"], source=item["source"],
            baseline_value=_decimal(item["baseline_value"]), baseline_date=_date(item["baseline_date"]),
            target_value=_decimal(item["target_value"]), target_date=_date(item["target_date"]),
            good_direction=item["good_direction"],
            get_good_direction_display=item.get("good_direction_label") or GoodDirection(item["good_direction"]).label,
        )
        measurements = [SimpleNamespace(pk=None, date=_date(m["date"]), period=m["period"], label=m["label"],
                                        value=Decimal(m["value"]), note=m["note"], author=None)
                        for m in item["measurements"]]
        chart = charts.line_chart(indicator, measurements)
        chart["id"] = f"report-{chart['id']}"
        summary = {"track": item["track"], "track_label": item["track_label"] or Track(item["track"]).label,
                   "baseline": format_number(indicator.baseline_value), "target": format_number(indicator.target_value),
                   "track_badge": charts.TRACK_BADGE.get(item["track"], ""), "overdue": False}
        result.append({"indicator": indicator, "measurements": measurements, "chart": chart, "summary": summary})
    return result


def _decimal(value):
    return None if value is None else Decimal(value)


def _date(value):
    return None if value is None else datetime.date.fromisoformat(value)
