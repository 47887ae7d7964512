"""Indicators with generated series for `make_synthetic_plan` (benchmarks only).

One indicator per direction and one per ten initiatives, each linked to its
direction or initiative, with a measurement every quarter of the plan period up to
today. Deterministic for a given N. Written with bulk_create (not audited), like the
rest of the synthetic plan.
"""

import datetime
import random
from decimal import Decimal

from initiatives.models import Initiative

from .models import Frequency, GoodDirection, Indicator, IndicatorDirection, IndicatorInitiative, Measurement

NAMES = [
    ("Borgere i job eller uddannelse", "antal", GoodDirection.UP),
    ("Sygefravær", "%", GoodDirection.DOWN),
    ("Tilfredse borgere", "%", GoodDirection.UP),
    ("Sagsbehandlingstid", "dage", GoodDirection.DOWN),
    ("Genindlæggelser", "antal", GoodDirection.DOWN),
    ("Deltagere i fællesskaber", "antal", GoodDirection.UP),
]
QUARTER_ENDS = [(3, 31, "q1"), (6, 30, "q2"), (9, 30, "q3"), (12, 31, "q4")]


def build_indicators(plan, count: int) -> None:
    rng = random.Random(7_919 * count + 11)
    today = datetime.date.today()
    directions = list(plan.directions.order_by("number"))
    initiatives = list(Initiative.objects.filter(plan=plan).order_by("id")[::10])
    targets = [("direction", d) for d in directions] + [("initiative", i) for i in initiatives]
    indicators = []
    for order, (kind, obj) in enumerate(targets, start=1):
        name, unit, good = rng.choice(NAMES)
        baseline = Decimal(rng.randint(20, 400))
        change = baseline * Decimal(rng.choice([10, 15, 20, 30])) / 100
        label = f"{obj.number}" if kind == "initiative" else f"{plan.direction_label} {obj.number}"
        indicators.append(Indicator(
            plan=plan, order=order, name=f"{name} ({label})", unit=unit, source="Syntetiske data",
            good_direction=good, frequency=Frequency.QUARTERLY, baseline_value=baseline,
            baseline_date=datetime.date(plan.period_start - 1, 12, 31),
            target_value=baseline + change if good == GoodDirection.UP else baseline - change,
            target_date=datetime.date(plan.period_end, 12, 31),
        ))
    Indicator.objects.bulk_create(indicators, batch_size=1000)
    links_d, links_i, measurements = [], [], []
    for indicator, (kind, obj) in zip(indicators, targets):
        if kind == "direction":
            links_d.append(IndicatorDirection(indicator=indicator, direction=obj))
        else:
            links_i.append(IndicatorInitiative(indicator=indicator, initiative=obj))
        value = float(indicator.baseline_value)
        drift = float(indicator.target_value - indicator.baseline_value) / (4 * len(plan.years))
        for year in plan.years:
            for month, day, period in QUARTER_ENDS:
                date = datetime.date(year, month, day)
                if date > today:
                    break
                value = max(0.0, value + drift * rng.uniform(-0.5, 2.0))
                measurements.append(Measurement(indicator=indicator, period=period, date=date,
                                                value=Decimal(f"{value:.1f}")))
    IndicatorDirection.objects.bulk_create(links_d, batch_size=1000)
    IndicatorInitiative.objects.bulk_create(links_i, batch_size=1000)
    Measurement.objects.bulk_create(measurements, batch_size=1000)
