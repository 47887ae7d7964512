"""config.bulk.insert writes what bulk_create writes (COPY on PostgreSQL), with ids, and fails
as a database write fails."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config import bulk
from initiatives.models import Activity, Initiative, StatusUpdate

pytestmark = pytest.mark.django_db


def columns(model, pks):
    """Each row's values but its id and the times the database sets, by position."""
    skip = {"id", "created_at", "updated_at"}
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    rows = {row["id"]: row for row in model.objects.filter(pk__in=pks).values("id", *names)}
    return [tuple(rows[pk][name] for name in names) for pk in pks]


def activities(initiative, n, text="Aktivitet"):
    return [Activity(initiative=initiative, year=2025, period="h1" if i % 2 else "year", text=f"{text} {i}\ttab\n",
                     responsible="Å \\ \"citat\"", deadline=f"{i}. juni" if i % 3 else "",
                     done=bool(i % 2), order=i) for i in range(n)]


def test_the_rows_are_those_bulk_create_writes_and_the_objects_get_their_ids(initiative):
    ours = bulk.insert(Activity, activities(initiative, 7))
    theirs = Activity.objects.bulk_create(activities(initiative, 7))
    assert all(a.pk and not a._state.adding for a in ours)
    assert len({a.pk for a in ours}) == 7
    assert columns(Activity, [a.pk for a in ours]) == columns(Activity, [a.pk for a in theirs])
    assert [Activity.objects.get(pk=a.pk).text for a in ours] == [a.text for a in ours]
    later = Activity.objects.create(initiative=initiative, year=2025, text="Bagefter")
    assert later.pk > max(a.pk for a in ours)  # the table's sequence moved on with them


def test_a_new_parent_inserted_first_gives_its_children_its_id(plan, directions):
    parent = Initiative(plan=plan, direction=directions[0], number="9.9", title="Ny", order=99)
    child = Activity(initiative=parent, year=2025, text="Barn", order=1)
    bulk.insert(Initiative, [parent])
    bulk.insert(Activity, [child])
    assert Activity.objects.get(pk=child.pk).initiative_id == parent.pk


def test_times_set_on_insert_unless_given(initiative):
    moment = timezone.make_aware(datetime.datetime(2024, 3, 1, 12, 0, 0, 123456))
    given = StatusUpdate(initiative=initiative, status="on_track", created_at=moment)
    stamped = StatusUpdate(initiative=initiative, status="on_track", created_at=moment)
    bulk.insert(StatusUpdate, [given], as_given=("created_at",))
    bulk.insert(StatusUpdate, [stamped])
    assert StatusUpdate.objects.get(pk=given.pk).created_at == moment == given.created_at
    assert StatusUpdate.objects.get(pk=stamped.pk).created_at == stamped.created_at > moment


def test_the_write_is_in_the_query_log(initiative):
    with CaptureQueriesContext(connection) as ctx:
        bulk.insert(Activity, activities(initiative, 3))
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("COPY", "INSERT"))]
    assert len(writes) == 1
    assert writes[0].startswith("COPY" if connection.vendor == "postgresql" else "INSERT")
    assert '"initiatives_activity"' in writes[0]


def test_a_broken_row_fails_like_a_write_and_leaves_nothing(initiative):
    rows = activities(initiative, 3)
    rows[1].initiative_id = 987654  # no such initiative
    before = Activity.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Activity, rows)
        connection.check_constraints()  # foreign keys are checked at commit
    assert Activity.objects.count() == before
