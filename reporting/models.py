"""Report editions (the annual political follow-up) and rendered PDFs."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.models import StaleEdit, Versioned
from masterplan.models import YEAR_VALIDATORS, Plan


class ReportEditionQuerySet(models.QuerySet):
    def current(self, plan, year):
        """The edition shown for the year: the newest one (a draft supersedes a final)."""
        return self.filter(plan=plan, year=year).order_by("-created_at", "-id").first()


class ReportEdition(Versioned):
    """One edition of a plan's follow-up for a year.

    A draft always shows the live plan data. Finalising freezes a JSON snapshot of
    everything the report shows, and the PDF made from it is stored on the row: it
    never changes afterwards. A final edition cannot be edited, only superseded
    by a new draft.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        FINAL = "final", _("Endelig")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="report_editions", verbose_name=_("plan"))
    year = models.PositiveSmallIntegerField(_("år"), validators=YEAR_VALIDATORS)
    title = models.CharField(_("titel"), max_length=300)
    intro = models.TextField(_("indledning"), blank=True)
    committee = models.CharField(_("udvalg"), max_length=300, blank=True)
    meeting_date = models.DateField(_("mødedato"), null=True, blank=True)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.DRAFT)
    snapshot = models.JSONField(_("fastfrosset indhold"), null=True, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    finalised_at = models.DateTimeField(_("gjort endelig"), null=True, blank=True, editable=False)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("gjort endelig af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    objects = ReportEditionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-year", "-created_at", "-id"]
        verbose_name = _("opfølgning")
        verbose_name_plural = _("opfølgninger")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"], condition=models.Q(state="draft"), name="one_draft_report_per_plan_year",
                violation_error_message=_("Der findes allerede en kladde til denne opfølgning."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.year}: {self.title} ({self.get_state_display()})"

    @property
    def is_final(self) -> bool:
        return self.state == self.State.FINAL

    @classmethod
    def unsaved_default(cls, plan, year):
        """The edition a year has before anyone saved one: defaults from the plan."""
        return cls(plan=plan, year=year, title=_default_title(plan, year), intro=_default_intro(plan, year),
                   committee=plan.adopted_by)

    def first_save_winner(self):
        """The draft another editor's first save of this year wrote (see Versioned.apply)."""
        return type(self).objects.filter(plan_id=self.plan_id, year=self.year, state=self.State.DRAFT).first()

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, state=self.State.FINAL).exists():
            raise ValidationError(_("En endelig opfølgning kan ikke ændres. Opret en ny udgave i stedet."))
        super().save(*args, **kwargs)

    def finalise(self, snapshot: dict, content_hash: str, user=None):
        """Freeze `snapshot` (made by reporting.report.content.build_snapshot from this draft).

        The row is locked and checked inside the lock, so of two finalisations at once
        exactly one writes: the other gets ValidationError (already final) or StaleEdit
        (the draft was saved since `snapshot` was made from it).
        """
        with transaction.atomic():
            current = type(self)._default_manager.select_for_update().get(pk=self.pk)
            if current.is_final:
                raise ValidationError(_("Opfølgningen er allerede endelig."))
            if current.version != self.version:
                raise StaleEdit(current)
            current.snapshot = snapshot
            current.content_hash = content_hash
            current.state = self.State.FINAL
            current.finalised_at = timezone.now()
            current.finalised_by = user if user is not None and user.is_authenticated else None
            current.version += 1  # a form opened before this is now stale, not a write to a final edition
            current.save()
        for name in ("snapshot", "content_hash", "state", "finalised_at", "finalised_by", "version"):
            setattr(self, name, getattr(current, name))

    def new_draft(self):
        """A new draft that supersedes this final edition, with its texts."""
        return ReportEdition.objects.create(
            plan=self.plan, year=self.year, title=self.title, intro=self.intro,
            committee=self.committee, meeting_date=self.meeting_date,
        )

    def store_pdf(self, pdf: bytes) -> bool:
        """Store the final PDF once; an already stored PDF is never replaced."""
        return bool(type(self).objects.filter(pk=self.pk, state=self.State.FINAL, pdf__isnull=True).update(pdf=pdf))


def _default_intro(plan, year) -> str:
    """The plan's own introduction for its first year's follow-up (seed 000 is that text);
    for later years a default that names the year, never another year's text."""
    if year == plan.period_start and plan.intro:
        return plan.intro
    return str(_(
        "Dette er opfølgningen for %(year)s på %(plan)s. Den gør status på hvert punkt i planen: "
        "hvad der er sket, hvad der er planlagt for de kommende år, og status med bemærkninger. "
        "Oplysningerne er planens data pr. datoen på forsiden."
    ) % {"year": year, "plan": plan.title})


def _default_title(plan, year) -> str:
    return str(_("Årlig politisk opfølgning på %(plan)s") % {"plan": plan.title})


class ReportRender(models.Model):
    """One PDF rendering job and its result, keyed by the hash of what it shows.

    An unchanged draft has the same hash, so its PDF is served from here instead
    of being rendered again; a final edition's PDF is copied onto the edition.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Venter")
        RUNNING = "running", _("Dannes")
        DONE = "done", _("Færdig")
        FAILED = "failed", _("Fejlet")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="report_renders")
    year = models.PositiveSmallIntegerField()
    content_hash = models.CharField(max_length=64, unique=True)
    snapshot = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    pdf = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)


    class Meta:
        verbose_name = _("PDF-dannelse")
        verbose_name_plural = _("PDF-dannelser")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.year} {self.content_hash[:12]} {self.state}"

    @property
    def is_done(self) -> bool:
        return self.state == self.State.DONE

    @property
    def is_failed(self) -> bool:
        return self.state == self.State.FAILED

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)

    @staticmethod
    def stale_after() -> datetime.timedelta:
        """A job pending or running this long is presumed lost (the worker died): the
        render's wall-clock backstop (WALL_CLOCK_FACTOR × REPORT_RENDER_TIMEOUT) and a
        minute for queueing."""
        from reporting.report.pdf import WALL_CLOCK_FACTOR  # the parent's wall-clock backstop

        timeout = float(getattr(settings, "REPORT_RENDER_TIMEOUT", 300))
        return datetime.timedelta(seconds=timeout * WALL_CLOCK_FACTOR + 60)

    def is_stale(self) -> bool:
        started = self.started_at or self.created_at
        return self.in_progress and started is not None and timezone.now() - started > self.stale_after()


# The public side's models live with their code; importing them here registers them
# with the app.
from .public.models import ApiToken, Feedback  # noqa: E402, F401
