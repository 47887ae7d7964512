"""The yearly follow-up round (opfølgningsrunde): one update request per initiative,
written by its owner, reviewed by an editor, and printed in that year's report.

A request moves ikke påbegyndt → kladde → indsendt → godkendt, or from indsendt to
sendt retur (with the reviewer's comment) and back to kladde/indsendt. Approving
makes the reported status the initiative's current status, with its history entry.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.models import Activity, Initiative, Phase, Status, Versioned
from masterplan.models import YEAR_VALIDATORS, Plan


class FollowUpRound(Versioned):
    """One plan's follow-up for one year: a deadline and the editor's message."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="followup_rounds", verbose_name=_("plan"))
    year = models.PositiveSmallIntegerField(_("år"), validators=YEAR_VALIDATORS)
    deadline = models.DateField(_("frist"))
    message = models.TextField(_("besked til tovholderne"), blank=True, max_length=4000)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("åbnet af"),
    )
    opened_at = models.DateTimeField(_("åbnet"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "-year"]
        verbose_name = _("opfølgningsrunde")
        verbose_name_plural = _("opfølgningsrunder")
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="one_round_per_plan_year")]

    def __str__(self) -> str:
        return f"{self.plan.title}: opfølgning {self.year}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("round_detail", args=[self.plan.slug, self.year])

    @staticmethod
    def validate_opening(plan, year: int, deadline: datetime.date, today: datetime.date) -> None:
        """The rules for opening a round, in Danish, shared by the browser and open_round."""
        errors = {}
        if not plan.contains_year(year):
            errors["year"] = _("Året %(year)s ligger uden for planens periode (%(start)s–%(end)s).") % {
                "year": year, "start": plan.period_start, "end": plan.period_end}
        elif FollowUpRound.objects.filter(plan=plan, year=year).exists():
            errors["year"] = _("Der er allerede åbnet en opfølgningsrunde for %(year)s.") % {"year": year}
        if deadline is not None and deadline < today:
            errors["deadline"] = _("Fristen kan ikke ligge før i dag.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def open(cls, plan, year: int, deadline: datetime.date, message: str, user):
        """Open the round: one request per initiative, to its owner, else to `user`.

        Every request is saved one by one, so each is in the audit log.
        """
        cls.validate_opening(plan, year, deadline, timezone.localdate())
        with transaction.atomic():
            round_ = cls(plan=plan, year=year, deadline=deadline, message=message, opened_by=user)
            round_.full_clean()
            round_.save()
            round_._request_each(plan.initiatives, user)
        from .tasks import send_mails_soon

        send_mails_soon()
        return round_

    def _request_each(self, initiatives, user) -> int:
        """A request for each of `initiatives`, to its owner, else to `user`; saved one by one
        (each in the audit log). Returns how many."""
        made = 0
        for initiative in initiatives.only("id", "plan_id", "status", "phase", "responsible_user_id"):
            UpdateRequest.objects.create(
                round=self, initiative=initiative, owner_id=initiative.responsible_user_id or getattr(user, "pk", None),
                status=initiative.status, phase=initiative.phase,
            )
            made += 1
        return made

    def is_newest(self) -> bool:
        """Only the plan's newest round takes requests for initiatives added since it opened:
        an older year's round is done (its mails would be reminders for a past year)."""
        return not FollowUpRound.objects.filter(plan_id=self.plan_id, year__gt=self.year).exists()

    def missing_initiatives(self):
        """The plan's initiatives without a request in this round: added after it opened."""
        return self.plan.initiatives.exclude(pk__in=self.requests.values("initiative_id"))

    def request_missing(self, user) -> int:
        """Requests for the initiatives added since the round opened (`open` made the others).
        Safe against two editors at once: the round's row is locked first."""
        with transaction.atomic():
            FollowUpRound.objects.select_for_update().filter(pk=self.pk).first()
            made = self._request_each(self.missing_initiatives(), user)
        if made:
            from .tasks import send_mails_soon

            send_mails_soon()
        return made

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.deadline

    def progress(self, today: datetime.date | None = None, directions=()) -> dict:
        """How far the round is: counts by state, per direction (of `directions`), and
        the owners with requests still waiting after the deadline. Two grouped queries."""
        State = UpdateRequest.State
        overdue = self.is_overdue(today)
        rows = list(self.requests.order_by().values("state", "initiative__direction_id").annotate(n=models.Count("id")))
        counts = {state: sum(r["n"] for r in rows if r["state"] == state) for state in State.values}
        per_direction = []
        for direction in directions:
            mine = {state: sum(r["n"] for r in rows if r["state"] == state and r["initiative__direction_id"] == direction.pk)
                    for state in State.values}
            total = sum(mine.values())
            if total:
                per_direction.append({
                    "direction": direction, "total": total, "approved": mine[State.APPROVED],
                    "in": mine[State.SUBMITTED] + mine[State.APPROVED],
                    "waiting": sum(mine[s] for s in UpdateRequest.WAITING),
                })
        late_owners = []
        if overdue:
            late_owners = [
                {"name": " ".join(filter(None, [r["owner__first_name"], r["owner__last_name"]]))
                 or r["owner__username"] or "", "count": r["n"]}
                for r in self.requests.waiting().order_by().values(
                    "owner_id", "owner__username", "owner__first_name", "owner__last_name")
                .annotate(n=models.Count("id")).order_by("-n", "owner__username")[:20]
            ]
        waiting = sum(counts[s] for s in UpdateRequest.WAITING)
        return {
            "total": sum(counts.values()),
            "states": [{"value": s, "label": s.label, "count": counts[s]} for s in State],
            "submitted": counts[State.SUBMITTED], "approved": counts[State.APPROVED],
            "in": counts[State.SUBMITTED] + counts[State.APPROVED],
            "waiting": waiting, "overdue": waiting if overdue else 0,
            "directions": per_direction, "late_owners": late_owners, "is_overdue": overdue,
        }


class UpdateRequestQuerySet(models.QuerySet):
    def for_user(self, user, plan):
        """The plan's requests the user may see and act on: all for its editors, their
        own for owners. Used by every view of a round, so a missing check is a 404."""
        requests = self.filter(round__plan=plan)
        if plan.is_editable_by(user):
            return requests
        return requests.filter(owner=user) if user.is_authenticated else requests.none()

    def waiting(self):
        """Requests the owner still has to send in."""
        return self.filter(state__in=UpdateRequest.WAITING)


class UpdateRequest(Versioned):
    """One initiative's report in a round, from its owner."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Ikke påbegyndt")
        DRAFT = "draft", _("Kladde")
        SUBMITTED = "submitted", _("Indsendt")
        RETURNED = "returned", _("Sendt retur")
        APPROVED = "approved", _("Godkendt")

    WAITING = (State.NOT_STARTED, State.DRAFT, State.RETURNED)  # the owner's turn
    IN = (State.SUBMITTED, State.APPROVED)

    round = models.ForeignKey(FollowUpRound, on_delete=models.CASCADE, related_name="requests",
                              verbose_name=_("opfølgningsrunde"))
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="update_requests",
                                   verbose_name=_("initiativ"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="update_requests",
        verbose_name=_("tovholder"),
    )
    state = models.CharField(_("tilstand"), max_length=20, choices=State.choices, default=State.NOT_STARTED)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED)
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, default=Phase.NONE, blank=True)
    year_text = models.TextField(_("hvad er nået"), blank=True, max_length=4000)
    next_steps = models.TextField(_("næste skridt"), blank=True, max_length=4000)
    note = models.TextField(_("bemærkning til konsulenten"), blank=True, max_length=4000)
    review_comment = models.TextField(_("konsulentens kommentar"), blank=True, max_length=4000)
    return_count = models.PositiveSmallIntegerField(_("sendt retur (antal gange)"), default=0)
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("behandlet af"),
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = UpdateRequestQuerySet.as_manager()

    class Meta:
        ordering = ["round", "initiative__direction__order", "initiative__direction__number",
                    "initiative__order", "initiative_id"]
        verbose_name = _("indberetning")
        verbose_name_plural = _("indberetninger")
        constraints = [models.UniqueConstraint(fields=["round", "initiative"], name="one_request_per_initiative")]

    def __str__(self) -> str:
        return f"{self.initiative.number} · {self.round.year}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("request_detail", args=[self.round.plan.slug, self.round.year, self.pk])

    @property
    def is_waiting(self) -> bool:
        return self.state in self.WAITING

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_waiting and self.round.is_overdue(today)

    @property
    def owner_may_edit(self) -> bool:
        return self.state in self.WAITING

    def may_act(self, user) -> bool:
        """The owner writes their own request; the plan's editors any of them."""
        return (user.is_authenticated and self.owner_id == user.pk) or self.round.plan.is_editable_by(user)

    # The life cycle. Call each on a row from `UpdateRequest.lock()` inside a transaction.

    def write(self, data: dict, *, submit: bool):
        """The owner's form: save as draft, or submit for review."""
        for field in ("status", "phase", "year_text", "next_steps", "note"):
            setattr(self, field, data[field])
        if submit:
            self.state, self.submitted_at = self.State.SUBMITTED, timezone.now()
        else:
            self.state = self.State.DRAFT
        self.save_next_version()

    def send_back(self, reviewer, comment: str):
        self.state, self.review_comment = self.State.RETURNED, comment
        self.return_count += 1
        self.reviewed_by, self.reviewed_at = reviewer, timezone.now()
        self.save_next_version()

    def approve(self, reviewer, comment: str = ""):
        """Approve; the reported status becomes the initiative's, with a history entry."""
        self.state, self.review_comment = self.State.APPROVED, comment
        self.reviewed_by, self.reviewed_at = reviewer, timezone.now()
        self.save_next_version()
        initiative = Initiative.objects.select_for_update().get(pk=self.initiative_id)
        note = _("Opfølgning %(year)s: %(text)s") % {"year": self.round.year, "text": self.year_text}
        initiative.change_status(self.owner or reviewer, self.status, self.phase, note[:4000])

    def clean(self):
        if self.state == self.State.SUBMITTED and not self.year_text.strip():
            raise ValidationError({"year_text": _("Skriv, hvad der er nået, før du indsender.")})


def add_activity(initiative, year: int, period: str, text: str) -> Activity:
    activity = Activity(initiative=initiative, year=year, period=period, text=text,
                        order=initiative.activities.filter(year=year).count() + 1)
    activity.full_clean()
    activity.save()
    return activity


class MailPreference(models.Model):
    """A user's own choice about reminder mails (default: on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preference")
    reminders = models.BooleanField(
        _("send mig påmindelser"), default=True,
        help_text=_("Påmindelser før og efter fristen og den ugentlige oversigt over manglende "
                    "statusopdateringer. Mails om nye runder og om indberetninger sendt retur kommer altid."),
    )

    class Meta:
        verbose_name = _("mailindstilling")
        verbose_name_plural = _("mailindstillinger")

    def __str__(self) -> str:
        return f"{self.user}: {'til' if self.reminders else 'fra'}"

    @staticmethod
    def wants_reminders(user) -> bool:
        preference = getattr(user, "mail_preference", None)
        return preference is None or preference.reminders


class SentMail(models.Model):
    """What `send_reminders` has sent, keyed so that no mail goes out twice."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Ny opfølgningsrunde")
        DUE_SOON = "due_soon", _("Påmindelse før fristen")
        OVERDUE = "overdue", _("Fristen er overskredet")
        RETURNED = "returned", _("Sendt retur")
        ALL_IN = "all_in", _("Alle indberetninger er inde")
        STALE = "stale", _("Ugentlig oversigt")

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(_("art"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    to = models.CharField(_("modtager"), max_length=254)
    round = models.ForeignKey(FollowUpRound, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    request = models.ForeignKey(UpdateRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("sendt mail")
        verbose_name_plural = _("sendte mails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"
