"""Queries compiled once (config.compiled): the session with its user and the plan with the
access check. They must give what the ORM's queryset gives, for every value, on every
thread's own connection, and refuse what they cannot bind."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.compiled import CompiledQuery
from config.models import Session
from masterplan.models import Plan
from masterplan.views import get_plan_for_user
from tests.conftest import make_user

by_slug = CompiledQuery(lambda slug: Plan.objects.select_related("organization").filter(slug=slug), "\x00s\x00")


def test_each_call_runs_with_its_own_values(plan, other_org):
    other = Plan.objects.create(organization=other_org, title="Anden plan", slug="anden-plan",
                                period_start=2025, period_end=2028)
    assert [p.pk for p in by_slug("testplan")] == [plan.pk]
    assert [p.pk for p in by_slug("anden-plan")] == [other.pk]
    assert by_slug("ingen-plan") == []
    assert [p.pk for p in by_slug("testplan")] == [plan.pk]  # the first value was not kept


def test_rows_are_read_as_the_orm_reads_them(plan):
    """select_related and the converters as for the queryset: one query, the same values."""
    with CaptureQueriesContext(connection) as ctx:
        (found,) = by_slug("testplan")
        assert found.organization.name == plan.organization.name  # read with it
    assert len(ctx.captured_queries) == 1
    expected = Plan.objects.get(pk=plan.pk)
    assert {f.attname: getattr(found, f.attname) for f in Plan._meta.concrete_fields} == \
        {f.attname: getattr(expected, f.attname) for f in Plan._meta.concrete_fields}
    assert found._state.adding is False and found._state.db == "default"
    found.title = "Gemt igen"  # a normal instance: it saves as one
    found.save()
    assert Plan.objects.get(pk=plan.pk).title == "Gemt igen"


def test_a_value_of_another_type_is_refused(plan):
    with pytest.raises(TypeError):
        by_slug(plan.pk)
    with pytest.raises(TypeError):
        by_slug()


def test_a_marker_that_is_not_one_parameter_is_refused(db):
    twice = CompiledQuery(lambda slug: Plan.objects.filter(slug=slug) | Plan.objects.filter(title=slug), "\x00t\x00")
    with pytest.raises(ImproperlyConfigured):
        twice("testplan")
    unused = CompiledQuery(lambda slug: Plan.objects.filter(slug="testplan"), "\x00u\x00")
    with pytest.raises(ImproperlyConfigured):
        unused("testplan")


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_it_on_its_own_connection():
    """Connections are per thread (runserver and threaded servers): a query compiled on one
    thread's connection is compiled again on another's, never run on the first one's."""
    org = Plan.organization.field.related_model.objects.create(name="Trådkommune", slug="traad")
    plan = Plan.objects.create(organization=org, title="Trådplan", slug="traadplan", period_start=2025,
                               period_end=2026)
    assert [p.pk for p in by_slug("traadplan")] == [plan.pk]
    seen = {}

    def other_thread():
        try:
            seen["plans"] = [p.pk for p in by_slug("traadplan")]
            seen["connection"] = connections["default"]
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen["plans"] == [plan.pk]
    assert seen["connection"] is not connections["default"]


def test_get_plan_for_user_is_exactly_visible_to(org, other_org, reader, outsider, superuser):
    """The compiled plan lookup reads what `Plan.objects.visible_to` allows, for every kind of
    user and plan: own, another municipality's, published, unpublished."""
    own = Plan.objects.create(organization=org, title="Egen", slug="egen", period_start=2025, period_end=2026)
    foreign = Plan.objects.create(organization=other_org, title="Fremmed", slug="fremmed",
                                  period_start=2025, period_end=2026)
    published = Plan.objects.create(organization=other_org, title="Offentlig", slug="offentlig",
                                    period_start=2025, period_end=2026, published=True)
    nobody = make_user("uden-kommune")
    for user in (reader, outsider, superuser, nobody):
        allowed = set(Plan.objects.visible_to(user).values_list("slug", flat=True))
        for plan in (own, foreign, published):
            if plan.slug in allowed:
                assert get_plan_for_user(user, plan.slug).pk == plan.pk
            else:
                with pytest.raises(Http404):
                    get_plan_for_user(user, plan.slug)
    assert allowed == {"offentlig"}  # the user of no municipality: only the published plan


def test_annotations_are_read_with_the_plan_and_compiled_once_per_kind(plan, editor, superuser):
    from initiatives.audit import last_change, last_change_of
    from masterplan import views

    before = get_plan_for_user(editor, plan.slug, last_change=last_change_of()).last_change
    plan.title = "Ændret"
    plan.save()  # audited
    after = get_plan_for_user(editor, plan.slug, last_change=last_change_of())
    assert after.last_change != before and after.last_change == last_change(plan)
    assert get_plan_for_user(superuser, plan.slug, last_change=last_change_of()).last_change == after.last_change
    assert not hasattr(get_plan_for_user(editor, plan.slug), "last_change")
    for _ in range(3):
        get_plan_for_user(editor, plan.slug, last_change=last_change_of())
    assert len(views._plan_queries) <= 4  # reader or superuser, with or without the annotation


def test_an_expired_session_is_nobody_and_is_not_renewed(client, editor, plan):
    """The expiry is checked on the row read (the compiled query reads by key alone)."""
    client.force_login(editor)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Session.objects.get(session_key=key).user_id == editor.pk  # left for clearsessions
    assert get_user_model().objects.filter(pk=editor.pk).exists()


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
by_title = CompiledQuery(lambda title: Plan.objects.filter(title=title), "\x00title\x00")


def _a_plan():
    org = Plan.organization.field.related_model.objects.create(name="Forberedt", slug="forberedt")
    return Plan.objects.create(organization=org, title="Testplan", slug="testplan", period_start=2025,
                               period_end=2026)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_query_is_prepared_once_per_connection(settings):
    """Outside a transaction the server parses and plans it once (DJANGO_DB_PREPARE), and not
    at all when that is off."""
    plan = _a_plan()
    settings.DB_PREPARE = False
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    assert _prepared('"title" = $1') == 0
    settings.DB_PREPARE = True
    for _ in range(3):
        assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    assert _prepared('"title" = $1') == 1
    assert by_title("Ingen") == []


@on_postgresql
def test_inside_a_transaction_nothing_is_prepared(plan):
    """A lost statement could not be run again there: its error would end the transaction."""
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    assert _prepared('"title" = $1') == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_lost_is_prepared_again():
    plan = _a_plan()
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    with connection.cursor() as cursor:  # e.g. a pooler's reset, behind psycopg's back
        cursor.execute("DEALLOCATE ALL")
    assert _prepared('"title" = $1') == 0
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]  # run unprepared this once
    for _ in range(2):
        assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    assert _prepared('"title" = $1') == 1  # then prepared again, and kept


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_column_changed_by_a_migration_is_read_again():
    """PostgreSQL refuses a prepared statement whose result type a schema change altered
    ("cached plan must not change result type"): it is prepared anew, not a 500."""
    plan = _a_plan()
    length = Plan._meta.get_field("title").max_length
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE masterplan_plan ALTER COLUMN title TYPE text")
    try:
        assert [p.title for p in by_title("Testplan")] == ["Testplan"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE masterplan_plan ALTER COLUMN title TYPE varchar({length})")
    assert [p.pk for p in by_title("Testplan")] == [plan.pk]  # and back


@pytest.mark.django_db(transaction=True)
def test_a_thread_that_ends_takes_its_connection_along():
    """What is compiled is kept on the connection, without a reference back to it from
    anything that outlives it: a thread that ends without closing its connection leaves it
    to be collected, as with the ORM (a cache beside the connections kept every one open)."""
    import gc
    import weakref

    _a_plan()
    refs = []

    def other_thread():
        assert len(by_title("Testplan")) == 1
        refs.append(weakref.ref(connections["default"]))

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    gc.collect()
    assert refs and refs[0]() is None


def test_annotations_that_take_values_are_read_by_the_orm(plan, editor, superuser):
    """Expressions compare by their arguments, loosely (Value(1) == Value(True)): one whose SQL
    takes values is not compiled, so each call gets its own."""
    from django.db.models import Value

    for user in (editor, superuser):
        assert get_plan_for_user(user, plan.slug, x=Value(1)).x == 1
        assert get_plan_for_user(user, plan.slug, x=Value(True)).x is True
        assert get_plan_for_user(user, plan.slug, x=Value("to")).x == "to"
