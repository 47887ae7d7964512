"""The follow-up round through its pages: opening, the owner's form, review."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils.formats import date_format

from followup.models import FollowUpRound, UpdateRequest
from initiatives.models import Activity, AuditEntry, Initiative, StatusUpdate

pytestmark = pytest.mark.django_db
URL = "/plans/testplan/rounds/2025/"


def request_url(req, suffix=""):
    return f"{URL}requests/{req.pk}/{suffix}"


def owner_post(req, **data):
    return {"status": "on_track", "phase": "implementation", "year_text": "", "next_steps": "", "note": "",
            "new_activity": "", "new_activity_year": 2025, "new_activity_period": "year",
            "version": req.version, **data}


def test_editor_opens_a_round_one_request_per_initiative_to_its_owner_or_the_editor(
        client, editor, plan, initiative, owner, directions, commits, soon):
    unowned = Initiative.objects.create(direction=directions[2], number="3.1", title="Uden tovholder")
    client.force_login(editor)
    page = client.get(URL)
    assert page.status_code == 200 and "Åbn opfølgningsrunde 2025" in page.content.decode()

    response = client.post(f"{URL}open/", {"deadline": soon.isoformat(), "message": "Kort, tak."})

    assert response.status_code == 302 and response["Location"] == URL
    round_ = FollowUpRound.objects.get(plan=plan, year=2025)
    assert dict(round_.requests.values_list("initiative__number", "owner__username")) == {
        "1.1": "tovholder", "3.1": "redaktoer"}
    assert AuditEntry.objects.filter(model="updaterequest").count() == 2
    assert AuditEntry.objects.filter(model="followupround", user=editor).exists()
    # The opening mail: one to the owner with a direct link (the editor has no address).
    assert [m.to for m in mail.outbox] == [["tovholder@example.invalid"]]
    request = round_.requests.get(initiative=initiative)
    assert f"https://portal.example.dk{URL}requests/{request.pk}/" in mail.outbox[0].body
    assert unowned.update_requests.get().owner == editor


@pytest.mark.parametrize("data, message", [
    ({"deadline": "2020-01-01"}, "Fristen kan ikke ligge før i dag."),
    ({"deadline": "i morgen"}, "Datoen kunne ikke læses. Skriv den som dd-mm-åååå"),
    ({"deadline": ""}, "Angiv en frist."),
])
def test_opening_refuses_a_bad_deadline_in_danish(client, editor, plan, initiative, data, message):
    client.force_login(editor)
    response = client.post(f"{URL}open/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not FollowUpRound.objects.exists()


def test_opening_refuses_a_year_outside_the_plan_and_a_second_round(client, editor, plan, initiative, soon):
    client.force_login(editor)
    response = client.post("/plans/testplan/rounds/2031/open/", {"deadline": soon.isoformat()})
    assert response.status_code == 422
    assert "Året 2031 ligger uden for planens periode (2024–2026)." in response.content.decode()
    assert client.get("/plans/testplan/rounds/2031/").status_code == 404
    client.post(f"{URL}open/", {"deadline": soon.isoformat()})
    again = client.post(f"{URL}open/", {"deadline": soon.isoformat()})
    assert again.status_code == 422
    assert "Der er allerede åbnet en opfølgningsrunde for 2025." in again.content.decode()
    assert FollowUpRound.objects.count() == 1


def test_open_round_command_is_the_same_as_the_button(plan, initiative, owner, soon, commits):
    call_command("open_round", "testplan", "2025", "--deadline", soon.isoformat(), "--message", "Hej")
    round_ = FollowUpRound.objects.get()
    assert round_.message == "Hej" and round_.requests.get().owner == owner
    assert len(mail.outbox) == 1
    for args, message in [
        (["testplan", "2025", "--deadline", soon.isoformat()], "allerede åbnet"),
        (["testplan", "2031", "--deadline", soon.isoformat()], "uden for planens periode"),
        (["testplan", "2024", "--deadline", "2020-01-01"], "Fristen kan ikke ligge før i dag."),
        (["testplan", "2024", "--deadline", "i morgen"], "kunne ikke læses. Skriv den som dd-mm-åååå"),
        (["findes-ikke", "2024", "--deadline", soon.isoformat()], "findes ikke"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("open_round", *args)


def test_open_round_command_takes_the_portals_date_format_and_says_the_deadline_in_danish(plan, initiative, owner,
                                                                                          soon, commits):
    out = io.StringIO()
    call_command("open_round", "testplan", "2025", "--deadline", soon.strftime("%d-%m-%Y"), stdout=out)
    assert FollowUpRound.objects.get().deadline == soon
    assert out.getvalue().strip().endswith(f"frist {date_format(soon, 'DATE_FORMAT')}.")
    assert f" {soon.day}. " in out.getvalue()  # "15. december 2026", not "15.12.2026"


def test_owner_sees_only_their_own_requests_and_editors_all(client, round_, owner, other_owner, editor):
    client.force_login(owner)
    page = client.get(URL).content.decode()
    assert "Sagsbehandlingstider" in page and "Et andet initiativ" not in page
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert "Sagsbehandlingstider" in page and "Et andet initiativ" in page
    assert "0 af 2 indberetninger er inde" in page
    assert "Vælg til godkendelse" not in page  # no empty column of checkboxes before anything is submitted


def test_a_reader_without_requests_is_not_told_to_write_status(client, round_, owner, reader):
    client.force_login(owner)
    assert "Skriv status for dine" in client.get(URL).content.decode()
    client.force_login(reader)
    page = client.get(URL).content.decode()
    assert "Du har ingen indberetninger i denne runde." in page and "Skriv status for dine" not in page


def test_owner_saves_a_draft_ticks_an_activity_and_adds_one(client, round_, owner, initiative):
    req = round_.requests.get(initiative=initiative)
    activity = initiative.activities.get()
    client.force_login(owner)
    assert client.get(request_url(req)).status_code == 200
    response = client.post(request_url(req), owner_post(
        req, action="save", year_text="Analysen er lavet.", done=[activity.pk], new_activity="Nye skabeloner."))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == "draft" and req.year_text == "Analysen er lavet." and req.status == "on_track"
    activity.refresh_from_db()
    assert activity.done
    assert initiative.activities.filter(text="Nye skabeloner.", year=2025).exists()
    # A draft does not change the initiative's status; only approval does.
    initiative.refresh_from_db()
    assert initiative.status == "not_assessed"


def test_submitting_without_the_year_text_is_refused_in_danish(client, round_, owner, initiative):
    req = round_.requests.get(initiative=initiative)
    client.force_login(owner)
    response = client.post(request_url(req), owner_post(req, action="submit", year_text="  "))
    assert response.status_code == 422
    assert "Skriv, hvad der er nået i 2025, før du indsender." in response.content.decode()
    req.refresh_from_db()
    assert req.state == "not_started" and req.version == 1


def test_owner_acting_on_a_request_that_is_not_theirs_gets_403(client, round_, owner, other_owner):
    others = round_.requests.get(owner=other_owner)
    client.force_login(owner)
    refused = client.get(request_url(others))
    assert refused.status_code == 403 and "Indberetningen er ikke din." in refused.content.decode()
    response = client.post(request_url(others), owner_post(others, action="submit", year_text="Ikke min."))
    assert response.status_code == 403
    assert client.post(request_url(others, "review/"), {"decision": "approve", "version": 1}).status_code == 403
    others.refresh_from_db()
    assert others.state == "not_started" and others.year_text == ""


def test_user_of_another_municipality_gets_404(client, round_, outsider, initiative):
    req = round_.requests.get(initiative=initiative)
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    assert client.post(request_url(req), owner_post(req, action="submit", year_text="x")).status_code == 404


def test_a_stale_form_is_refused_with_409_and_keeps_the_input(client, round_, owner, initiative):
    req = round_.requests.get(initiative=initiative)
    client.force_login(owner)
    client.post(request_url(req), owner_post(req, action="save", year_text="Første udgave."))
    response = client.post(request_url(req), owner_post(req, action="save", year_text="Fra en gammel fane."))
    assert response.status_code == 409
    assert "Fra en gammel fane." in response.content.decode()
    req.refresh_from_db()
    assert req.year_text == "Første udgave."


def test_review_send_back_resubmit_approve(client, round_, owner, editor, initiative, commits):
    req = round_.requests.get(initiative=initiative)
    client.force_login(owner)
    client.post(request_url(req), owner_post(req, action="submit", year_text="Ventetiden er halveret.",
                                             next_steps="Udrulning i hele afdelingen."))
    req.refresh_from_db()
    assert req.state == "submitted"
    assert client.post(request_url(req), owner_post(req, action="save", year_text="x")).status_code == 409

    client.force_login(editor)
    no_comment = client.post(request_url(req, "review/"), {"decision": "return", "comment": "", "version": req.version})
    assert no_comment.status_code == 422
    assert "Skriv en kommentar" in no_comment.content.decode()
    mail.outbox.clear()
    back = client.post(request_url(req, "review/"), {"decision": "return", "comment": "Tilføj tal, tak.",
                                                      "version": req.version})
    assert back.status_code == 302
    req.refresh_from_db()
    assert req.state == "returned" and req.review_comment == "Tilføj tal, tak."
    assert len(mail.outbox) == 1 and "Tilføj tal, tak." in mail.outbox[0].body
    assert mail.outbox[0].to == ["tovholder@example.invalid"]

    client.force_login(owner)
    assert "Tilføj tal, tak." in client.get(request_url(req)).content.decode()
    client.post(request_url(req), owner_post(req, action="submit", year_text="Ventetiden er halveret (fra 8 til 4 uger)."))
    client.force_login(editor)
    req.refresh_from_db()
    approve = client.post(request_url(req, "review/"), {"decision": "approve", "comment": "", "version": req.version})
    assert approve.status_code == 302
    req.refresh_from_db()
    initiative.refresh_from_db()
    assert req.state == "approved" and req.reviewed_by == editor
    assert (initiative.status, initiative.phase) == ("on_track", "implementation")
    update = StatusUpdate.objects.get(initiative=initiative)
    assert update.status == "on_track" and "fra 8 til 4 uger" in update.note
    assert client.post(request_url(req, "review/"), {"decision": "approve", "version": req.version}).status_code == 409


def test_editors_approve_several_at_once_and_only_submitted_ones(client, round_, owner, other_owner, editor):
    requests = list(round_.requests.all())
    for req in requests:
        req.year_text, req.state = "Godt i gang.", "submitted"
        req.status = "on_track"
        req.save()
    client.force_login(editor)
    assert f'name="requests" value="{requests[0].pk}"' in client.get(URL).content.decode()
    response = client.post(f"{URL}approve/", {"requests": [r.pk for r in requests]})
    assert response.status_code == 302
    assert set(round_.requests.values_list("state", flat=True)) == {"approved"}
    assert StatusUpdate.objects.count() == 2
    refused = client.post(f"{URL}approve/", {"requests": [requests[0].pk]})
    assert refused.status_code == 422
    assert "Kun indsendte indberetninger" in refused.content.decode()
    client.force_login(owner)
    assert client.post(f"{URL}approve/", {"requests": [requests[0].pk]}).status_code == 403


def test_filters_and_overdue_marked_with_a_word(client, round_, editor, other_owner):
    FollowUpRound.objects.filter(pk=round_.pk).update(deadline=datetime.date(2025, 1, 1))
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert page.count("Overskredet frist</span>") == 2
    page = client.get(URL, {"owner": other_owner.pk}).content.decode()
    assert "Et andet initiativ" in page and "Sagsbehandlingstider" not in page
    page = client.get(URL, {"state": "approved"}).content.decode()
    assert "Ingen indberetninger matcher filtrene." in page
    partial = client.get(URL, {"direction": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Et andet initiativ" in partial
    bad = client.get(URL, {"state": "<script>", "owner": "x"})
    assert bad.status_code == 200


def test_owner_turns_reminders_off(client, plan, owner, initiative):
    client.force_login(owner)
    page = client.get("/plans/testplan/mine/").content.decode()
    assert "Sagsbehandlingstider" in page
    # The plan's own noun, and a table that scrolls by itself on a phone instead of the page.
    noun = plan.initiative_noun.plural
    assert f"<h1>Mine {noun}: " in page and f"oversigt over {noun} uden statusopdatering" in page
    assert '<div class="table--responsive-scroll">\n  <table' in page
    response = client.post("/plans/testplan/mine/reminders/", {})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.mail_preference.reminders is False


def test_round_page_queries_do_not_grow_with_the_plan(client, editor, plan, directions, django_assert_max_num_queries,
                                                    soon):
    """30 requests in the 2025 round, 300 in the 2026 round: the same number of queries."""
    def add(count, start):
        for n in range(start, start + count):
            Initiative.objects.create(direction=directions[n % 3], number=f"{n % 3 + 1}.{n + 10}", title=f"Nr. {n}",
                                      responsible_user=editor if n % 2 else None)

    client.force_login(editor)
    counts = []
    for year, count, start in [(2025, 30, 0), (2026, 270, 30)]:
        add(count, start)
        round_ = FollowUpRound.open(plan, year, soon, "", editor)
        round_.requests.filter(initiative__number__endswith="1").update(state="submitted")
        client.get(f"/plans/testplan/rounds/{year}/")  # warm the session
        with django_assert_max_num_queries(16) as queries:
            response = client.get(f"/plans/testplan/rounds/{year}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_activity_outside_the_owner_initiative_cannot_be_ticked(client, round_, owner, other_owner, initiative):
    req = round_.requests.get(initiative=initiative)
    foreign = Activity.objects.create(initiative=round_.requests.get(owner=other_owner).initiative, year=2025,
                                      text="Ikke din.")
    client.force_login(owner)
    response = client.post(request_url(req), owner_post(req, action="save", done=[foreign.pk]))
    assert response.status_code == 422
    assert "Aktiviteten hører ikke til dette initiativ." in response.content.decode()
    foreign.refresh_from_db()
    assert not foreign.done
    assert UpdateRequest.objects.get(pk=req.pk).state == "not_started"


@pytest.mark.parametrize("pk", [str(2**63), "9" * 20, "-1", "1.5"])
def test_ids_beyond_the_database_in_the_round_forms_get_a_danish_message(client, round_, owner, editor, pk):
    """Ticked activities and bulk approval take ids: one no column can hold is a Danish 422,
    never the database driver's overflow (a 500 on SQLite)."""
    client.force_login(editor)
    states = list(round_.requests.order_by("pk").values_list("state", "version"))
    refused = client.post(f"{URL}approve/", {"requests": [pk]})
    assert refused.status_code == 422 and "er ikke en gyldig indberetning" in refused.content.decode()
    req = round_.requests.get(initiative__responsible_user=owner)
    client.force_login(owner)
    response = client.post(request_url(req), {"status": "on_track", "year_text": "Godt i gang.", "done": [pk],
                                             "version": req.version, "action": "save"})
    assert response.status_code == 422 and "er ikke en gyldig aktivitet" in response.content.decode()
    assert list(round_.requests.order_by("pk").values_list("state", "version")) == states  # nothing written
