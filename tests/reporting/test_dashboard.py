"""The manager dashboard: figures against a hand-computed plan, lists, charts,
filters, htmx, access and a query count that does not grow with the plan."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, Status, StatusUpdate
from masterplan.models import Direction, Plan
from reporting.dashboard.figures import Filters, build_dashboard
from reporting.dashboard.charts import BUDGET_COLOURS, HEAT_STEPS, STATUS_COLOURS, contrast, text_on

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()
HALF = 1 if TODAY.month <= 6 else 2
THIS_HALF, OTHER_HALF = ("h1", "h2") if HALF == 1 else ("h2", "h1")
MONTH_IN_HALF = "m03" if HALF == 1 else "m09"


def days_ago(n):
    return NOW - datetime.timedelta(days=n)


def add_update(initiative, status, age_days):
    update = StatusUpdate.objects.create(initiative=initiative, status=status)
    StatusUpdate.objects.filter(pk=update.pk).update(created_at=days_ago(age_days))


@pytest.fixture
def board_plan(org):
    """Six initiatives over three directions, with figures worked out by hand below."""
    plan = Plan.objects.create(organization=org, title="Overbliksplan", slug="overblik",
                               period_start=TODAY.year - 1, period_end=TODAY.year + 1)
    d1, d2, d3 = (Direction.objects.create(plan=plan, number=n, order=n, title=f"Tema {n}",
                                           statement=f"Retning {n}.") for n in (1, 2, 3))

    def initiative(direction, number, status, phase="", responsible="", created_days_ago=0):
        obj = Initiative.objects.create(direction=direction, number=number, title=f"Initiativ {number}",
                                        status=status, phase=phase, responsible=responsible)
        Initiative.objects.filter(pk=obj.pk).update(created_at=days_ago(created_days_ago))
        return obj

    a = initiative(d1, "1.1", Status.ON_TRACK, "implementation", "Team A")
    b = initiative(d1, "1.2", Status.AT_RISK, "development", "Team B", created_days_ago=300)
    c = initiative(d2, "2.1", Status.DELAYED, "", "Team A")
    d = initiative(d2, "2.2", Status.DONE, "operation", "", created_days_ago=400)   # done: never stale
    e = initiative(d3, "3.1", Status.ON_TRACK, "", "Team B", created_days_ago=100)  # no update → stale
    f = initiative(d3, "3.2", Status.NOT_ASSESSED, "", "", created_days_ago=10)

    add_update(a, Status.NOT_STARTED, 60)
    add_update(a, Status.ON_TRACK, 10)    # changed within the last 30 days
    add_update(b, Status.AT_RISK, 200)    # last update 200 days ago → stale
    add_update(c, Status.DELAYED, 300)
    add_update(c, Status.DELAYED, 5)      # same status again: not a change

    year = TODAY.year
    Activity.objects.create(initiative=a, year=year, period="year", text="Gjort.", done=True)
    Activity.objects.create(initiative=a, year=year, period=THIS_HALF, text="Forfalden A.")
    Activity.objects.create(initiative=b, year=year, period=OTHER_HALF, text="Andet halvår.")
    Activity.objects.create(initiative=e, year=year, period=MONTH_IN_HALF, text="Forfalden E.")
    Activity.objects.create(initiative=c, year=year - 1, period="year", text="Sidste år.")

    for initiative_, direction in [(a, d2), (a, d3), (c, d1), (e, d1)]:
        CrossLink.objects.create(initiative=initiative_, direction=direction)
    BudgetLine.objects.create(plan=plan, initiative=a, year=year, amount=1_500_000, label="Drift")
    BudgetLine.objects.create(plan=plan, year=year, amount=500_000, label="Pulje", kind="financing")
    return plan, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}, (d1, d2, d3)


def board_for(plan, **filters):
    return build_dashboard(plan, list(plan.directions.all()), Filters(**filters))


def test_headline_figures_match_hand_computed_values(board_plan):
    plan, i, (d1, d2, d3) = board_plan
    board = board_for(plan)
    by_status = {row["value"]: row["count"] for row in board.by_status}
    assert board.total == 6
    assert by_status == {"not_assessed": 1, "not_started": 0, "on_track": 2, "at_risk": 1, "delayed": 1,
                         "done": 1, "paused": 0}
    assert {row["value"]: row["count"] for row in board.by_phase} == {
        "": 3, "planning": 0, "development": 1, "implementation": 1, "anchoring": 0, "operation": 1}
    assert board.in_progress == 4 and board.on_track_percent == 50
    assert board.action_count == 2
    assert board.stale_count == 2  # b (update 200 days old) and e (no update, created 100 days ago)
    assert (board.activities_year, board.activities_year_done, board.due_count) == (4, 1, 2)
    per_direction = {entry["direction"].number: (entry["total"], entry["stale"], entry["status_cells"])
                     for entry in board.directions}
    assert per_direction[1] == (2, 1, [0, 0, 1, 1, 0, 0, 0])
    assert per_direction[2] == (2, 0, [0, 0, 0, 0, 1, 1, 0])
    assert per_direction[3] == (2, 1, [1, 0, 1, 0, 0, 0, 0])


def test_lists_that_lead_to_action(board_plan):
    plan, i, _ = board_plan
    board = board_for(plan, since=(TODAY - datetime.timedelta(days=30)))
    assert [x.number for x in board.at_risk] == ["2.1", "1.2"]  # delayed first
    assert [x.number for x in board.stale] == ["1.2", "3.1"]    # oldest first
    assert sorted(a.text for a in board.due) == ["Forfalden A.", "Forfalden E."]
    assert [(c["number"], c["status_before"], c["status"]) for c in board.changes] == [
        ("1.1", "not_started", "on_track")]
    assert any(entry["url"] == i["a"].get_absolute_url() for entry in board.recent)


def test_stale_days_are_chosen_per_plan(board_plan):
    plan, _, _ = board_plan
    plan.stale_after_days = 250
    plan.save()
    assert board_for(plan).stale_count == 0  # b: 200 days, e: 100 days
    plan.stale_after_days = 150
    plan.save()
    assert board_for(plan).stale_count == 1  # only b


def test_changes_since_default_to_the_last_final_follow_up(board_plan):
    from reporting.dashboard.figures import default_since
    from reporting.models import ReportEdition

    plan, _, _ = board_plan
    today = datetime.date(2026, 11, 23)
    assert default_since(plan, today) == datetime.date(2026, 1, 1)
    edition = ReportEdition.unsaved_default(plan, 2025)
    edition.save()
    edition.finalise({}, "hash")
    assert default_since(plan, today) == timezone.localdate(edition.finalised_at)


def test_cross_link_matrix_and_budget(board_plan):
    plan, _, (d1, d2, d3) = board_plan
    board = board_for(plan)
    counts = {(row["direction"].number, cell["target"].number): cell["count"]
              for row in board.matrix["rows"] for cell in row["cells"]}
    assert counts[(1, 2)] == counts[(1, 3)] == counts[(2, 1)] == counts[(3, 1)] == 1
    assert sum(counts.values()) == 4
    assert board.budget["rows"] == [{"year": TODAY.year, "values": [1_500_000, 500_000]}]


def test_filters_narrow_the_figures(board_plan):
    plan, _, (d1, d2, d3) = board_plan
    assert board_for(plan, direction=d1).total == 2
    team_b = board_for(plan, responsible="Team B")
    assert team_b.total == 2 and team_b.stale_count == 2
    assert team_b.activities_year == 2
    last_year = board_for(plan, year=TODAY.year - 1)
    assert (last_year.activities_year, last_year.activities_year_done) == (1, 0)


def test_page_shows_figures_charts_and_tables(client, manager, board_plan):
    plan, i, _ = board_plan
    client.force_login(manager)
    response = client.get(reverse("plan_dashboard", args=[plan.slug]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Overblik: Overbliksplan" in content
    assert content.count('role="img"') == 3 and content.count("<desc") == 3
    assert "Tabel: status og fase pr. retning" in content and "Tabel: budget pr. år" in content
    assert f'href="{i["b"].get_absolute_url()}"' in content
    assert "50&nbsp;%" in content
    assert 'style="' not in content


def test_filters_in_the_url_and_htmx_partial(client, manager, board_plan):
    plan, _, _ = board_plan
    client.force_login(manager)
    url = reverse("plan_dashboard", args=[plan.slug])
    full = client.get(url, {"direction": 1}).content.decode()
    assert 'hx-get="%s"' % url in full and 'hx-push-url="true"' in full and 'method="get"' in full
    partial = client.get(url, {"direction": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in partial and "Initiativ 1.2" in partial and "Initiativ 2.1" not in partial.split(
        "Kræver opmærksomhed")[1].split("Sammenhænge")[0]
    restore = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()


@pytest.mark.parametrize("params", [
    {"since": "2026-13-45"}, {"since": "i går"}, {"since": "2999-01-01"}, {"direction": "99"},
    {"direction": "x"}, {"year": "1900"}, {"responsible": "Ingen"},
])
def test_bad_filter_values_get_a_danish_message_not_a_500(client, manager, board_plan, params):
    plan, _, _ = board_plan
    client.force_login(manager)
    response = client.get(reverse("plan_dashboard", args=[plan.slug]), params)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Et eller flere filtre kunne ikke bruges" in content
    assert "Overblikket viser i stedet standardvalget." in content


def test_since_date_is_used(client, manager, board_plan):
    plan, _, _ = board_plan
    client.force_login(manager)
    since = TODAY - datetime.timedelta(days=30)
    content = client.get(reverse("plan_dashboard", args=[plan.slug]), {"since": since.isoformat()}).content.decode()
    assert "Statusændringer siden" in content and "(1)" in content


def test_reader_sees_the_dashboard_read_only(client, reader, board_plan):
    plan, _, _ = board_plan
    client.force_login(reader)
    response = client.get(reverse("plan_dashboard", args=[plan.slug]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "hx-post" not in content
    posts = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', content)
    assert all(action in ("/accounts/logout/", "/i18n/setlang/") for action in posts), posts


def test_editor_of_other_municipality_gets_404(client, outsider, board_plan):
    plan, _, _ = board_plan
    client.force_login(outsider)
    assert client.get(reverse("plan_dashboard", args=[plan.slug])).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, board_plan):
    plan, _, _ = board_plan
    response = client.get(reverse("plan_dashboard", args=[plan.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_demo_plan_dashboard_renders(client, superuser):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    client.force_login(superuser)
    for slug in ["svendborg-masterplan", "ikast-brande-udviklingsplan", "nyborg-udviklingsplan",
                 "svendborg-familie-2018"]:
        response = client.get(reverse("plan_dashboard", args=[slug]))
        assert response.status_code == 200, slug
    nyborg = client.get(reverse("plan_dashboard", args=["nyborg-udviklingsplan"])).content.decode()
    assert "Budget pr. år" in nyborg and "Finansiering" in nyborg


def test_chart_colours_pass_contrast():
    for fill in [*STATUS_COLOURS.values(), *BUDGET_COLOURS.values()]:
        assert contrast(fill, "#ffffff") >= 3, fill  # graphics against the page
    for fill in [*STATUS_COLOURS.values(), *HEAT_STEPS, *BUDGET_COLOURS.values()]:
        assert contrast(fill, text_on(fill)) >= 4.5, fill  # numbers drawn on the fill


def count_queries(client, url, htmx=False):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {})).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_a_small_plan_and_a_1000_initiative_plan(client, superuser, board_plan):
    """1000 initiatives (≈12,000 activities) via make_synthetic_plan: about 3 s on SQLite."""
    plan, _, _ = board_plan
    client.force_login(superuser)
    small = count_queries(client, reverse("plan_dashboard", args=[plan.slug]))
    call_command("make_synthetic_plan", "--initiatives", "1000", stdout=open("/dev/null", "w"))
    large = count_queries(client, reverse("plan_dashboard", args=["syntetisk-1000"]))
    filtered = count_queries(client, reverse("plan_dashboard", args=["syntetisk-1000"]) + "?direction=2&year=2025")
    assert small == large == filtered
    assert small <= 17  # 15 + the newest follow-up round (none here) + the indicators section
    # From the cache: the session with its user, and the plan with its latest change, whatever its size.
    assert count_queries(client, reverse("plan_dashboard", args=["syntetisk-1000"])) == 2


def test_figures_are_computed_once_per_change_of_the_plan(client, manager, editor, board_plan):
    plan, items, _ = board_plan
    url = reverse("plan_dashboard", args=[plan.slug])
    client.force_login(manager)
    first = count_queries(client, url)
    assert count_queries(client, url) == 2 < first  # the session with its user, the plan with its latest change
    assert count_queries(client, url + "?direction=2") == first  # other filters: computed, then cached too
    assert count_queries(client, url, htmx=True) > 2  # the htmx fragment is cached apart from the page
    assert count_queries(client, url, htmx=True) == 2

    # A status change in the browser is audited, as every write, and shows at once.
    assert attention_figure(client.get(url)) == "2"
    client.force_login(editor)
    initiative = items["f"]
    response = client.post(reverse("initiative_status", args=[initiative.pk]),
                           {"status": Status.DELAYED, "phase": "", "note": "Forsinket.", "version": initiative.version})
    assert response.status_code in (200, 302)
    client.force_login(manager)
    assert attention_figure(client.get(url)) == "3"
    assert count_queries(client, url) == 2


def attention_figure(response) -> str:
    html = " ".join(response.content.decode().split())
    return re.search(r'key-figure__value">(\d+)</span> <span class="key-figure__label">i risiko eller forsinket', html)[1]
