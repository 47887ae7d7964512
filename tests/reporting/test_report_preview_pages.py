"""The report preview in pages (issue 15): a page costs what it shows, not the whole plan.

Small plans with a small page budget (REPORT_PREVIEW_PAGE_WEIGHT); the budgets are
stated in the weights of reporting/report/paging.py, read from the plan's snapshot.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.models import Activity, Initiative
from masterplan.models import Plan
from reporting.models import ReportEdition
from reporting.report import paging, views
from reporting.report.content import build_snapshot, render_html

pytestmark = pytest.mark.django_db

LONG = "Indsatsen beskrives her i en lang sætning om borgernes forløb. " * 40  # ~2,500 characters


def get(client, plan, side=None, **extra):
    url = reverse("report_preview", args=[plan.slug, 2025]) + ("" if side is None else f"?side={side}")
    return client.get(url, **extra)


def report(client, plan, side=None) -> str:
    """The report part of a preview page (from its heading to the end of main)."""
    response = get(client, plan, side)
    assert response.status_code == 200
    content = response.content.decode()
    start = content.index('<section class="report-preview"')
    return content[start:content.index("</main>", start)]


def position(html: str) -> str:
    return re.search(r'class="pagination-mobile">([^<]*)<', html).group(1)


def weights(plan):
    """(front, [whole weight of each direction], {initiative number: weight}) of the plan's report."""
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    directions = [paging.head_weight(d) + sum(paging.initiative_weight(i) for i in d["initiatives"])
                  + sum(paging.indicator_weight(i) for i in d["indicators"]) for d in snapshot["directions"]]
    initiatives = {i["number"]: paging.initiative_weight(i) for d in snapshot["directions"] for i in d["initiatives"]}
    heads = [paging.head_weight(d) for d in snapshot["directions"]]
    return paging.front_weight(snapshot), directions, initiatives, heads


@pytest.fixture
def long_plan(plan, directions, initiative):
    """Direction 1 with 1.1 (small), 1.2 and 1.3 (long); 2 with 2.1–2.3 (long); 3 with 3.1 (long)."""
    for number, direction in (("1.2", 0), ("1.3", 0), ("2.1", 1), ("2.2", 1), ("2.3", 1), ("3.1", 2)):
        extra = Initiative.objects.create(direction=directions[direction], number=number,
                                          title=f"Initiativ {number}", description=LONG)
        Activity.objects.create(initiative=extra, year=2025, text=f"Aktivitet i {number}.")
    return plan


def test_a_report_within_the_budget_is_one_page_without_pagination(client, reader, long_plan):
    client.force_login(reader)
    html = report(client, long_plan)
    assert 'class="pagination"' not in html and "Side 1 af" not in html
    assert '<a href="#retning-1">' in html and '<a href="#retning-3">' in html  # as in the PDF
    assert "Initiativ 3.1" in html and "(fortsat)</h2>" not in html


def test_whole_directions_are_packed_into_pages_up_to_the_budget(client, reader, long_plan, settings):
    front, (first, second, third), _initiatives, _heads = weights(long_plan)
    settings.REPORT_PREVIEW_PAGE_WEIGHT = budget = max(front + first, second, third)
    assert front + first + second > budget and second + third > budget  # no two share a page
    client.force_login(reader)

    one, two, three = (report(client, long_plan, side) for side in (1, 2, 3))
    assert position(one) == "Side 1 af 3" and position(three) == "Side 3 af 3"
    assert "Statusoverblik" in one and 'id="retning-1"' in one and "Initiativ 1.3" in one
    assert "Initiativ 2.1" not in one
    assert 'id="retning-2"' in two and "Initiativ 2.1" in two and "Initiativ 2.3" in two
    assert "Statusoverblik" not in two and "Initiativ 3.1" not in two and "(fortsat)</h2>" not in two
    assert 'id="retning-3"' in three and "Initiativ 3.1" in three
    # The contents (page 1) link each direction to its page; to its own page without reloading.
    assert '<a href="#retning-1">' in one
    assert '<a href="?side=2#retning-2">' in one and '<a href="?side=3#retning-3">' in one
    # "Side K af M" with previous and next, above and below the report, as plain links.
    assert two.count("Side 2 af 3</span>") == 2
    assert two.count('href="?side=1"') == 2 and two.count('href="?side=3"') == 2
    assert "Forrige side" not in one and "Næste side" not in three


def test_a_direction_larger_than_a_page_continues_with_its_heading_and_fortsat(client, reader, long_plan, settings):
    front, _directions, initiatives, heads = weights(long_plan)
    settings.REPORT_PREVIEW_PAGE_WEIGHT = front + heads[0] + initiatives["1.1"] + initiatives["1.2"]
    assert initiatives["1.3"] > front  # so direction 1 is larger than a page
    client.force_login(reader)

    one, two = report(client, long_plan, 1), report(client, long_plan, 2)
    assert "Initiativ 1.2" in one and "Initiativ 1.3" not in one
    heading = "Retning 1: Retning nummer 1 styrker borgerne. (fortsat)</h2>"
    assert heading not in one
    assert heading in two and "Initiativ 1.3" in two
    assert 'id="retning-1"' not in two  # the anchor is where the direction starts
    assert re.search(r'<section class="report-direction" aria-labelledby="retning-1-fortsat-title">\s*'
                     r'<h2 id="retning-1-fortsat-title"', two)
    assert '<a href="#retning-1">' in one  # it starts on page 1


def test_every_initiative_on_a_page_of_its_own_with_the_tiniest_budget(client, reader, long_plan, settings):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    client.force_login(reader)
    one = report(client, long_plan)
    assert position(one) == "Side 1 af 8"  # the front, then the seven initiatives one by one
    assert "Sagsbehandlingstider" not in one and "Initiativ 1.2" not in one
    assert '<a href="?side=2#retning-1">' in one and '<a href="?side=5#retning-2">' in one
    assert '<a href="?side=8#retning-3">' in one
    for side, title, continued in ((2, "Sagsbehandlingstider", False), (3, "Initiativ 1.2", True),
                                   (6, "Initiativ 2.2", True), (8, "Initiativ 3.1", False)):
        html = report(client, long_plan, side)
        assert title in html and position(html) == f"Side {side} af 8"
        assert ("(fortsat)</h2>" in html) is continued


@pytest.mark.parametrize("side, shown", [("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("2.5", 1), ("99999", 8),
                                         ("9" * 5000, 1), ("8", 8)])
def test_an_unreadable_or_out_of_range_page_shows_the_nearest_page(client, reader, long_plan, settings, side, shown):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    client.force_login(reader)
    response = get(client, long_plan, side)
    assert response.status_code == 200
    assert position(response.content.decode()) == f"Side {shown} af 8"


def test_every_page_costs_the_same_queries_and_a_cached_page_gathers_nothing(
        client, reader, plan, directions, initiative, long_plan, settings, monkeypatch):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    small = Plan.objects.create(organization=plan.organization, title="Lille plan", slug="lille", period_start=2024,
                                period_end=2026)
    client.force_login(reader)
    built = []
    monkeypatch.setattr(views, "build_snapshot", lambda *args, **kwargs: built.append(1) or build_snapshot(
        *args, **kwargs))

    def queries(target, side=None):
        with CaptureQueriesContext(connection) as ctx:
            assert get(client, target, side).status_code == 200
        return len(ctx.captured_queries)

    gathered = queries(long_plan, 3)
    assert built == [1]
    counts = {side: queries(long_plan, side) for side in (1, 3, 5, 8, 99)}
    assert built == [1]  # every page was rendered from the one snapshot, and kept
    # The session with its user, plan (with its last change), edition, may edit, the PDF's render,
    # the editions.
    assert set(counts.values()) == {6} and gathered > 6
    queries(small)
    assert queries(small) == 6  # a plan of one page (no direction at all) costs the same


def test_a_change_to_the_plan_shows_on_every_page_at_once(client, reader, editor, long_plan, settings):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    client.force_login(reader)
    assert "Initiativ 3.1" in report(client, long_plan, 8)
    initiative = Initiative.objects.get(plan=long_plan, number="3.1")
    client.force_login(editor)
    response = client.post(reverse("initiative_edit", args=[initiative.pk]), {
        "title": "Et nyt navn", "kind": "initiativ", "description": LONG, "version": initiative.version})
    assert response.status_code in (200, 302)
    assert "Et nyt navn" in report(client, long_plan, 8)


def test_the_edition_form_is_on_page_one_and_finalising_on_every_page(client, editor, long_plan, settings):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    client.force_login(editor)
    one, four = get(client, long_plan, 1).content.decode(), get(client, long_plan, 4).content.decode()
    assert "Redigér forside og indledning" in one and "Redigér forside og indledning" not in four
    assert "Gør endelig …" in one and "Gør endelig …" in four
    assert "Opret ny udgave" not in four
    assert "<title>Opfølgning 2025 · Side 4 af 8 · Testplan" in four  # each page has its own title


def test_the_pdf_status_polls_from_a_later_page(client, reader, long_plan, settings):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    client.force_login(reader)
    fragment = get(client, long_plan, 4, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="pdf-status"') and "<html" not in fragment
    assert 'href="/plans/testplan/reports/2025/pdf/"' in fragment


def test_the_pdf_is_one_document_whose_contents_link_within_it(long_plan, settings):
    settings.REPORT_PREVIEW_PAGE_WEIGHT = 1
    html = render_html(build_snapshot(long_plan, ReportEdition.unsaved_default(long_plan, 2025)))
    assert '<a href="#retning-2">' in html and "?side=" not in html and "(fortsat)</h2>" not in html
    assert html.count('id="retning-2"') == 1 and "Initiativ 3.1" in html


def test_every_demo_report_previews_as_one_page(client, superuser):
    call_command("load_demo", stdout=io.StringIO())
    client.force_login(superuser)
    for plan in Plan.objects.all():
        year = plan.report_year()
        response = client.get(reverse("report_preview", args=[plan.slug, year]))
        assert response.status_code == 200
        assert 'class="pagination"' not in response.content.decode(), plan.slug
