"""Indicators on the dashboard ("Indikatorer") and in the annual report."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Measurement
from reporting.models import ReportEdition
from reporting.report.content import build_snapshot, render_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(indicator):
    """On the indicator of the conftest (baseline 10 in 2024, target 20 by end 2026): one
    on track with no expected frequency (never overdue), and an off-track one whose
    quarterly measurement is overdue."""
    indicator.frequency = ""
    indicator.save()
    Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=Decimal("16"))
    slow = Indicator.objects.create(
        plan=indicator.plan, name="Ventetid", unit="dage", good_direction="down", baseline_value=60,
        baseline_date=datetime.date(2024, 1, 1), target_value=20, target_date=datetime.date(2026, 12, 31),
        frequency="quarterly")
    slow.set_links([], list(indicator.initiatives.all()))
    Measurement.objects.create(indicator=slow, date=datetime.date(2024, 3, 31), value=Decimal("61"))
    return indicator, slow


def test_dashboard_section_counts_on_track_off_track_and_overdue(client, reader, plan, measured):
    client.force_login(reader)
    html = client.get(reverse("plan_dashboard", args=[plan.slug])).content.decode()
    section = html[html.index('id="indicators-heading"'):]
    section = section[:section.index("</section>")]
    assert "Ikke på sporet eller med forsinket måling (1)" in section
    assert '<a href="{}">Ventetid</a>'.format(measured[1].get_absolute_url()) in section
    assert "Borgere i job</a>" not in section  # on track and not overdue: not in the attention list
    assert "Måling forsinket" in section


def test_dashboard_queries_do_not_grow_with_indicators(client, superuser, plan, measured, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(superuser)
    url = reverse("plan_dashboard", args=[plan.slug])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(5):
        extra = Indicator.objects.create(plan=plan, name=f"Ekstra {n}", target_value=5)
        Measurement.objects.create(indicator=extra, date=datetime.date(2025, 1, 1), value=n)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
def test_report_prints_each_directions_indicators_with_chart_and_table(client, reader, plan, directions, measured):
    client.force_login(reader)
    html = client.get(reverse("report_preview", args=[plan.slug, 2025])).content.decode()
    direction_one = html[html.index('id="retning-1"'):html.index('id="retning-2"')]
    assert "Borgere i job" in direction_one and "Ventetid" in direction_one  # via direction and via initiative
    assert f'aria-labelledby="report-indicator-chart-{measured[0].pk}-title' in direction_one
    assert "<caption>Målinger: Borgere i job (antal)</caption>" in direction_one
    assert "30. juni 2025" in direction_one and "På sporet" in direction_one
    assert "Borgere i job" not in html[html.index('id="retning-2"'):]
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every id once: the PDF's anchors and the page's labels need it"


def test_final_edition_keeps_the_indicators_it_was_finalised_with(plan, directions, measured):
    edition = ReportEdition.objects.create(plan=plan, year=2025, title="Opfølgning 2025")
    frozen = build_snapshot(plan, edition, final=True)
    Measurement.objects.filter(indicator=measured[0]).update(value=Decimal("99"))
    text = subprocess.run(["pdftotext", "-", "-"], input=render_pdf(frozen), capture_output=True,
                          check=True).stdout.decode()
    assert "Borgere i job" in text and "16" in text and "99" not in text
