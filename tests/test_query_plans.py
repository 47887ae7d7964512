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

from initiatives.audit import audit_context, last_change_of
from initiatives.models import AuditEntry, StatusUpdate
from masterplan.models import Plan

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


def audit_rows_read(node) -> int:
    """Rows of the audit log that the scans of an EXPLAIN ANALYZE plan read (kept or thrown away)."""
    read = 0
    if node.get("Relation Name") == "initiatives_auditentry":
        kept_and_dropped = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        read += kept_and_dropped * node["Actual Loops"]
    return read + sum(audit_rows_read(child) for child in node.get("Plans", []))


def explained(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


@pytest.mark.parametrize("lookup", ["latest change", "plan history", "initiative history"])
def test_history_reads_only_its_own_entries_with_outdated_statistics(busy_plan, initiative, lookup):
    """A plan's latest change (read with the plan on every page) and the plan's and an
    initiative's history read their own entries only, also when those entries are old, many
    newer entries of another plan follow them, and the statistics are from before those came
    (a large import not yet analysed). PostgreSQL once walked the whole log backwards, by id
    or by time, for that: 40 ms on every page of such a plan instead of 0.1."""
    others = [busy_plan.pk + n for n in range(1, 5)]  # other plans' history (plain ids)
    insert = ("INSERT INTO initiatives_auditentry (timestamp, user_name, action, model, object_id, object_repr,"
              " plan_pk, initiative_pk, changes, source) SELECT now() - interval '1 day' * %s, '', 'create',"
              " 'activity', n::text, 'x', %s, %s + n %% %s, '{}', 'test' FROM generate_series(1, %s) AS n")
    with connection.cursor() as cursor:
        cursor.execute(insert, [2, busy_plan.pk, initiative.pk, 1, 300])  # the plan's own, older
        for other in others:
            cursor.execute(insert, [1, other, initiative.pk + 1000 * other, 50, 100])
        cursor.execute("ANALYZE initiatives_auditentry")  # five plans, a few hundred entries
        cursor.execute(insert, [0, others[0], initiative.pk + 1000, 50, 60000])  # then an import elsewhere
    own = (AuditEntry.objects.filter(initiative_pk=initiative.pk) if lookup == "initiative history"
           else AuditEntry.objects.filter(plan_pk=busy_plan.pk))
    query = {
        "latest change": Plan.objects.filter(pk=busy_plan.pk).annotate(last_change=last_change_of()),
        "plan history": AuditEntry.objects.filter(plan_pk=busy_plan.pk)[:200],
        "initiative history": AuditEntry.objects.filter(initiative_pk=initiative.pk)[:50],
    }[lookup]
    assert own.count() > 300
    assert 1 <= audit_rows_read(explained(query)) <= own.count()
    if lookup == "latest change":
        assert query.get().last_change == own.order_by("-id")[0].pk
    else:
        assert [entry.pk for entry in query] == [entry.pk for entry in own.order_by("-timestamp", "-id")][:len(query)]
        assert len(query) == {"plan history": 200, "initiative history": 50}[lookup]
