"""Municipalities, their plans and the plans' numbered directions.

Access to plans is decided in exactly one place, `PlanQuerySet.visible_to`, and
every view that shows plan data narrows its queryset through it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from masterplan.nouns import COMMON, NEUTER, Noun
from masterplan.text import shorten
from masterplan.versioned import Versioned

# The years a plan, activity or budget line may name; dates before the first are refused
# where they would be used in a query (see reporting.dashboard.forms).
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100
YEAR_VALIDATORS = [MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)]
GENDER_CHOICES = [(COMMON, "en"), (NEUTER, "et")]

# The one length limit of a long plain text (and of a list's items together): the same in
# forms, model validation, Excel import and export, and well below Excel's 32,767 per cell.
LONG_TEXT = 10_000


class LongTextField(models.TextField):
    """Plain text whose length limit is checked by the model too (a TextField's max_length
    alone only reaches the form)."""

    def __init__(self, *args, max_length=LONG_TEXT, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))


def plain_text_list_default() -> list:
    return []


def validate_text_list(value) -> None:
    """Lists (success criteria, outcomes, …) are stored as JSON lists of strings."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Skal være en liste af tekster."), code="invalid_list")
    length = sum(len(item) + 1 for item in value) - 1  # as one text, one item per line
    if length > LONG_TEXT:
        raise ValidationError(_("Listen er for lang: højst %(limit)s tegn i alt (den har %(length)s)."),
                              code="max_length", params={"limit": LONG_TEXT, "length": length})


class Organization(models.Model):
    """A municipality: the tenant whose people and plans belong together."""

    name = models.CharField(_("navn"), max_length=200)
    slug = models.SlugField(_("kort navn"), max_length=100, unique=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one municipality."""

    class Role(models.TextChoices):
        READER = "reader", _("Læser")
        EDITOR = "editor", _("Redaktør")
        MANAGER = "manager", _("Leder")
        ADMIN = "admin", _("Administrator")

    # Roles that may change plan data; the others only read.
    WRITE_ROLES = frozenset({Role.EDITOR, Role.ADMIN})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("bruger"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("kommune"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices, default=Role.READER)

    class Meta:
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="one_membership_per_organization",
                violation_error_message=_("Brugeren er allerede medlem af denne kommune."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


# `reads_as(user)` for a superuser: every plan.
EVERY_PLAN = "every plan"


def reads_as(user):
    """Whom the user reads plans as: None (not logged in: no plan), EVERY_PLAN (a superuser)
    or the id of a member (their municipalities' plans and the published ones). The rule of
    `PlanQuerySet.visible_to`, and of the compiled plan lookup (masterplan.views)."""
    if not user.is_authenticated:
        return None
    return EVERY_PLAN if user.is_superuser else user.pk


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans the user may read: their municipalities' plans, and published ones."""
        reader = reads_as(user)
        if reader is None:
            return self.none()
        return self if reader is EVERY_PLAN else self.visible_to_member(reader)

    def visible_to_member(self, user_id: int):
        """`visible_to` for a member (`reads_as`), by the user's id."""
        return self.filter(
            models.Q(organization__memberships__user_id=user_id) | models.Q(published=True)
        ).distinct()

    def editable_by(self, user):
        """Plans the user may change: their municipalities', as editor or admin."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            organization__memberships__user=user,
            organization__memberships__role__in=Membership.WRITE_ROLES,
        ).distinct()

    def public(self):
        """Plans anybody may read without logging in: the published ones."""
        return self.filter(published=True)

    def readable_with_token(self, user):
        """Plans an API token of `user` may read: published plans and the plans of the
        user's own municipalities. Unlike `visible_to`, a superuser's token gets no more
        than that: a token is a key that can leak, so it never opens other
        municipalities' unpublished plans."""
        if not user.is_active:
            return self.public()
        return self.filter(models.Q(published=True) | models.Q(organization__memberships__user=user)).distinct()


class Plan(models.Model):
    """One politically adopted plan with a period of years."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="plans", verbose_name=_("kommune")
    )
    title = models.CharField(_("titel"), max_length=300)
    slug = models.SlugField(_("kort navn"), max_length=100, unique=True)
    period_start = models.PositiveSmallIntegerField(_("periode fra (år)"), validators=YEAR_VALIDATORS)
    period_end = models.PositiveSmallIntegerField(_("periode til (år)"), validators=YEAR_VALIDATORS)
    adopted_on = models.DateField(_("vedtaget den"), null=True, blank=True)
    adopted_by = models.CharField(_("vedtaget af"), max_length=300, blank=True)
    intro = LongTextField(_("indledning"), blank=True)
    vision = LongTextField(_("vision"), blank=True)
    direction_label = models.CharField(
        _("betegnelse for retning"), max_length=50, default="Retning",
        help_text=_("Fx Retning, Spor eller Fokusområde."),
    )
    direction_label_plural = models.CharField(
        _("betegnelse for retninger (flertal)"), max_length=50, default="Retninger"
    )
    initiative_label = models.CharField(
        _("betegnelse for initiativ"), max_length=50, default="Initiativ",
        help_text=_("Fx Initiativ, Indsats eller Handling."),
    )
    initiative_label_plural = models.CharField(
        _("betegnelse for initiativer (flertal)"), max_length=50, default="Initiativer"
    )
    # The labels' grammar (see masterplan.nouns): sentences agree with the plan's nouns.
    direction_label_gender = models.CharField(
        _("køn for retning"), max_length=2, choices=GENDER_CHOICES, default=COMMON,
        help_text=_("»en« (en retning, denne retning) eller »et« (et spor, dette spor)."),
    )
    direction_label_definite = models.CharField(
        _("retning i bestemt form"), max_length=60, default="retningen", help_text=_("Fx retningen, sporet."),
    )
    direction_label_plural_definite = models.CharField(
        _("retninger i bestemt form flertal"), max_length=60, default="retningerne",
        help_text=_("Fx retningerne, sporene."),
    )
    initiative_label_gender = models.CharField(
        _("køn for initiativ"), max_length=2, choices=GENDER_CHOICES, default=NEUTER,
        help_text=_("»en« (en indsats, denne indsats) eller »et« (et initiativ, dette initiativ)."),
    )
    initiative_label_definite = models.CharField(
        _("initiativ i bestemt form"), max_length=60, default="initiativet",
        help_text=_("Fx initiativet, indsatsen."),
    )
    initiative_label_plural_definite = models.CharField(
        _("initiativer i bestemt form flertal"), max_length=60, default="initiativerne",
        help_text=_("Fx initiativerne, indsatserne."),
    )
    stale_after_days = models.PositiveSmallIntegerField(
        _("opdatering forventes hver (dage)"), default=90, validators=[MinValueValidator(1)],
        help_text=_("Et initiativ uden statusopdatering i så mange dage vises under »Uden statusopdatering« på overblikket."),
    )
    example_note = models.TextField(
        _("note om eksempeldata"), blank=True,
        help_text=_("Udfyldes kun, når planens statusser er eksempeldata (demo); vises på alle sider med statusser."),
    )
    published = models.BooleanField(
        _("offentliggjort"), default=False,
        help_text=_("En offentliggjort plan kan læses af alle: borgere på det offentlige site og i de "
                    "åbne data, og brugere fra alle kommuner."),
    )
    # What the public site and the open data show beyond the plan's texts, activities
    # and statuses. Status notes, owners and history are never public.
    public_responsible = models.BooleanField(
        _("vis ansvarlige offentligt"), default=False,
        help_text=_("Vis feltet »Ansvarlig« for indsatser og aktiviteter på det offentlige site og i de åbne "
                    "data. Ansvarlige personer er ofte navngivne medarbejdere."),
    )
    public_budget = models.BooleanField(
        _("vis økonomi offentligt"), default=False,
        help_text=_("Vis bevillinger og budgetlinjer på det offentlige site og i de åbne data."),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "-period_start", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("planer")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.slug])

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": _("Periodens slutår kan ikke ligge før dens startår.")}
            )

    def get_public_url(self) -> str:
        return reverse("public_plan", args=[self.slug])

    @cached_property
    def direction_noun(self) -> Noun:
        return Noun(self.direction_label, self.direction_label_plural, self.direction_label_gender,
                    self.direction_label_definite, self.direction_label_plural_definite)

    @cached_property
    def initiative_noun(self) -> Noun:
        return Noun(self.initiative_label, self.initiative_label_plural, self.initiative_label_gender,
                    self.initiative_label_definite, self.initiative_label_plural_definite)

    def is_editable_by(self, user) -> bool:
        """Whether the user may change this plan (the rule itself is `editable_by`)."""
        return Plan.objects.editable_by(user).filter(pk=self.pk).exists()

    def report_year(self) -> int:
        """The year whose follow-up is due: last year, kept inside the plan period."""
        from django.utils import timezone

        return min(max(timezone.localdate().year - 1, self.period_start), self.period_end)

    @property
    def period_label(self) -> str:
        """"2024–2027", or "2018" for a plan of one year (not "2018–2018")."""
        if self.period_start == self.period_end:
            return str(self.period_start)
        return f"{self.period_start}–{self.period_end}"

    @property
    def years(self) -> range:
        return range(self.period_start, self.period_end + 1)

    def contains_year(self, year) -> bool:
        return year is not None and self.period_start <= year <= self.period_end


class NumberedInPlan(models.Model):
    """Shared by directions and initiatives: a number that is unique in its plan.

    Uniqueness is checked in `clean()` with a Danish message on the number field (a
    model form without the plan field would otherwise skip the database constraint
    and fail with an IntegrityError); the constraint stays as the last guard.
    """

    class Meta:
        abstract = True

    def siblings(self):
        raise NotImplementedError

    def clean_number_unique(self):
        if self.number in (None, "") or self.plan_id is None:
            return
        # An import checking a thousand rows keeps the plan's numbers in memory instead of a
        # query per row: `numbers_taken` maps each number to its object (saved or about to be).
        taken = getattr(self, "numbers_taken", None)
        if taken is not None:
            holder = taken.get(self.number)
            clash = holder is not None and holder is not self
        else:
            clash = self.siblings().filter(number=self.number).exclude(pk=self.pk).exists()
        if clash:
            raise ValidationError({"number": self.number_taken(self.number)}, code="unique")

    @staticmethod
    def number_taken(number) -> str:
        return _("Der findes allerede nummer %(number)s i denne plan. Vælg et andet nummer.") % {"number": number}

    def validate_constraints(self, exclude=None):
        # The (plan, number) constraint is covered by clean_number_unique().
        super().validate_constraints(exclude=set(exclude or ()) | {"number"})


class Direction(Versioned, NumberedInPlan):
    """A numbered direction (retning / spor / fokusområde) of a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="directions", verbose_name=_("plan"))
    number = models.PositiveSmallIntegerField(_("nummer"), validators=[MinValueValidator(1)])
    title = models.CharField(_("kort titel"), max_length=200, blank=True)
    statement = LongTextField(_("formulering"))
    goal = LongTextField(_("mål"), blank=True)
    purpose = LongTextField(_("formål"), blank=True)
    description = LongTextField(_("beskrivelse"), blank=True)
    success_criteria = models.JSONField(
        _("succeskriterier"), default=plain_text_list_default, blank=True, validators=[validate_text_list]
    )
    focus_points = models.JSONField(
        _("fokuspunkter"), default=plain_text_list_default, blank=True, validators=[validate_text_list]
    )
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["plan", "order", "number"]
        verbose_name = _("retning")
        verbose_name_plural = _("retninger")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="direction_number_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.title or shorten(self.statement, 80)}"

    def get_absolute_url(self) -> str:
        return reverse("direction_detail", args=[self.plan.slug, self.number])

    def siblings(self):
        return Direction.objects.filter(plan_id=self.plan_id)

    def clean(self):
        self.clean_number_unique()

    @property
    def label(self) -> str:
        return f"{self.plan.direction_label} {self.number}"


COMPLAINTS_URL = "https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/"


class AccessibilityStatement(models.Model):
    """The portal's accessibility statement (webtilgængelighedsloven § 4): one per
    installation, filled in by the municipality in the admin and shown at
    /tilgaengelighed/. Until it is saved, the page shows what the portal itself
    knows and says that the contact details are missing."""

    class Compliance(models.TextChoices):
        FULL = "full", _("overholder fuldt ud WCAG 2.1 niveau AA")
        PARTIAL = "partial", _("overholder delvist WCAG 2.1 niveau AA")
        NONE = "none", _("overholder ikke WCAG 2.1 niveau AA")

    class Method(models.TextChoices):
        SELF = "self", _("Kommunen har selv evalueret portalen")
        EXTERNAL = "external", _("En ekstern part har evalueret portalen")
        OTHER = "other", _("Anden metode")

    authority = models.CharField(
        _("ansvarlig myndighed"), max_length=200, blank=True, help_text=_("Fx Svendborg Kommune, Socialafdelingen."))
    contact_email = models.EmailField(_("e-mail til henvendelser"), blank=True)
    contact_phone = models.CharField(_("telefon til henvendelser"), max_length=50, blank=True)
    response_time = models.CharField(
        _("svartid"), max_length=200, blank=True, help_text=_("Fx »Vi svarer inden for 10 arbejdsdage.«"))
    compliance = models.CharField(
        _("overholdelsesstatus"), max_length=10, choices=Compliance.choices, default=Compliance.PARTIAL,
        help_text=_("»Overholder delvist«, indtil portalen er gennemgået manuelt."))
    known_problems = models.TextField(
        _("kendte problemer"), blank=True,
        help_text=_("Ét problem pr. linje, som »- tekst«. Vises under de problemer, portalen selv kender."))
    method = models.CharField(_("evalueringsmetode"), max_length=10, choices=Method.choices, default=Method.SELF)
    method_description = models.TextField(
        _("beskrivelse af evalueringen"), blank=True,
        help_text=_("Hvem gennemgik portalen, hvordan (fx tastatur og skærmlæser) og hvornår."))
    prepared_on = models.DateField(_("erklæringen er udarbejdet den"), null=True, blank=True)
    prepared_by = models.CharField(_("udarbejdet af"), max_length=200, blank=True)
    reviewed_on = models.DateField(_("senest gennemgået den"), null=True, blank=True)
    complaints_url = models.URLField(
        _("link til klagevejledningen"), default=COMPLAINTS_URL,
        help_text=_("Digitaliseringsstyrelsens vejledning om at klage over ikke-tilgængeligt indhold."))
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("tilgængelighedserklæring")
        verbose_name_plural = _("tilgængelighedserklæring")

    def __str__(self) -> str:
        return str(_("Tilgængelighedserklæring"))

    @classmethod
    def current(cls) -> "AccessibilityStatement":
        """The saved statement, or an unsaved one with the defaults."""
        return cls.objects.order_by("pk").first() or cls()

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_email or self.contact_phone)
