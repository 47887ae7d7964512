"""Initiatives under a plan's directions, their activities, status and budget.

Every write to these models (and to the plan models) is recorded by the audit
mechanism in `initiatives.audit`, as an `AuditEntry` (`initiatives.audit_models`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from masterplan.labels import choice_label
from masterplan.text import shorten
from masterplan.versioned import StaleEdit, Versioned  # noqa: F401 (re-exported: the portal imports them from here)
from masterplan.models import (
    YEAR_VALIDATORS,
    Direction,
    LongTextField,
    NumberedInPlan,
    Plan,
    plain_text_list_default,
    validate_text_list,
)

from .audit_models import AuditEntry  # noqa: F401 (re-exported: the portal imports it from here)

from .choices import Period, Phase, Status  # noqa: F401 (re-exported: the rest of the portal imports them from here)


# Statuses that need a manager's or the committee's attention (dashboard and report).
ATTENTION_STATUSES = (Status.DELAYED, Status.AT_RISK)
# Finished initiatives need no more status updates, so they are never stale.
STALE_EXEMPT = (Status.DONE,)


class InitiativeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Initiatives of the plans the user may read (the access rule lives on Plan)."""
        return self.filter(plan__in=Plan.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(plan__in=Plan.objects.editable_by(user))

    def needs_attention(self):
        """Delayed or at risk: what the dashboard lists and the report's summary names."""
        return self.filter(status__in=ATTENTION_STATUSES)

    def with_last_update(self):
        """Annotated with `last_update`: the newest status update's time, else the creation time."""
        newest = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-created_at", "-id")
        return self.annotate(last_update=Coalesce(Subquery(newest.values("created_at")[:1]), F("created_at")))

    @staticmethod
    def stale_condition(cutoff) -> Q:
        """On `with_last_update()`: no status update since `cutoff`, and not finished."""
        return Q(last_update__lt=cutoff) & ~Q(status__in=STALE_EXEMPT)

    def stale(self, cutoff):
        """Initiatives nobody has updated since `cutoff` (now less the plan's stale_after_days)."""
        return self.with_last_update().filter(self.stale_condition(cutoff))

    def updatable_by(self, user):
        """Initiatives whose status, phase, activities and follow-up reports the user may
        write: all of the plans they may edit, and, as owner (tovholder), the ones they
        are the responsible user of in their own municipalities."""
        if not user.is_authenticated:
            return self.none()
        owned = models.Q(responsible_user=user, plan__organization__memberships__user=user)
        return self.filter(models.Q(plan__in=Plan.objects.editable_by(user)) | owned).distinct()

    def search(self, text: str):
        """Free-text search: every word as a substring; on PostgreSQL also full-text
        search in Danish (stemming, so "borgere" finds "borgerne")."""
        from django.db import connection

        condition = models.Q()
        for word in text.split():
            condition &= (
                models.Q(number__icontains=word) | models.Q(title__icontains=word)
                | models.Q(description__icontains=word) | models.Q(goal__icontains=word)
                | models.Q(purpose__icontains=word) | models.Q(responsible__icontains=word)
            )
        if connection.vendor != "postgresql":
            return self.filter(condition)
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # Whole words by their Danish stem, or parts of words as the user types them.
        vector = SearchVector("number", "title", "description", "goal", "purpose", "responsible", config="danish")
        query = SearchQuery(text, config="danish", search_type="websearch")
        return self.annotate(search=vector).filter(models.Q(search=query) | condition)


class Initiative(Versioned, NumberedInPlan):
    """A concrete effort (initiativ / projekt / indsats / handling) under one direction.

    `plan` is always the direction's plan; it is kept on the row so that numbers can
    be unique per plan in the database and plan-wide queries need no join.
    """

    class Kind(models.TextChoices):
        INITIATIVE = "initiativ", _("Initiativ")
        PROJECT = "projekt", _("Projekt")

    @classmethod
    def kind_choices(cls, plan) -> list:
        """The kinds in the plan's own words: its initiatives are not all "initiativer"."""
        return [(cls.Kind.INITIATIVE, plan.initiative_label), (cls.Kind.PROJECT, _("Projekt"))]

    @property
    def kind_label(self) -> str:
        return dict(self.kind_choices(self.plan))[self.kind]

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="initiatives", editable=False)
    direction = models.ForeignKey(
        Direction, on_delete=models.CASCADE, related_name="initiatives", verbose_name=_("retning")
    )
    number = models.CharField(
        _("nummer"), max_length=20,
        help_text=_("Fx 2.3 eller 4.1.1; skal være entydigt i planen."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INITIATIVE)
    title = models.CharField(_("titel"), max_length=300)
    description = LongTextField(_("beskrivelse"), blank=True)
    goal = LongTextField(_("mål"), blank=True)
    purpose = LongTextField(_("formål"), blank=True)
    follow_up = LongTextField(_("implementering og opfølgning"), blank=True)
    deadline = models.CharField(_("tidsplan/frist"), max_length=200, blank=True)
    success_criteria = models.JSONField(
        _("succeskriterier"), default=plain_text_list_default, blank=True, validators=[validate_text_list]
    )
    expected_outcomes = models.JSONField(
        _("forventede resultater"), default=plain_text_list_default, blank=True, validators=[validate_text_list]
    )
    actions = models.JSONField(
        _("konkrete handlinger"), default=plain_text_list_default, blank=True, validators=[validate_text_list]
    )
    responsible = models.CharField(_("ansvarlig"), max_length=300, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="responsible_for", verbose_name=_("ansvarlig bruger"),
    )
    start_date = models.DateField(_("startdato"), null=True, blank=True)
    end_date = models.DateField(_("slutdato"), null=True, blank=True)
    funding_amount = models.DecimalField(
        _("bevilling (kr.)"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    funding_source = models.CharField(_("bevilget af"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED)
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, default=Phase.NONE, blank=True)
    cross_links = models.ManyToManyField(
        Direction, through="CrossLink", related_name="supported_by", blank=True,
        verbose_name=_("understøtter også"),
    )
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "direction__order", "direction__number", "order", "id"]
        verbose_name = _("initiativ")
        verbose_name_plural = _("initiativer")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="initiative_number_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("initiative_detail", args=[self.pk])

    def siblings(self):
        return Initiative.objects.filter(plan_id=self.plan_id)

    @property
    def needs_attention(self) -> bool:
        return self.status in ATTENTION_STATUSES

    def is_updatable_by(self, user) -> bool:
        """Whether the user may update status, phase and activities (rule: `updatable_by`)."""
        return Initiative.objects.updatable_by(user).filter(pk=self.pk).exists()

    def clean(self):
        if self.direction_id:
            self.plan_id = self.direction.plan_id
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Slutdatoen kan ikke ligge før startdatoen.")
        if errors:
            raise ValidationError(errors)
        self.clean_number_unique()

    def save(self, *args, **kwargs):
        if self.direction_id:
            self.plan_id = self.direction.plan_id
        super().save(*args, **kwargs)

    def change_status(self, author, status, phase, note=""):
        """Record a status update and make it the initiative's current status.

        Call on a row from `Initiative.lock()` inside a transaction.
        """
        update = StatusUpdate(initiative=self, author=author, status=status, phase=phase, note=note)
        update.full_clean()
        update.save()
        self.status, self.phase = status, phase
        self.save_next_version()
        return update

    def set_cross_links(self, directions):
        """Make `directions` the other directions this initiative supports."""
        wanted = {d.pk for d in directions}
        for link in self.cross_link_rows.exclude(direction_id__in=wanted):
            link.delete()
        existing = set(self.cross_link_rows.values_list("direction_id", flat=True))
        for direction in directions:
            if direction.pk not in existing:
                link = CrossLink(initiative=self, direction=direction)
                link.full_clean()
                link.save()
        self.save_next_version()


class CrossLink(models.Model):
    """Another direction of the same plan that an initiative also supports."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="cross_link_rows")
    direction = models.ForeignKey(Direction, on_delete=models.CASCADE, related_name="cross_link_rows",
                                  verbose_name=_("retning"))

    class Meta:
        verbose_name = _("understøttet retning")
        verbose_name_plural = _("understøttede retninger")
        ordering = ["direction__order", "direction__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "direction"],
                name="cross_link_once",
                violation_error_message=_("Retningen er allerede markeret."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative.number} → {self.direction.number}"

    def clean(self):
        # An import checks the links of a new initiative before it is inserted (in bulk).
        has_initiative = self.initiative_id is not None or CrossLink.initiative.field.is_cached(self)
        if not (has_initiative and self.direction_id):
            return
        if self.direction.plan_id != self.initiative.plan_id:
            raise ValidationError(
                {"direction": _("Vælg blandt %(directions)s i samme plan.") % {
                    "directions": self.initiative.plan.direction_noun.plural_definite}}
            )
        if self.direction_id == self.initiative.direction_id:
            raise ValidationError(
                {"direction": _("%(initiative)s kan ikke også understøtte %(own_direction)s.") % {
                    "initiative": self.initiative.plan.initiative_noun.a.capitalize(),
                    "own_direction": self.initiative.plan.direction_noun.own}}
            )


class Activity(Versioned):
    """A planned or done step of an initiative, placed in a year of the plan."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="activities")
    year = models.PositiveSmallIntegerField(_("år"), validators=YEAR_VALIDATORS)
    period = models.CharField(_("periode"), max_length=4, choices=Period.choices, default=Period.YEAR)
    text = LongTextField(_("aktivitet"), max_length=4000)
    responsible = models.CharField(_("ansvarlig"), max_length=300, blank=True)
    deadline = models.CharField(_("frist"), max_length=200, blank=True)
    done = models.BooleanField(_("udført"), default=False)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["year", "order", "id"]
        verbose_name = _("aktivitet")
        verbose_name_plural = _("aktiviteter")
        indexes = [
            # An initiative's activities in their order, and a plan's counted by year (dashboard,
            # direction page, report): one index range per initiative, already sorted.
            models.Index(fields=["initiative", "year", "order", "id"], name="activity_initiative_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {choice_label(self, 'period')}: {shorten(self.text, 60)}"

    def clean(self):
        if self.initiative_id and self.year is not None:
            plan = self.initiative.plan
            if not plan.contains_year(self.year):
                raise ValidationError({"year": _(
                    "Året skal ligge i planens periode (%(start)s–%(end)s)."
                ) % {"start": plan.period_start, "end": plan.period_end}})


class StatusUpdate(models.Model):
    """One reported status of an initiative: the history managers and reports read."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("af")
    )
    created_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, blank=True)
    note = LongTextField(_("bemærkning"), blank=True, max_length=4000)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("statusopdatering")
        verbose_name_plural = _("statusopdateringer")
        indexes = [
            # An initiative's latest status (dashboard, stale lists, report): without it, and with
            # stale statistics, PostgreSQL scanned created_at backwards through every plan's updates.
            models.Index(fields=["initiative", "-created_at", "-id"], name="status_initiative_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.number}: {choice_label(self, 'status')}"


class BudgetLine(models.Model):
    """An amount for one budget year, on a plan or on one of its initiatives."""

    class Kind(models.TextChoices):
        EXPENSE = "expense", _("Udgift")
        FINANCING = "financing", _("Finansiering")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("plan"))
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="budget_lines",
        verbose_name=_("initiativ"),
    )
    year = models.PositiveSmallIntegerField(_("år"), validators=YEAR_VALIDATORS)
    amount = models.DecimalField(_("beløb (kr.)"), max_digits=14, decimal_places=2)
    label = models.CharField(_("tekst"), max_length=300)
    kind = models.CharField(_("art"), max_length=20, choices=Kind.choices, default=Kind.EXPENSE)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["plan", "kind", "order", "year", "id"]
        verbose_name = _("budgetlinje")
        verbose_name_plural = _("budgetlinjer")

    def __str__(self) -> str:
        # As the history shows it: "2024 Handleplan …: 25.000.000 kr.", not "25000000".
        text = f"{self.amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".").removesuffix(",00")
        return f"{self.year} {self.label}: {text} kr."

    def clean(self):
        errors = {}
        if self.initiative_id and self.plan_id and self.initiative.plan_id != self.plan_id:
            errors["initiative"] = _("Initiativet skal høre til samme plan som budgetlinjen.")
        if self.plan_id and self.year is not None and not self.plan.contains_year(self.year):
            errors["year"] = _("Året skal ligge i planens periode (%(start)s–%(end)s).") % {
                "start": self.plan.period_start, "end": self.plan.period_end}
        if errors:
            raise ValidationError(errors)
