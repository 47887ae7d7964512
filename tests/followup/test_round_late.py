"""Initiatives added after a round opened: the editor sees how many have no request and
creates theirs in one step, each to its owner, without touching the others."""

import pytest
from django.core import mail
from django.utils.formats import date_format

from followup.models import UpdateRequest
from initiatives.models import AuditEntry, Initiative

pytestmark = pytest.mark.django_db
URL = "/plans/testplan/rounds/2025/"
MISSING = URL + "missing/"


@pytest.fixture
def late(round_, directions, owner):
    """Initiative 3.1, created after the round opened, with the owner as tovholder."""
    return Initiative.objects.create(direction=directions[2], number="3.1", title="Kom sent til",
                                     responsible_user=owner)


def test_the_round_page_tells_editors_what_is_missing_and_the_button_requests_it(client, editor, owner, late,
                                                                               commits):
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert "1 initiativ er kommet til, efter runden blev åbnet, og har ingen indberetning." in page
    before = {r.pk: (r.state, r.version) for r in UpdateRequest.objects.all()}
    mail.outbox.clear()
    response = client.post(MISSING, follow=True)
    assert response.status_code == 200
    assert "Der er oprettet 1 ny indberetning." in response.content.decode()
    new = UpdateRequest.objects.get(initiative=late)
    assert new.owner == owner and new.state == UpdateRequest.State.NOT_STARTED
    assert {r.pk: (r.state, r.version) for r in UpdateRequest.objects.exclude(pk=new.pk)} == before
    assert AuditEntry.objects.filter(model="updaterequest", object_id=str(new.pk), action="create").exists()
    assert "er kommet til" not in response.content.decode()  # nothing missing any more


def test_a_new_tovholder_gets_the_rounds_mail_and_one_who_had_it_gets_no_second(client, editor, owner, directions,
                                                                               round_, commits, org):
    from followup import mails
    from followup.models import SentMail
    from tests.conftest import make_user

    mails.send_due()  # the round's first mails, as the worker sends them after opening
    newcomer = make_user("nytilkommen", org, "reader", email="nytilkommen@example.invalid")
    Initiative.objects.create(direction=directions[2], number="3.1", title="Kom sent til", responsible_user=newcomer)
    Initiative.objects.create(direction=directions[2], number="3.2", title="Også sent", responsible_user=owner)
    opened_before = SentMail.objects.filter(kind=SentMail.Kind.OPENED, user=owner).count()
    mail.outbox.clear()
    client.force_login(editor)
    client.post(MISSING)
    to_newcomer = [m for m in mail.outbox if m.to == [newcomer.email]]
    assert len(to_newcomer) == 1 and "3.1" in to_newcomer[0].body and "3.2" not in to_newcomer[0].body
    assert SentMail.objects.filter(kind=SentMail.Kind.OPENED, user=owner).count() == opened_before == 1
    assert not [m for m in mail.outbox if m.to == [owner.email]]


def test_asking_again_creates_nothing_twice(client, editor, late):
    client.force_login(editor)
    client.post(MISSING)
    response = client.post(MISSING, follow=True)
    assert "Alle initiativer har allerede en indberetning i runden." in response.content.decode()
    assert UpdateRequest.objects.filter(initiative=late).count() == 1


def test_only_editors_may_request_and_only_by_post(client, owner, reader, late):
    for user, status in ((owner, 403), (reader, 403)):
        client.force_login(user)
        assert client.post(MISSING).status_code == status
        assert "er kommet til" not in client.get(URL).content.decode()
    assert client.get(MISSING).status_code == 405
    assert not UpdateRequest.objects.filter(initiative=late).exists()


def test_no_round_no_request(client, editor, plan, initiative):
    client.force_login(editor)
    assert client.post(MISSING).status_code == 404


def test_a_tovholders_home_page_points_to_their_waiting_requests(client, round_, owner, other_owner, editor, soon):
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert "Du skal skrive status" in page
    assert f"Testplan: 1 indberetning venter, frist {date_format(soon, 'DATE_FORMAT')}" in page
    assert 'href="/plans/testplan/mine/"' in page
    request = UpdateRequest.objects.get(owner=owner)
    request.state = UpdateRequest.State.SUBMITTED
    request.save()
    assert "Du skal skrive status" not in client.get("/").content.decode()  # nothing waits for them now
    client.force_login(editor)  # an editor with no request of their own
    assert "Du skal skrive status" not in client.get("/").content.decode()


def test_the_pointer_costs_no_query_on_pages_that_do_not_show_it(client, round_, owner, initiative):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)
    with CaptureQueriesContext(connection) as ctx:
        client.get(initiative.get_absolute_url())
    assert not [q for q in ctx.captured_queries if "followup_updaterequest" in q["sql"] and "COUNT" in q["sql"]]


def test_only_the_newest_round_takes_requests_for_new_initiatives(client, editor, round_, late, plan, soon):
    from followup.models import FollowUpRound

    newer = FollowUpRound.open(plan, 2026, soon, "", editor)
    client.force_login(editor)
    assert "er kommet til" not in client.get(URL).content.decode()  # 2025 is no longer the newest
    response = client.post(MISSING)
    assert response.status_code == 409
    assert "Kun den nyeste opfølgningsrunde kan få indberetninger for nye initiativer." in response.content.decode()
    assert not UpdateRequest.objects.filter(round=round_, initiative=late).exists()
    assert UpdateRequest.objects.filter(round=newer, initiative=late).exists()  # opened after it was added
