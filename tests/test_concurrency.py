"""Two busy colleagues at once: each race has one winner and one 409, never a 500,
and nothing is lost. Real threads with their own database connections (on SQLite a
file database, see tests/conftest.py), started together by a barrier; where the
window between reading and writing is too short to hit by chance, the test widens
it with a pause at the point where the two requests would interleave."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from initiatives.models import AuditEntry, Initiative, StatusUpdate
from reporting.models import ReportEdition

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def slowed(monkeypatch, owner, name, seconds=0.4, before=False):
    """Make `owner.name` pause, so the other thread reaches the same point meanwhile."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if before:
            time.sleep(seconds)
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(owner, name, wrapper)


def test_two_first_saves_of_a_report_edition_one_wins_the_other_gets_409_with_its_input(
        monkeypatch, editor, org_admin, plan, initiative):
    # Both requests have read "no edition yet" before either writes.
    both_read = threading.Barrier(2)
    apply = ReportEdition.apply.__func__
    monkeypatch.setattr(ReportEdition, "apply", classmethod(
        lambda cls, form: (both_read.wait(timeout=10), apply(cls, form))[1]))
    url = reverse("report_edition_save", args=[plan.slug, 2025])
    alice, bob = logged_in(editor), logged_in(org_admin)
    responses = race(lambda: alice.post(url, {"title": "Alices titel", "committee": "Udvalget"}),
                     lambda: bob.post(url, {"title": "Bobs titel", "committee": "Udvalget"}))
    assert sorted(r.status_code for r in responses) == [302, 409]
    saved = ReportEdition.objects.get(plan=plan, year=2025)
    lost = next(r for r in responses if r.status_code == 409)
    page = lost.content.decode()
    assert "en anden har gemt opfølgningen" in page
    mine = "Bobs titel" if saved.title == "Alices titel" else "Alices titel"
    assert f'value="{mine}"' in page and f'name="version" value="{saved.version}"' in page


def test_two_status_saves_at_once_one_wins_the_other_gets_409(monkeypatch, editor, org_admin, initiative):
    # Hold the row a moment after reading it: without a write lock taken at the start
    # of the transaction, SQLite would answer the second writer "database is locked".
    slowed(monkeypatch, Initiative, "lock")
    url = reverse("initiative_status", args=[initiative.pk])
    alice, bob = logged_in(editor), logged_in(org_admin)
    version = initiative.version
    responses = race(
        lambda: alice.post(url, {"status": "on_track", "phase": "", "note": "Alice", "version": version}),
        lambda: bob.post(url, {"status": "delayed", "phase": "", "note": "Bob", "version": version}),
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    initiative.refresh_from_db()
    assert initiative.version == version + 1
    update = StatusUpdate.objects.get(initiative=initiative)
    assert update.status == initiative.status
    lost = next(r for r in responses if r.status_code == 409).content.decode()
    assert "en anden har gemt en nyere version" in lost


def test_two_finalisations_at_once_write_one_final_edition(monkeypatch, editor, org_admin, plan, initiative):
    from reporting.report import views

    client = logged_in(editor)
    assert client.post(reverse("report_edition_save", args=[plan.slug, 2025]),
                       {"title": "Opfølgning", "committee": "Udvalget"}).status_code == 302
    # Both requests have read the draft before either freezes it.
    slowed(monkeypatch, views, "build_snapshot")
    url = reverse("report_edition_finalise", args=[plan.slug, 2025])
    alice, bob = logged_in(editor), logged_in(org_admin)
    responses = race(lambda: alice.post(url), lambda: bob.post(url))
    assert sorted(r.status_code for r in responses) == [302, 409]
    edition = ReportEdition.objects.get(plan=plan, year=2025)
    assert edition.is_final and edition.version == 2
    finalised = AuditEntry.objects.filter(model="reportedition", action="update")
    assert [entry.changes["state"] for entry in finalised] == [["draft", "final"]]
    assert "allerede endelig" in next(r for r in responses if r.status_code == 409).content.decode()
