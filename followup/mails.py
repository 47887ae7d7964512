"""Which mails are due, and sending each of them once.

`send_due(today)` looks at every active round and at owners' stale initiatives and
sends what is due that day. Each mail is recorded in `SentMail` under keys that
say what it was for (one key per request it mentions), in the same transaction as
it is sent, so a second run the same day finds the keys and sends nothing new; a
mail that fails to send is not recorded and goes out on the next run.

Due mails (Danish, plain text and HTML, links from PORTAL_BASE_URL):
- opened:   one per owner when a round opens, listing their initiatives;
- due_soon: once per waiting request, REMINDER_DAYS_BEFORE days before the deadline;
- overdue:  once per waiting request, the day after the deadline or later;
- returned: each time a request is sent back, with the reviewer's comment;
- all_in:   to the plan's editors once every request is submitted or approved;
- stale:    weekly, to owners of initiatives without a status update for longer
            than their plan's threshold (outside rounds too).
Owners who turned reminders off get no due_soon, overdue or stale mails.
"""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from initiatives.models import Initiative, Status, StatusUpdate
from masterplan.models import Membership

from .models import FollowUpRound, MailPreference, SentMail, UpdateRequest

logger = logging.getLogger(__name__)
REMINDER_DAYS_BEFORE = 5
Kind = SentMail.Kind


def absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def send_due(today: datetime.date | None = None) -> int:
    """Send every mail that is due on `today` and not sent before; the number sent."""
    today = today or timezone.localdate()
    sent = 0
    with translation.override("da"):
        all_in_sent = SentMail.objects.filter(kind=Kind.ALL_IN).values("round_id")
        active = (FollowUpRound.objects
                  .filter(Q(requests__state__in=UpdateRequest.WAITING + (UpdateRequest.State.SUBMITTED,))
                          | ~Q(pk__in=all_in_sent))
                  .distinct().select_related("plan__organization", "opened_by"))
        for round_ in active:
            sent += round_mails(round_, today)
        sent += stale_digests(today)
    return sent


def round_mails(round_: FollowUpRound, today: datetime.date) -> int:
    requests = list(round_.requests.select_related("initiative", "owner__mail_preference")
                    .order_by("initiative__direction__number", "initiative__order", "initiative_id"))
    done = set(SentMail.objects.filter(round=round_).values_list("key", flat=True))
    by_owner = defaultdict(list)
    for request in requests:
        if request.owner is not None:
            by_owner[request.owner].append(request)
    sent = 0
    base = {"round": round_, "plan": round_.plan, "round_url": absolute(round_.get_absolute_url()),
            "mine_url": absolute(reverse("my_initiatives", args=[round_.plan.slug]))}

    for owner, own in by_owner.items():
        key = f"opened:{round_.pk}:{owner.pk}"
        if key not in done:
            sent += send(Kind.OPENED, owner, [(key, None)], round_, {**base, "requests": links(own)})
        if not MailPreference.wants_reminders(owner):
            continue
        waiting = [r for r in own if r.is_waiting]
        if round_.deadline < today:
            kind, prefix = Kind.OVERDUE, "overdue"
        elif round_.deadline - datetime.timedelta(days=REMINDER_DAYS_BEFORE) <= today \
                and timezone.localdate(round_.opened_at) < today:
            kind, prefix = Kind.DUE_SOON, "due_soon"
        else:
            continue
        due = [r for r in waiting if f"{prefix}:{r.pk}" not in done]
        if due:
            keys = [(f"{prefix}:{r.pk}", r) for r in due]
            sent += send(kind, owner, keys, round_, {**base, "requests": links(due),
                                                     "days_left": (round_.deadline - today).days})

    for request in requests:
        key = f"returned:{request.pk}:{request.return_count}"
        if request.state == UpdateRequest.State.RETURNED and request.owner and key not in done:
            sent += send(Kind.RETURNED, request.owner, [(key, request)], round_,
                         {**base, "request": request, "url": absolute(request.get_absolute_url())})

    key = f"all_in:{round_.pk}"
    if requests and key not in done and all(r.state in UpdateRequest.IN for r in requests):
        for editor in plan_editors(round_):
            sent += send(Kind.ALL_IN, editor, [(f"{key}:{editor.pk}", None)], round_,
                         {**base, "count": len(requests)}, extra_key=key)
    return sent


def links(requests) -> list[dict]:
    return [{"request": r, "url": absolute(r.get_absolute_url())} for r in requests]


def plan_editors(round_) -> list:
    """The plan's editors and admins with an e-mail address, and whoever opened the round."""
    users = {m.user for m in Membership.objects.filter(
        organization_id=round_.plan.organization_id, role__in=Membership.WRITE_ROLES).select_related("user")}
    if round_.opened_by is not None:
        users.add(round_.opened_by)
    return sorted((u for u in users if u.email), key=lambda u: u.pk)


def stale_digests(today: datetime.date) -> int:
    """The weekly list, per owner, of their initiatives without a recent status update.

    Sent on the first run of each ISO week. Initiatives waiting for the owner in a
    round are left out: the round's own reminders cover them.
    """
    week = today.isocalendar()
    tag = f"{week.year}-W{week.week:02d}"
    end_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
    last_update = Subquery(StatusUpdate.objects.filter(initiative=OuterRef("pk"))
                           .order_by("-created_at", "-id").values("created_at")[:1])
    waiting = UpdateRequest.objects.filter(initiative=OuterRef("pk"), state__in=UpdateRequest.WAITING)
    candidates = (
        Initiative.objects.filter(responsible_user__isnull=False,
                                  plan__organization__memberships__user=F("responsible_user"))
        .exclude(status=Status.DONE).exclude(responsible_user__email="")
        .exclude(Exists(waiting))
        .annotate(last_update=Coalesce(last_update, F("created_at")))
        .select_related("plan", "responsible_user__mail_preference")
        .order_by("responsible_user_id", "plan__title", "number")
    )
    by_owner = defaultdict(list)
    for initiative in candidates:
        if initiative.last_update < end_of_day - datetime.timedelta(days=initiative.plan.stale_after_days):
            by_owner[initiative.responsible_user].append(initiative)
    done = set(SentMail.objects.filter(kind=Kind.STALE, key__endswith=tag).values_list("key", flat=True))
    sent = 0
    for owner, initiatives in by_owner.items():
        key = f"stale:{owner.pk}:{tag}"
        if key in done or not MailPreference.wants_reminders(owner):
            continue
        plans = defaultdict(list)
        for initiative in initiatives:
            plans[initiative.plan].append({
                "initiative": initiative, "days": (today - timezone.localdate(initiative.last_update)).days,
                "url": absolute(reverse("my_initiatives", args=[initiative.plan.slug])) + f"#initiativ-{initiative.pk}",
            })
        sent += send(Kind.STALE, owner, [(key, None)], None, {"plans": [
            {"plan": plan, "rows": rows, "mine_url": absolute(reverse("my_initiatives", args=[plan.slug]))}
            for plan, rows in plans.items()]})
    return sent


SUBJECTS = {
    Kind.OPENED: lambda c: _("Opfølgning %(year)s: skriv status for dine %(initiatives)s senest %(deadline)s"),
    Kind.DUE_SOON: lambda c: _("Påmindelse: opfølgning %(year)s skal sendes senest %(deadline)s"),
    Kind.OVERDUE: lambda c: _("Fristen for opfølgning %(year)s er overskredet"),
    Kind.RETURNED: lambda c: _("Din indberetning til opfølgning %(year)s er sendt retur"),
    Kind.ALL_IN: lambda c: _("Alle indberetninger til opfølgning %(year)s er inde"),
    Kind.STALE: lambda c: _("Ugentlig oversigt: uden statusopdatering i længere tid"),
}


def send(kind, user, keys, round_, context, extra_key: str | None = None) -> int:
    """Record `keys` and send one mail to `user`, in one transaction; 0 if already
    recorded by a concurrent run or if sending failed (retried on the next run)."""
    if not user.email:
        return 0
    context = {**context, "user": user, "kind": kind}
    if round_ is not None:
        values = {"year": round_.year, "deadline": date_format(round_.deadline, "DATE_FORMAT"),
                  "initiatives": round_.plan.initiative_noun.plural}
    else:
        values = {}
    subject = SUBJECTS[kind](context) % values
    text = render_to_string(f"followup/mail/{kind}.txt", context)
    html = render_to_string(f"followup/mail/{kind}.html", {**context, "subject": subject})
    try:
        with transaction.atomic():
            for key, request in keys:
                SentMail.objects.create(key=key, kind=kind, user=user, to=user.email, round=round_, request=request)
            if extra_key:
                SentMail.objects.get_or_create(key=extra_key, defaults={
                    "kind": kind, "user": None, "to": "", "round": round_})
            message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
            message.attach_alternative(html, "text/html")
            message.send()
    except IntegrityError:
        return 0
    except Exception:  # the SMTP server, a template: log it, keep the others going
        logger.exception("mail_failed kind=%s user=%s", kind, user.pk)
        return 0
    return 1
