"""Citizens' feedback: spam controls, moderation, retention, and the API token page."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from initiatives.models import AuditEntry
from reporting.public.models import ApiToken, Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache(empty_cache):
    return empty_cache


def form_url(plan, initiative):
    return f"/offentlig/{plan.slug}/initiativer/{initiative.pk}/kommentar/"


def send(client, plan, initiative, **overrides):
    data = {"message": "Godt initiativ. Husk de pårørende.", "name": "Karen", "email": "karen@example.invalid",
            "consent": "on", "website": "", **overrides}
    return client.post(form_url(plan, initiative), data)


def public_page(client, plan, initiative) -> str:
    return client.get(f"/offentlig/{plan.slug}/initiativer/{initiative.pk}/").content.decode()


def test_feedback_is_kept_for_moderation_and_not_shown_before_approval(client, published, initiative):
    response = send(client, published, initiative)
    assert response.status_code == 302
    assert response["Location"].endswith("/kommentar/tak/")
    feedback = Feedback.objects.get()
    assert (feedback.state, feedback.message, feedback.email) == ("pending", "Godt initiativ. Husk de pårørende.",
                                                                  "karen@example.invalid")
    assert "Husk de pårørende" not in public_page(client, published, initiative)
    assert "Der er ingen offentliggjorte kommentarer endnu." in public_page(client, published, initiative)


def test_the_honeypot_keeps_nothing_but_looks_like_success(client, published, initiative):
    response = send(client, published, initiative, website="http://spam.invalid")
    assert response.status_code == 302
    assert not Feedback.objects.exists()


def test_one_address_may_send_only_a_few_an_hour(client, published, initiative, settings):
    settings.FEEDBACK_PER_HOUR = 2
    assert [send(client, published, initiative).status_code for _ in range(2)] == [302, 302]
    refused = send(client, published, initiative, message="Den tredje.")
    assert refused.status_code == 429
    assert "Vent en time" in refused.content.decode()
    assert "Den tredje." in refused.content.decode()  # what they wrote is kept in the form
    assert Feedback.objects.count() == 2
    data = {"message": "Fra en anden forbindelse.", "consent": "on"}
    assert client.post(form_url(published, initiative), data, REMOTE_ADDR="192.0.2.7").status_code == 302
    assert Feedback.objects.count() == 3


@pytest.mark.parametrize("overrides, message", [
    ({"message": ""}, "Skriv din kommentar."),
    ({"message": "x" * 2001}, "Kommentaren må højst være 2000 tegn. Du har skrevet 2001."),
    ({"consent": ""}, "Sæt flueben for at bekræfte"),
    ({"email": "ikke-en-adresse"}, "Skriv en gyldig e-mailadresse"),
])
def test_bad_feedback_gets_a_danish_message_and_nothing_is_kept(client, published, initiative, overrides, message):
    response = send(client, published, initiative, **overrides)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_on_another_plans_initiative_is_404(client, published, initiative, other_org):
    from masterplan.models import Direction, Plan

    from initiatives.models import Initiative

    other = Plan.objects.create(organization=other_org, title="Anden", slug="anden", period_start=2024,
                                period_end=2026, published=True)
    stranger = Initiative.objects.create(direction=Direction.objects.create(plan=other, number=1, statement="R."),
                                         number="1.1", title="Fremmed")
    assert client.post(f"/offentlig/{published.slug}/initiativer/{stranger.pk}/kommentar/",
                       {"message": "Hej", "consent": "on"}).status_code == 404
    assert not Feedback.objects.exists()


def test_editor_approves_answers_and_deletes(client, published, initiative, editor):
    send(client, published, initiative)
    feedback = Feedback.objects.get()
    client.force_login(editor)
    listing = client.get(f"/plans/{published.slug}/feedback/").content.decode()
    assert "Husk de pårørende" in listing and "karen@example.invalid" in listing
    assert client.post(f"/feedback/{feedback.pk}/approve/", {"version": feedback.version}).status_code == 302
    client.logout()
    page = public_page(client, published, initiative)
    assert "Husk de pårørende" in page and "Karen" in page
    assert "karen@example.invalid" not in page

    client.force_login(editor)
    feedback.refresh_from_db()
    client.post(f"/feedback/{feedback.pk}/answer/", {"answer": "Tak, vi tager det med.", "version": feedback.version})
    client.logout()
    assert "Tak, vi tager det med." in public_page(client, published, initiative)

    client.force_login(editor)
    confirm = client.get(f"/feedback/{feedback.pk}/delete/")
    assert confirm.status_code == 200 and "Det kan ikke fortrydes" in confirm.content.decode()
    assert Feedback.objects.exists()  # the confirmation page deletes nothing
    assert client.post(f"/feedback/{feedback.pk}/delete/").status_code == 302
    assert not Feedback.objects.exists()
    client.logout()
    assert "Husk de pårørende" not in public_page(client, published, initiative)


def test_a_stale_approval_is_refused(client, published, initiative, editor):
    send(client, published, initiative)
    feedback = Feedback.objects.get()
    client.force_login(editor)
    client.post(f"/feedback/{feedback.pk}/answer/", {"answer": "Først.", "version": feedback.version})
    response = client.post(f"/feedback/{feedback.pk}/answer/", {"answer": "Oven i.", "version": feedback.version},
                           follow=True)
    assert "En kollega har ændret kommentaren" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.answer == "Først."


def moderation_requests(plan, feedback):
    return [("get", f"/plans/{plan.slug}/feedback/", {}),
            ("post", f"/feedback/{feedback.pk}/approve/", {"version": feedback.version}),
            ("post", f"/feedback/{feedback.pk}/answer/", {"answer": "Nej.", "version": feedback.version}),
            ("get", f"/feedback/{feedback.pk}/delete/", {}),
            ("post", f"/feedback/{feedback.pk}/delete/", {})]


@pytest.mark.parametrize("role", ["reader", "manager", "outsider"])
def test_only_the_municipalitys_editors_moderate(client, request, published, initiative, role):
    """Readers and managers may read but not moderate (403); a published plan is readable
    by other municipalities' users too, so they get 403 as well."""
    send(client, published, initiative)
    feedback = Feedback.objects.get()
    client.force_login(request.getfixturevalue(role))
    for method, url, data in moderation_requests(published, feedback):
        assert getattr(client, method)(url, data).status_code == 403, url
    feedback.refresh_from_db()
    assert (feedback.state, feedback.answer) == ("pending", "")


def test_another_municipality_cannot_see_an_unpublished_plans_feedback(client, plan, initiative, outsider):
    feedback = Feedback.objects.create(initiative=initiative, message="Fra før offentliggørelsen.")
    client.force_login(outsider)
    for method, url, data in moderation_requests(plan, feedback):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert Feedback.objects.get().state == "pending"


def test_moderation_is_audited_without_the_citizens_words(client, published, initiative, editor):
    send(client, published, initiative)
    feedback = Feedback.objects.get()
    client.force_login(editor)
    client.post(f"/feedback/{feedback.pk}/approve/", {"version": feedback.version})
    entries = AuditEntry.objects.filter(model="feedback").order_by("id")
    assert [(e.action, e.source) for e in entries] == [("create", "public"), ("update", "web")]
    assert entries[1].user == editor and entries[1].changes["state"] == ["pending", "approved"]
    text = str([e.changes for e in entries])
    assert "pårørende" not in text and "karen@" not in text and "Karen" not in text


def test_old_feedback_is_deleted_after_the_retention_period(client, published, initiative, settings):
    settings.FEEDBACK_RETENTION_DAYS = 30
    send(client, published, initiative)
    send(client, published, initiative, message="Nyere.")
    old, new = Feedback.objects.order_by("id")
    Feedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    call_command("prune_feedback")
    assert list(Feedback.objects.values_list("message", flat=True)) == ["Nyere."]
    today = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    call_command("prune_feedback", "--today", today)
    assert not Feedback.objects.exists()
    assert AuditEntry.objects.filter(model="feedback", action="delete", source="prune_feedback").count() == 2


def test_privacy_page_names_what_is_kept_and_for_how_long(client, db, settings):
    settings.FEEDBACK_RETENTION_DAYS = 365
    page = client.get("/offentlig/privatliv/").content.decode()
    assert "slettes automatisk 365 dage efter" in page
    assert "Vi gemmer ikke din IP-adresse" in page


# --- personal API tokens --------------------------------------------------------------


def test_a_user_makes_and_revokes_a_token_on_the_profile_page(client, plan, editor):
    client.force_login(editor)
    response = client.post("/accounts/profile/", {"name": "Dataportal"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    key = response.context["new_key"]
    assert key.startswith("mpt_") and key in response.content.decode()
    assert token.key_hash != key and key not in str(ApiToken.objects.values_list())  # only the hash is kept
    assert key not in client.get("/accounts/profile/").content.decode()  # shown once
    client.logout()
    assert client.get("/api/v1/plans/testplan/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    client.force_login(editor)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    client.logout()
    assert client.get("/api/v1/plans/testplan/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_nobody_revokes_another_users_token(client, editor, outsider):
    token, _key = ApiToken.issue(editor, "Min")
    client.force_login(outsider)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_profile_needs_login_and_a_name(client, editor):
    assert client.get("/accounts/profile/").status_code == 302
    client.force_login(editor)
    response = client.post("/accounts/profile/", {"name": ""})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()
