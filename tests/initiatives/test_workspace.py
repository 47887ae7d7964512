"""Editing in the workspace: status, activities, cross-links, texts; no lost updates;
bad input answered in Danish with a 4xx and no partial write."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from initiatives.models import Activity, AuditEntry, CrossLink, Initiative, StatusUpdate

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_status_change_with_note_is_recorded_and_shown(editor_client, editor, initiative):
    response = editor_client.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "at_risk", "phase": "implementation", "note": "Mangler projektleder.", "version": 1,
    }, follow=True)
    initiative.refresh_from_db()
    assert (initiative.status, initiative.phase, initiative.version) == ("at_risk", "implementation", 2)
    update = StatusUpdate.objects.get(initiative=initiative)
    assert (update.author, update.note) == (editor, "Mangler projektleder.")
    content = response.content.decode()
    assert "Status er gemt." in content
    assert "Mangler projektleder." in content
    history = AuditEntry.objects.filter(initiative_pk=initiative.pk, model="initiative", action="update").get()
    assert history.changes["status"] == ["not_assessed", "at_risk"] and history.user == editor


def test_htmx_status_change_returns_only_the_fragment_and_the_history(editor_client, initiative):
    response = editor_client.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "on_track", "phase": "", "note": "", "version": 1}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="status"' in content and "Status er gemt." in content and "I gang – på sporet" in content
    assert 'id="history" class="workspace-section" aria-labelledby="history-heading" hx-swap-oob="true"' in content


def test_second_save_of_a_stale_status_form_is_refused_and_both_values_kept(initiative, editor, org_admin):
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(org_admin)
    # Both opened the page at version 1.
    first = alice.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "on_track", "phase": "", "note": "Alice: på sporet.", "version": 1})
    assert first.status_code == 302
    second = bob.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "delayed", "phase": "", "note": "Bob: forsinket.", "version": 1})
    assert second.status_code == 409
    content = second.content.decode()
    assert "Din ændring er ikke gemt" in content
    assert f"Senest gemt af {editor.username}" in content
    assert "Bob: forsinket." in content  # Bob's note is still in his form, ready to re-apply
    assert 'name="version" value="2"' in content
    initiative.refresh_from_db()
    assert initiative.status == "on_track"
    assert list(StatusUpdate.objects.values_list("note", flat=True)) == ["Alice: på sporet."]
    # Bob re-applies his change on top of Alice's.
    third = bob.post(f"/initiatives/{initiative.pk}/status/", {
        "status": "delayed", "phase": "", "note": "Bob: forsinket.", "version": 2})
    assert third.status_code == 302
    assert StatusUpdate.objects.count() == 2


def test_stale_text_edit_shows_the_other_persons_value_beside_mine(initiative, editor, org_admin):
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(org_admin)
    url = f"/initiatives/{initiative.pk}/edit/"
    assert alice.post(url, {"title": "Alices titel", "kind": "initiativ", "version": 1}).status_code == 302
    response = bob.post(url, {"title": "Bobs titel", "kind": "initiativ", "version": 1})
    assert response.status_code == 409
    content = response.content.decode()
    assert "Alices titel" in content and "Bobs titel" in content
    initiative.refresh_from_db()
    assert initiative.title == "Alices titel"


def test_stale_activity_edit_is_refused(initiative, editor, org_admin):
    activity = initiative.activities.get()
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(org_admin)
    url = f"/activities/{activity.pk}/edit/"
    data = {"year": 2025, "period": "h1", "text": "Alices tekst.", "version": 1}
    assert alice.post(url, data).status_code == 302
    response = bob.post(url, {**data, "text": "Bobs tekst."})
    assert response.status_code == 409
    activity.refresh_from_db()
    assert activity.text == "Alices tekst."


def test_add_activity_to_2025_with_htmx(editor_client, initiative):
    response = editor_client.post(f"/initiatives/{initiative.pk}/activities/", {
        "year": 2025, "period": "h2", "text": "Evaluering af forløbet."}, **HTMX)
    assert response.status_code == 200
    assert "Aktiviteten er tilføjet til 2025." in response.content.decode()
    assert Activity.objects.filter(initiative=initiative, year=2025, period="h2",
                                   text="Evaluering af forløbet.").exists()


@pytest.mark.parametrize("data, field_message", [
    ({"year": 2030, "period": "year", "text": "Uden for perioden."}, "2030 er ikke en af de tilgængelige valgmuligheder"),
    ({"year": 2025, "period": "year", "text": ""}, "Dette felt er påkrævet."),
    ({"year": 2025, "period": "forever", "text": "Ukendt periode."}, "Marker en gyldig valgmulighed"),
    ({"year": 2025, "period": "year", "text": "x" * 4001}, "Denne værdi må højst have 4000 tegn (den har 4001)."),
])
def test_bad_activity_input_gets_a_danish_message_and_422(editor_client, initiative, data, field_message):
    before = Activity.objects.count()
    response = editor_client.post(f"/initiatives/{initiative.pk}/activities/", data, **HTMX)
    assert response.status_code == 422
    assert field_message in response.content.decode()
    assert Activity.objects.count() == before


def test_cross_links_can_be_ticked_and_unticked(editor_client, initiative, directions):
    url = f"/initiatives/{initiative.pk}/cross-links/"
    response = editor_client.post(url, {"directions": [directions[1].pk, directions[2].pk], "version": 1}, **HTMX)
    assert response.status_code == 200
    assert set(CrossLink.objects.filter(initiative=initiative).values_list("direction", flat=True)) == {
        directions[1].pk, directions[2].pk}
    editor_client.post(url, {"directions": [directions[2].pk], "version": 2})
    assert list(CrossLink.objects.filter(initiative=initiative).values_list("direction", flat=True)) == [
        directions[2].pk]
    actions = list(AuditEntry.objects.filter(model="crosslink").values_list("action", flat=True))
    assert actions.count("delete") == 1


@pytest.mark.parametrize("make_bad_id", [
    lambda initiative, directions, foreign: initiative.direction_id,  # its own direction
    lambda initiative, directions, foreign: foreign.pk,  # another plan's direction
    lambda initiative, directions, foreign: 987654,  # unknown id
])
def test_cross_link_to_own_foreign_or_unknown_direction_is_refused(editor_client, initiative, directions, org,
                                                                   make_bad_id):
    from masterplan.models import Direction, Plan

    other = Plan.objects.create(organization=org, title="Anden", slug="anden", period_start=2024, period_end=2026)
    foreign = Direction.objects.create(plan=other, number=1, statement="Fremmed.")
    bad = make_bad_id(initiative, directions, foreign)
    response = editor_client.post(f"/initiatives/{initiative.pk}/cross-links/",
                                  {"directions": [bad], "version": 1})
    assert response.status_code == 422
    assert "Vælg blandt planens andre retninger" in response.content.decode()
    assert list(CrossLink.objects.filter(initiative=initiative).values_list("direction", flat=True)) == [
        directions[1].pk]


@pytest.mark.parametrize("version", ["", "abc", "-3"])
def test_tampered_version_field_is_refused(editor_client, initiative, version):
    response = editor_client.post(f"/initiatives/{initiative.pk}/status/",
                                  {"status": "done", "phase": "", "version": version})
    assert response.status_code == 422
    assert "versionsnummer" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == "not_assessed"


def test_missing_csrf_token_gives_a_danish_403(initiative, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"/initiatives/{initiative.pk}/status/", {"status": "done", "version": 1})
    assert response.status_code == 403
    assert "Formularen er udløbet" in response.content.decode()


def test_duplicate_number_for_new_initiative_is_refused_in_danish(editor_client, plan, directions, initiative):
    response = editor_client.post(f"/plans/{plan.slug}/initiatives/new/", {
        "direction": directions[1].pk, "number": "1.1", "kind": "initiativ", "title": "Dublet"})
    assert response.status_code == 422
    assert "Der findes allerede nummer 1.1 i denne plan." in response.content.decode()
    assert Initiative.objects.filter(number="1.1").count() == 1


def test_new_initiative_under_another_plans_direction_is_refused(editor_client, plan, other_org):
    from masterplan.models import Direction, Plan

    other = Plan.objects.create(organization=other_org, title="X", slug="x", period_start=2024, period_end=2026)
    foreign = Direction.objects.create(plan=other, number=1, statement="Fremmed.")
    response = editor_client.post(f"/plans/{plan.slug}/initiatives/new/", {
        "direction": foreign.pk, "number": "1.5", "kind": "initiativ", "title": "Forsøg"})
    assert response.status_code == 422
    assert not Initiative.objects.filter(number="1.5").exists()


def test_search_and_filters_narrow_the_plan_and_stay_in_the_url(editor_client, plan, directions, initiative):
    other = Initiative.objects.create(direction=directions[1], number="2.1", title="Botilbud", status="delayed")
    url = f"/plans/{plan.slug}/"
    content = editor_client.get(url, {"q": "sagsbehandlingstider"}).content.decode()
    assert "Sagsbehandlingstider" in content and other.title not in content
    content = editor_client.get(url, {"status": "delayed"}, **HTMX).content.decode()
    assert "<html" not in content and "Botilbud" in content and "Sagsbehandlingstider" not in content
    assert "Initiativer, der matcher: 1" in content
    content = editor_client.get(url, {"supports": 2, "year": 2025}).content.decode()
    assert "Sagsbehandlingstider" in content and "Botilbud" not in content


def test_bad_filter_values_are_ignored_not_a_500(editor_client, plan, initiative):
    response = editor_client.get(f"/plans/{plan.slug}/", {"year": "snart", "direction": "x", "status": "nope"})
    assert response.status_code == 200
    assert "Sagsbehandlingstider" in response.content.decode()


def test_direction_page_is_laid_out_like_the_report(editor_client, plan, initiative):
    content = editor_client.get(f"/plans/{plan.slug}/directions/1/").content.decode()
    for text in ["<th scope=\"col\" class=\"col-year\">2024</th>", "<th scope=\"col\" class=\"col-year\">2026</th>", "1. halvår",
                 "Analyse af arbejdsgange.", "<strong>2:</strong> Retning nummer 2 styrker borgerne."]:
        assert text in content
    # Without cross-links the column says so, as an empty year does, instead of a blank cell.
    initiative.cross_links.clear()
    content = editor_client.get(f"/plans/{plan.slug}/directions/1/").content.decode()
    assert '<span class="sr-only">Ingen andre retninger.</span>' in content


@pytest.mark.parametrize("url", ["/plans/{slug}/directions/1/", "/plans/{slug}/history/",
                                 "/plans/{slug}/?q=ekstra&year=2024", "/initiatives/{pk}/edit/"])
def test_workspace_pages_have_a_constant_number_of_queries(editor_client, plan, directions, initiative, url):
    url = url.format(slug=plan.slug, pk=initiative.pk)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert editor_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        extra = Initiative.objects.create(direction=directions[0], number=f"1.{n + 10}", title=f"Ekstra {n}")
        Activity.objects.create(initiative=extra, year=2024, text="Aktivitet.")
        CrossLink.objects.create(initiative=extra, direction=directions[1])

    add(99)  # one match for the search (an empty page needs no page or count query)
    small = count()
    for n in range(25):
        add(n)
    assert count() == small


def test_free_text_search_uses_danish_stemming_on_postgresql(plan, directions):
    """On PostgreSQL "borgere" finds "borgerne" (Danish full-text search); SQLite's
    fallback matches substrings only, so there it finds "borgeres" but not "borgerne"."""
    from django.db import connection

    Initiative.objects.create(direction=directions[0], number="1.7", title="Inddragelse af borgerne")
    Initiative.objects.create(direction=directions[0], number="1.8", title="Borgeres rettigheder")
    found = set(plan.initiatives.search("borgere").values_list("number", flat=True))
    if connection.vendor == "postgresql":
        assert found == {"1.7", "1.8"}
    else:
        assert found == {"1.8"}


def test_edit_forms_carry_the_version_they_were_loaded_at(editor_client, initiative):
    initiative.title = "Ny titel"
    initiative.save_next_version()
    activity = initiative.activities.get()
    page = editor_client.get(f"/initiatives/{initiative.pk}/edit/").content.decode()
    assert '<input type="hidden" name="version" value="2"' in page
    page = editor_client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert '<input type="hidden" name="version" value="1"' in page


def test_add_activity_offers_this_year_within_the_plan_period(editor_client, initiative, plan):
    """Not the plan's first year: on 1 December 2026 a consultant adds 2026's activities."""
    import datetime
    from unittest import mock

    for today, expected in [(datetime.date(2025, 3, 1), 2025), (datetime.date(2031, 1, 5), 2026),
                            (datetime.date(2020, 1, 5), 2024)]:
        with mock.patch("initiatives.views.timezone.localdate", return_value=today):
            page = editor_client.get(initiative.get_absolute_url()).content.decode()
        assert f'<option value="{expected}" selected>{expected}</option>' in page, today
    # The year the user just used still wins.
    page = editor_client.get(initiative.get_absolute_url(), {"year": 2024}).content.decode()
    assert '<option value="2024" selected>2024</option>' in page


def test_editor_edits_implementation_and_follow_up_shown_on_the_page(editor_client, initiative):
    """Familie 2018's initiatives show »Implementering og opfølgning«; the edit form edits it too."""
    url = f"/initiatives/{initiative.pk}/edit/"
    assert 'name="follow_up"' in editor_client.get(url).content.decode()
    response = editor_client.post(url, {"title": initiative.title, "kind": "initiativ", "version": 1,
                                        "follow_up": "Følges op på ledermøderne."})
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.follow_up == "Følges op på ledermøderne."
    assert "Følges op på ledermøderne." in editor_client.get(initiative.get_absolute_url()).content.decode()
