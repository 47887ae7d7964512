"""What the round feeds: the year's report edition and the managers' dashboard."""

import datetime

import pytest
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext
from django.db import connection

from followup.models import FollowUpRound
from initiatives.models import Initiative

pytestmark = pytest.mark.django_db


def approve(req, editor, text, next_steps=""):
    req.year_text, req.next_steps, req.status, req.state = text, next_steps, "on_track", "submitted"
    req.save()
    req.approve(editor)


def test_the_years_report_prints_the_approved_text_and_next_steps_only(client, round_, editor, initiative, other_owner):
    approve(round_.requests.get(initiative=initiative), editor, "Ventetiden er halveret.", "Udrulning i 2026.")
    waiting = round_.requests.get(owner=other_owner)
    waiting.year_text, waiting.state = "Ikke godkendt endnu.", "submitted"
    waiting.save()
    client.force_login(editor)
    page = client.get("/plans/testplan/reports/2025/").content.decode()
    assert "Status 2025:" in page and "Ventetiden er halveret." in page
    assert "Næste skridt:" in page and "Udrulning i 2026." in page
    assert "Ikke godkendt endnu." not in page
    # Another year's edition does not print it.
    assert "Ventetiden er halveret." not in client.get("/plans/testplan/reports/2026/").content.decode()


def test_a_final_edition_keeps_the_approved_text(client, round_, editor, initiative):
    from reporting.models import ReportEdition

    approve(round_.requests.get(initiative=initiative), editor, "Ventetiden er halveret.")
    client.force_login(editor)
    client.post("/plans/testplan/reports/2025/finalise/")
    edition = ReportEdition.objects.get(plan=round_.plan, year=2025)
    rows = [i for d in edition.snapshot["directions"] for i in d["initiatives"] if i["number"] == "1.1"]
    assert rows[0]["follow_up"] == {"year": 2025, "text": "Ventetiden er halveret.", "next_steps": ""}


def test_dashboard_shows_the_rounds_progress_per_direction_and_late_owners(client, round_, editor, initiative, manager):
    approve(round_.requests.get(initiative=initiative), editor, "Nået.")
    client.force_login(manager)
    page = client.get("/plans/testplan/dashboard/").content.decode()
    assert "Opfølgningsrunde 2025" in page
    assert "godkendt af 2" in page and "mangler endnu" in page
    FollowUpRound.objects.filter(pk=round_.pk).update(deadline=datetime.date(2025, 6, 1))
    cache.clear()  # the unaudited update stands in for the deadline passing (a new day: a new cache key)
    page = client.get("/plans/testplan/dashboard/").content.decode()
    assert "Fristen er overskredet" in page
    assert "Tovholdere, der mangler efter fristen" in page and "andentovholder: 1 indberetning" in page


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_and_report_queries_do_not_grow_with_the_round(client, plan, directions, editor):
    """An overdue round of 6 requests and one of 306: the same number of queries."""
    client.force_login(editor)
    counts = []
    for year, extra in [(2024, 6), (2025, 300)]:
        for n in range(extra):
            Initiative.objects.create(direction=directions[n % 3], number=f"{year}.{n}", title=f"Nr. {n}",
                                      responsible_user=editor if n % 3 else None)
        round_ = FollowUpRound.open(plan, year, datetime.date.today(), "", editor)
        FollowUpRound.objects.filter(pk=round_.pk).update(deadline=datetime.date(year, 3, 1))
        for req in round_.requests.all()[:4]:
            approve(req, editor, f"Nået {req.pk}.")
        counts.append((count(client, "/plans/testplan/dashboard/"), count(client, f"/plans/testplan/reports/{year}/")))
    assert counts[0] == counts[1], counts
