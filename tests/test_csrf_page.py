"""A form whose CSRF check fails (open too long, logged out meanwhile) loses nothing
the user cannot get back: the page says reloading loses the text and shows it."""

from django.test import Client


def test_expired_form_says_what_to_do_and_shows_what_was_typed(initiative, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "done", "note": "Projektet blev <b>afsluttet</b> i oktober.", "version": 1})
    page = response.content.decode()
    assert response.status_code == 403
    assert "Formularen er udløbet" in page and "kopiér det først, genindlæs siden" in page
    assert "Projektet blev &lt;b&gt;afsluttet&lt;/b&gt; i oktober." in page  # shown, escaped
    initiative.refresh_from_db()
    assert initiative.status == "not_assessed"


def test_expired_login_form_never_shows_the_password(client, editor):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "redaktoer", "password": "hemmeligt-ord"})
    assert response.status_code == 403
    assert "hemmeligt-ord" not in response.content.decode()
