"""send_reminders: what is due on a day is sent once, whatever the number of runs."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from followup.models import FollowUpRound, MailPreference, SentMail
from initiatives.models import Initiative, StatusUpdate

pytestmark = pytest.mark.django_db


def run(today: datetime.date) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_opening_mail_once_per_owner_with_text_and_html(round_, owner, other_owner):
    today = datetime.date.today()
    assert run(today) == "2 mails sendt.\n"
    assert run(today) == "0 mails sendt.\n"
    (message,) = mails_to("tovholder@example.invalid")
    assert message.subject.startswith("Opfølgning 2025: skriv status for dine initiativer senest")
    assert "Skriv kort og konkret." in message.body and "Kære tovholder" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and 'lang="da"' in html
    req = round_.requests.get(owner=owner)
    assert f'href="https://portal.example.dk/plans/testplan/rounds/2025/requests/{req.pk}/"' in html
    assert "Et andet initiativ" not in message.body


def test_the_opening_mail_speaks_the_plans_own_nouns(plan, initiative, owner, editor):
    """Ikast-Brande's plan has "indsatser" (en indsats): the mail says so, and agrees."""
    plan.initiative_label, plan.initiative_label_plural = "Indsats", "Indsatser"
    plan.initiative_label_gender, plan.initiative_label_definite = "en", "indsatsen"
    plan.initiative_label_plural_definite = "indsatserne"
    plan.save()
    FollowUpRound.open(plan, 2025, datetime.date.today() + datetime.timedelta(days=20), "", editor)
    run(datetime.date.today())
    (message,) = mails_to("tovholder@example.invalid")
    assert message.subject.startswith("Opfølgning 2025: skriv status for dine indsatser senest")
    assert "Skriv status for de indsatser, du er tovholder på" in message.body
    assert "Din indsats:" in message.body and "initiativ" not in message.body.replace(initiative.title, "")
    assert "Mine indsatser" in message.alternatives[0][0]


def test_reminder_before_the_deadline_once_per_request(round_, owner, other_owner):
    run(datetime.date.today())
    mail.outbox.clear()
    day = round_.deadline - datetime.timedelta(days=3)
    assert run(day) == "2 mails sendt.\n"
    assert run(day) == "0 mails sendt.\n"
    assert run(day + datetime.timedelta(days=1)) == "0 mails sendt.\n"
    assert "om 3 dage" in mails_to("tovholder@example.invalid")[0].body
    assert SentMail.objects.filter(kind="due_soon").count() == 2


def test_after_the_deadline_one_overdue_reminder_per_unsubmitted_request(round_, owner, other_owner, directions):
    second = Initiative.objects.create(direction=directions[2], number="3.1", title="Tovholderens andet",
                                       responsible_user=owner)
    FollowUpRound.objects.filter(pk=round_.pk).delete()
    round_ = FollowUpRound.open(round_.plan, 2025, round_.deadline, "", None)
    submitted = round_.requests.get(initiative__number="2.1")
    submitted.state, submitted.year_text = "submitted", "Færdig."
    submitted.save()
    run(datetime.date.today())
    mail.outbox.clear()

    after = round_.deadline + datetime.timedelta(days=1)
    assert run(after) == "1 mails sendt.\n"  # tovholder's two requests in one mail; 2.1 is in
    assert run(after) == "0 mails sendt.\n"
    assert run(after + datetime.timedelta(days=7)) == "0 mails sendt.\n"
    (message,) = mail.outbox
    assert message.to == ["tovholder@example.invalid"]
    assert "Sagsbehandlingstider" in message.body and second.title in message.body
    overdue = SentMail.objects.filter(kind="overdue")
    assert sorted(overdue.values_list("request__initiative__number", flat=True)) == ["1.1", "3.1"]


def test_owner_who_turned_reminders_off_gets_no_reminders_but_still_the_opening_mail(round_, owner, other_owner):
    MailPreference.objects.create(user=owner, reminders=False)
    assert len(mails_to("tovholder@example.invalid")) == 0
    run(datetime.date.today())
    assert len(mails_to("tovholder@example.invalid")) == 1
    run(round_.deadline - datetime.timedelta(days=1))
    run(round_.deadline + datetime.timedelta(days=1))
    assert len(mails_to("tovholder@example.invalid")) == 1
    assert len(mails_to("anden@example.invalid")) == 3


def test_editors_are_told_once_when_every_request_is_in(round_, editor):
    editor.email = "redaktoer@example.invalid"
    editor.save()
    run(datetime.date.today())
    round_.requests.update(state="submitted")
    assert run(datetime.date.today()) == "1 mails sendt.\n"
    assert run(datetime.date.today()) == "0 mails sendt.\n"
    (message,) = mails_to("redaktoer@example.invalid")[-1:]
    assert message.subject == "Alle indberetninger til opfølgning 2025 er inde"
    assert "https://portal.example.dk/plans/testplan/rounds/2025/" in message.body


def test_weekly_digest_of_stale_initiatives_outside_rounds(plan, initiative, owner):
    StatusUpdate.objects.create(initiative=initiative, author=owner, status="on_track")
    today = datetime.date.today()
    assert run(today) == "0 mails sendt.\n"  # just updated
    later = today + datetime.timedelta(days=plan.stale_after_days + 1)
    later += datetime.timedelta(days=(8 - later.isoweekday()) % 7)  # a Monday
    assert run(later) == "1 mails sendt.\n"
    assert run(later) == "0 mails sendt.\n"
    assert run(later + datetime.timedelta(days=3)) == "0 mails sendt.\n"  # the same week
    (message,) = mail.outbox[:1]
    assert message.subject == "Ugentlig oversigt: uden statusopdatering i længere tid"
    assert "1.1 Sagsbehandlingstider" in message.body
    assert f"https://portal.example.dk/plans/testplan/mine/#initiativ-{initiative.pk}" in message.body
    next_week = later + datetime.timedelta(days=7)
    assert run(next_week) == "1 mails sendt.\n"
    Initiative.objects.filter(pk=initiative.pk).update(status="done")
    assert run(next_week + datetime.timedelta(days=7)) == "0 mails sendt.\n"


def test_a_mail_that_fails_is_not_recorded_and_goes_out_on_the_next_run(round_, owner, other_owner, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp is down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", broken)
        assert run(datetime.date.today()) == "0 mails sendt.\n"
    assert not SentMail.objects.exists()
    assert run(datetime.date.today()) == "2 mails sendt.\n"


def test_send_reminders_refuses_a_bad_date():
    with pytest.raises(CommandError, match="kunne ikke læses. Skriv den som dd-mm-åååå"):
        call_command("send_reminders", "--today", "i går")
