"""One status palette: static/css/status.css is read the way the browser gets it,
its contrast checked, and the badges, the dashboard chart and the report shown to use
exactly those colours."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from initiatives.models import Initiative, Status
from masterplan.palette import STATUS_COLOURS, TEXT_ON_FILL, read_palette
from reporting.dashboard.charts import contrast

WHITE = "#ffffff"


@pytest.fixture(scope="module")
def css():
    with open(finders.find("css/status.css"), encoding="utf-8") as file:
        return file.read()


def test_every_status_has_a_colour_in_the_css_and_no_two_share_one(css):
    palette = read_palette(css)
    assert set(Status.values) <= set(palette)
    fills = [palette[s] for s in Status.values]
    assert len(set(fills)) == len(fills)
    assert STATUS_COLOURS == {s: palette[s] for s in Status.values}  # what the charts use is the CSS


def test_palette_contrast_from_the_real_css_values(css):
    palette = read_palette(css)
    for status in Status.values:
        fill = palette[status]
        assert contrast(fill, WHITE) >= 3, (status, fill)  # a mark against the white page (1.4.11)
        assert contrast(fill, palette["text-on-fill"]) >= 4.5, (status, fill)  # numbers drawn on a chart bar
    assert TEXT_ON_FILL == palette["text-on-fill"]


def test_each_status_has_a_swatch_rule_using_its_colour(css):
    for status in Status.values:
        rule = re.search(rf"\.status-{status} \.status-swatch \{{([^}}]*)\}}", css)
        assert rule and f"var(--status-{status})" in rule.group(1), status


def test_badges_dashboard_chart_and_report_use_the_palette(client, editor, initiative):
    initiative.status = Status.DONE
    initiative.save()
    client.force_login(editor)
    plan_page = client.get(initiative.plan.get_absolute_url()).content.decode()
    assert 'class="badge status-badge status-done"' in plan_page
    assert "css/status.css" in plan_page
    board = client.get(reverse("plan_dashboard", args=[initiative.plan.slug])).content.decode()
    assert f'fill="{STATUS_COLOURS["done"]}"' in board
    report = client.get(reverse("report_preview", args=[initiative.plan.slug, 2025])).content.decode()
    assert f'fill="{STATUS_COLOURS["done"]}"' in report
    assert 'status-mark status-done' in report
    assert Initiative.objects.get(pk=initiative.pk).status == Status.DONE
