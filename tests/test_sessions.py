"""Sessions that carry their user (config.sessions): a logged-in request reads its session
and its user in one query, and that user is checked as Django checks it."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.models import Session

A_LOGGED_IN_PAGE = "/tilgaengelighed/"


def queries_of(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries]


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_request_reads_its_session_and_its_user_in_one_query(client, editor, plan):
    client.force_login(editor)
    response, sql = queries_of(client, plan.get_absolute_url())
    assert response.status_code == 200 and response.context["user"] == editor
    assert "portal_session" in sql[0] and "auth_user" in sql[0]
    assert not any("auth_user" in q for q in sql[1:]), sql  # the user is not read again


def test_the_session_row_names_its_user_from_login_to_logout(client, editor):
    assert client.post(reverse("login"), {"username": editor.username, "password": "pw"}).status_code == 302
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert session.user_id == editor.pk
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_a_deactivated_user_is_logged_out_at_the_next_request(client, editor, plan):
    client.force_login(editor)
    assert client.get(plan.get_absolute_url()).status_code == 200
    get_user_model().objects.filter(pk=editor.pk).update(is_active=False)
    assert sent_to_login(client.get(plan.get_absolute_url()))


def test_a_password_changed_elsewhere_ends_the_session(client, editor, plan):
    """The session's password hash is still checked against the user read with it."""
    client.force_login(editor)
    assert client.get(plan.get_absolute_url()).status_code == 200
    editor.set_password("et helt andet kodeord")
    editor.save()
    assert sent_to_login(client.get(plan.get_absolute_url()))
    assert sent_to_login(client.get(plan.get_absolute_url()))  # and it stays ended


def test_deleting_a_user_deletes_their_sessions(editor, reader):
    first, second, other = Client(), Client(), Client()
    first.force_login(editor)
    second.force_login(editor)
    other.force_login(reader)
    assert Session.objects.filter(user=editor).count() == 2
    editor.delete()
    assert list(Session.objects.values_list("user_id", flat=True)) == [reader.pk]


def test_a_session_naming_a_user_who_is_gone_is_nobody(client, editor, plan):
    """No foreign key constraint (a save as the user is deleted must not fail): a session left
    pointing at no user reads as logged out, not as an error."""
    client.force_login(editor)
    key = client.cookies["sessionid"].value
    with connection.cursor() as cursor:  # past Django's cascade, as a concurrent delete would be
        cursor.execute("DELETE FROM masterplan_membership WHERE user_id = %s", [editor.pk])
        cursor.execute("DELETE FROM auth_user WHERE id = %s", [editor.pk])
    assert Session.objects.filter(session_key=key).exists()
    assert sent_to_login(client.get(plan.get_absolute_url()))


def test_an_anonymous_session_names_no_user_until_a_login(client, editor):
    session = client.session  # a session before any login, stored by config.sessions
    session["seen"] = True
    session.save()
    assert Session.objects.get(session_key=session.session_key).user_id is None
    client.post(reverse("login"), {"username": editor.username, "password": "pw"})
    assert Session.objects.get(session_key=client.cookies["sessionid"].value).user_id == editor.pk


def test_a_logged_in_page_costs_one_query_before_its_own(client, editor):
    """The accessibility statement reads its text (one query); logged in, one more."""
    anonymous = len(queries_of(Client(), A_LOGGED_IN_PAGE)[1])
    client.force_login(editor)
    response, sql = queries_of(client, A_LOGGED_IN_PAGE)
    assert response.status_code == 200 and response.context["user"] == editor
    assert len(sql) == anonymous + 1, sql


def test_clearsessions_removes_the_expired_sessions(editor, reader):
    old, current = Client(), Client()
    old.force_login(editor)
    current.force_login(reader)
    Session.objects.filter(user=editor).update(expire_date=timezone.now() - timedelta(minutes=1))
    call_command("clearsessions")
    assert list(Session.objects.values_list("user_id", flat=True)) == [reader.pk]


def test_the_admin_never_shows_a_session_key(client, editor):
    """Deleting a user lists their sessions (they are deleted with them): by name, not key."""
    victim = Client()
    victim.force_login(editor)
    key = victim.cookies["sessionid"].value
    admin = get_user_model().objects.create_superuser("admin-sess", password="pw")
    client.force_login(admin)
    page = client.get(reverse("admin:auth_user_delete", args=[editor.pk]))
    assert page.status_code == 200 and "session" in page.content.decode().lower()
    assert key not in page.content.decode()


def test_a_session_refused_for_its_user_is_ended_not_kept(client, editor, plan):
    """Reactivating a deactivated user does not bring their old session back."""
    client.force_login(editor)
    key = client.cookies["sessionid"].value
    get_user_model().objects.filter(pk=editor.pk).update(is_active=False)
    assert sent_to_login(client.get(plan.get_absolute_url()))
    assert not Session.objects.filter(session_key=key).exists()
    get_user_model().objects.filter(pk=editor.pk).update(is_active=True)
    assert sent_to_login(client.get(plan.get_absolute_url()))


def test_the_upgrade_empties_djangos_old_session_table(db):
    """Migration portal_config 0002: a session of the old table cannot come back."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore as OldStore
    from django.contrib.sessions.models import Session as OldSession

    old = OldStore()
    old["note"] = "before the upgrade"
    old.create()
    assert OldSession.objects.filter(session_key=old.session_key).exists()
    import_module("config.migrations.0002_end_sessions_of_the_old_table").delete_old_sessions(apps, None)
    assert not OldSession.objects.exists()
