"""The main pages' queries have an index to use on PostgreSQL, whatever the statistics say.

Each page's SELECTs are EXPLAINed with sequential scans disabled: PostgreSQL then still
picks a sequential scan only where no index can serve the query, which is what makes a
page's cost grow with the rest of the database (every other plan's rows read and thrown
away). The dashboard once took 405 ms instead of 37 ms before ANALYZE, when the latest
status was found by scanning every plan's status updates by time. Timings are in
bench/ (`bench/scale.py`); this test only checks that the indexes are there to use.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.audit import audit_context
from initiatives.models import StatusUpdate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN output is PostgreSQL's"),
]

# Tables that grow with every plan of a shared instance; small ones (plans, directions,
# users, the session) may be scanned.
LARGE_TABLES = {
    "initiatives_initiative", "initiatives_activity", "initiatives_statusupdate", "initiatives_auditentry",
    "initiatives_crosslink", "initiatives_budgetline", "followup_updaterequest",
}


def sequential_scans(node) -> list[str]:
    found = []
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in LARGE_TABLES:
        found.append(node["Relation Name"])
    for child in node.get("Plans", []):
        found += sequential_scans(child)
    return found


def scans_of(client, url) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    scans = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction ends it
        for query in ctx.captured_queries:
            if not query["sql"].startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            tables = sequential_scans(plan[0]["Plan"])
            if tables:
                scans[query["sql"][:300]] = tables
    return scans


@pytest.fixture
def busy_plan(plan, directions, initiative, editor):
    with audit_context(editor, "web"):
        for status in ("on_track", "at_risk"):
            StatusUpdate.objects.create(initiative=initiative, status=status, author=editor)
    return plan


@pytest.mark.parametrize("page", ["home", "plan", "direction", "initiative", "dashboard", "history", "report"])
def test_main_pages_never_scan_a_large_table(client, superuser, busy_plan, initiative, page):
    client.force_login(superuser)
    url = {
        "home": reverse("home"),
        "plan": busy_plan.get_absolute_url(),
        "direction": initiative.direction.get_absolute_url(),
        "initiative": initiative.get_absolute_url(),
        "dashboard": reverse("plan_dashboard", args=[busy_plan.slug]),
        "history": reverse("plan_history", args=[busy_plan.slug]),
        "report": reverse("report_preview", args=[busy_plan.slug, 2025]),
    }[page]
    assert scans_of(client, url) == {}
