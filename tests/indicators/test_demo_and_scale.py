"""The demo's indicators come from the seeds (no invented values), and the list
page costs the same number of queries for the demo and a 1,000-initiative plan."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, Measurement
from initiatives.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def linked(plan_slug):
    return {
        indicator.name: sorted(link.initiative.number for link in indicator.initiative_links.all())
        for indicator in Indicator.objects.filter(plan__slug=plan_slug).prefetch_related("initiative_links__initiative")
    }


def test_svendborg_indicators_are_the_seeds_attached_to_their_initiatives(demo):
    assert linked("svendborg-masterplan") == {
        "Borgere med socialt frikort": ["4.2"],
        "Borgere med socialt frikort, der har fået et job": ["4.2"],
        "Borgere i KLAP-job": ["4.2"],
        "Sygefravær i Socialafdelingen": ["8.6"],
    }
    sick_leave = Indicator.objects.get(name="Sygefravær i Socialafdelingen")
    assert sick_leave.good_direction == "down" and sick_leave.target_value is None


def test_nyborg_and_familie_indicators(demo):
    assert linked("nyborg-udviklingsplan") == {
        "Måling af inddragelse og effekt": ["4.6.2"], "Trivselsmålinger i myndighedsafdelingen": ["4.7.2"]}
    deadline = Indicator.objects.get(name="Børnefaglige undersøgelser inden for tidsfristen på 4 måneder")
    assert sorted(deadline.directions.values_list("number", flat=True)) == [1, 3]
    assert deadline.target_value == 100 and deadline.unit == "%"


def test_no_invented_values(demo):
    assert not Measurement.objects.exists()
    assert not Indicator.objects.filter(baseline_value__isnull=False).exists()


def test_loading_again_changes_nothing(demo):
    before = AuditEntry.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert AuditEntry.objects.count() == before
    assert Indicator.objects.count() == 11


def test_svendborg_list_page(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="politiker"))
    html = client.get("/plans/svendborg-masterplan/indicators/").content.decode()
    for name in ["socialt frikort", "KLAP-job", "Sygefravær"]:
        assert name in html
    assert "Ingen målinger" in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_are_constant_for_the_demo_and_a_1000_initiative_plan(demo, client, superuser):
    client.force_login(superuser)
    demo_count = count_queries(client, reverse("indicator_list", args=["svendborg-masterplan"]))
    call_command("make_synthetic_plan", "--initiatives", "1000", stdout=io.StringIO())
    synthetic = Indicator.objects.filter(plan__slug="syntetisk-1000")
    assert synthetic.count() > 100 and Measurement.objects.filter(indicator__plan__slug="syntetisk-1000").count() > 1000
    large = count_queries(client, reverse("indicator_list", args=["syntetisk-1000"]))
    assert demo_count == large <= 10
    html = client.get(reverse("indicator_list", args=["syntetisk-1000"])).content.decode()
    assert "På sporet" in html or "Ikke på sporet" in html


def test_replacing_a_synthetic_plan_replaces_its_indicators(db):
    for _ in range(2):
        call_command("make_synthetic_plan", "--initiatives", "30", stdout=io.StringIO())
    indicators = Indicator.objects.filter(plan__slug="syntetisk-30")
    assert indicators.count() == indicators.values("name").distinct().count() > 3
    assert indicators.filter(initiative_links__isnull=False).exists()


def test_indicator_page_queries_do_not_grow_with_the_series(demo, client, superuser):
    client.force_login(superuser)
    indicator = Indicator.objects.get(name="Borgere i KLAP-job")
    empty = count_queries(client, indicator.get_absolute_url())
    for year in (2024, 2025):
        for period in ("primo", "ultimo"):
            from indicators.models import period_date

            Measurement.objects.create(indicator=indicator, period=period, date=period_date(period, year), value=3)
    assert count_queries(client, indicator.get_absolute_url()) == empty
