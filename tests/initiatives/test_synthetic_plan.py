"""make_synthetic_plan: counts, determinism, the plan's own rules, safe replacement."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from initiatives.models import Activity, CrossLink, Initiative, StatusUpdate
from masterplan.models import Direction, Plan

pytestmark = pytest.mark.django_db


def make(count, slug=None):
    args = ["make_synthetic_plan", "--initiatives", str(count)]
    if slug:
        args += ["--slug", slug]
    call_command(*args, stdout=open("/dev/null", "w"))
    return Plan.objects.get(slug=slug or f"syntetisk-{count}")


def fingerprint(plan):
    return {
        "directions": list(plan.directions.order_by("number").values_list("number", "title", "statement")),
        "initiatives": list(plan.initiatives.order_by("number").values_list(
            "number", "direction__number", "title", "status", "phase", "responsible", "funding_amount")),
        "links": sorted(CrossLink.objects.filter(initiative__plan=plan)
                        .values_list("initiative__number", "direction__number")),
        "activities": sorted(Activity.objects.filter(initiative__plan=plan)
                             .values_list("initiative__number", "year", "period", "text", "done")),
        "updates": sorted(StatusUpdate.objects.filter(initiative__plan=plan)
                          .values_list("initiative__number", "status", "note")),
    }


def test_counts_and_synthetic_organization():
    plan = make(60)
    assert plan.slug == "syntetisk-60"
    assert plan.organization.name == "Syntetisk Kommune"
    assert plan.initiatives.count() == 60
    assert 5 <= plan.directions.count() <= 15
    for initiative in plan.initiatives.all():
        per_year = {year: initiative.activities.filter(year=year).count() for year in plan.years}
        assert all(2 <= n <= 4 for n in per_year.values()), per_year
    assert StatusUpdate.objects.filter(initiative__plan=plan).count() > 60
    assert plan.budget_lines.exists()


def test_same_n_gives_the_same_plan():
    assert fingerprint(make(40, "a")) == fingerprint(make(40, "b"))


def test_validation_rules_hold():
    plan = make(80)
    links = CrossLink.objects.filter(initiative__plan=plan)
    assert links.exists()
    assert not links.filter(direction_id=F("initiative__direction_id")).exists()
    assert not links.exclude(direction__plan=plan).exists()
    activities = Activity.objects.filter(initiative__plan=plan)
    assert not activities.exclude(year__gte=plan.period_start, year__lte=plan.period_end).exists()
    assert not plan.budget_lines.exclude(year__gte=plan.period_start, year__lte=plan.period_end).exists()
    assert not Initiative.objects.filter(plan=plan).exclude(direction__plan=plan).exists()
    for initiative in plan.initiatives.select_related("direction")[:20]:
        initiative.full_clean()


def test_history_ends_in_current_status_and_some_are_stale():
    plan = make(200)
    stale = 0
    for initiative in plan.initiatives.prefetch_related("status_updates"):
        updates = list(initiative.status_updates.all())  # newest first
        if updates:
            assert updates[0].status == initiative.status
            stale += updates[0].created_at < timezone.now() - datetime.timedelta(days=90)
    assert stale > 0
    assert StatusUpdate.objects.filter(initiative__plan=plan).values("status").distinct().count() >= 4


def test_rerun_replaces_the_plan():
    plan = make(30)
    again = make(30)
    assert again.pk != plan.pk
    assert Plan.objects.filter(slug="syntetisk-30").count() == 1
    assert Initiative.objects.filter(plan__slug="syntetisk-30").count() == 30
    assert not Direction.objects.filter(plan_id=plan.pk).exists()


def test_refuses_to_replace_a_real_municipalitys_plan(plan):
    with pytest.raises(CommandError):
        make(10, plan.slug)
    assert Plan.objects.get(slug=plan.slug).organization.name == "Testkommune"


def test_rejects_nonsense_counts():
    with pytest.raises(CommandError):
        make(0)
