"""The demo's indicators: what the seed documents say their plans will measure.

`load_demo` (in `initiatives`, which must not import this app) sends
`initiatives.signals.demo_loaded` after the plans are loaded, inside its
transaction and audit context; `load_indicators` answers it. Likewise
`make_synthetic_plan` sends `synthetic_plan_built` / `synthetic_plan_removing`, and
this module makes (or raw-deletes) the synthetic plan's indicators.

Fixtures live in `fixtures/indicators/<plan slug>.json` (a subfolder, so load_demo's
own `fixtures/*.json` never reads them). Idempotent: indicators are matched by
(plan, name), updated in place, and their links and measurements replaced by the
fixture's. Nothing is invented: a series is empty where the seed gives no value.
"""

import json
from pathlib import Path

from django.conf import settings
from django.dispatch import receiver

from initiatives.models import Initiative
from initiatives.signals import demo_loaded, synthetic_plan_built, synthetic_plan_removing
from masterplan.models import Direction, Plan

from .models import Indicator, IndicatorDirection, IndicatorInitiative, Measurement

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures" / "indicators"
FIELDS = ["unit", "description", "source", "baseline_value", "baseline_date", "target_value", "target_date",
          "good_direction", "frequency", "responsible"]


@receiver(demo_loaded, dispatch_uid="indicators-demo")
def load_indicators(sender, stdout=None, **kwargs):
    for path in sorted(FIXTURES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        plan = Plan.objects.filter(slug=data["plan"]).first()
        if plan is None:
            continue
        for order, item in enumerate(data["indicators"], start=1):
            load_indicator(plan, order, item)
        if stdout is not None:
            stdout.write(f"{plan.slug}: {plan.indicators.count()} indikatorer")


def load_indicator(plan, order, item):
    indicator = Indicator.objects.filter(plan=plan, name=item["name"]).first() or Indicator(plan=plan,
                                                                                           name=item["name"])
    changed = indicator.pk is None or indicator.order != order
    indicator.order = order
    for field in FIELDS:
        model_field = indicator._meta.get_field(field)
        value = item.get(field, model_field.get_default())
        value = model_field.to_python(value) if value is not None else None
        if getattr(indicator, field) != value:
            setattr(indicator, field, value)
            changed = True
    if changed:
        indicator.full_clean()
        if indicator.pk is None:
            indicator.save()
        else:
            indicator.save_next_version()
    indicator.set_links(
        list(Direction.objects.filter(plan=plan, number__in=item.get("directions", []))),
        list(Initiative.objects.filter(plan=plan, number__in=item.get("initiatives", []))),
    )
    wanted = [(m["date"], str(m["value"])) for m in item.get("measurements", [])]
    current = [(str(m.date), str(m.value.normalize())) for m in indicator.measurements.all()]
    if wanted != current:
        for measurement in indicator.measurements.all():
            measurement.delete()
        for m in item.get("measurements", []):
            measurement = Measurement(indicator=indicator, period=m.get("period", "date"), date=m["date"],
                                      value=m["value"], note=m.get("note", ""))
            measurement.full_clean()
            measurement.save()


@receiver(synthetic_plan_removing, dispatch_uid="indicators-synthetic-remove")
def remove_synthetic_indicators(sender, plan, **kwargs):
    """Raw deletes, like the rest of the synthetic plan (benchmark data, not audited)."""
    for model, lookup in [(Measurement, "indicator__plan"), (IndicatorDirection, "indicator__plan"),
                          (IndicatorInitiative, "indicator__plan"), (Indicator, "plan")]:
        model.objects.filter(**{lookup: plan})._raw_delete(model.objects.db)


@receiver(synthetic_plan_built, dispatch_uid="indicators-synthetic")
def make_synthetic_indicators(sender, plan, count, **kwargs):
    from .synthetic import build_indicators

    build_indicators(plan, count)
