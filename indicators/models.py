"""What a plan measures: indicators with a baseline and a target, and their
measurements over time.

An indicator belongs to one plan and to any of its directions and initiatives (the
links are rows of their own, so adding or removing one is in the audit log like
every other write). Measurements are versioned like activities: a correction saved
from an older version is refused instead of overwriting someone else's.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative, Versioned
from masterplan.models import Direction, LongTextField, Plan


class Frequency(models.TextChoices):
    NONE = "", _("Ikke angivet")
    MONTHLY = "monthly", _("Hver måned")
    QUARTERLY = "quarterly", _("Hvert kvartal")
    HALF_YEARLY = "half_yearly", _("Hvert halve år")
    YEARLY = "yearly", _("Hvert år")


# A measurement is overdue this many days after the previous one (a little slack
# beyond the period itself, so "every quarter" is not overdue on day 92).
FREQUENCY_DAYS = {
    Frequency.MONTHLY: 31 + 14,
    Frequency.QUARTERLY: 92 + 30,
    Frequency.HALF_YEARLY: 183 + 30,
    Frequency.YEARLY: 366 + 30,
}


class GoodDirection(models.TextChoices):
    UP = "up", _("Højere er bedre")
    DOWN = "down", _("Lavere er bedre")


class Track(models.TextChoices):
    """Where an indicator stands: always shown as these words, never as a colour alone."""

    REACHED = "reached", _("Mål nået")
    ON_TRACK = "on_track", _("På sporet")
    OFF_TRACK = "off_track", _("Ikke på sporet")
    NOT_ASSESSED = "not_assessed", _("Kan ikke vurderes endnu")
    NO_TARGET = "no_target", _("Intet mål")
    NO_DATA = "no_data", _("Ingen målinger")


class MeasurementPeriod(models.TextChoices):
    DATE = "date", _("Dato")
    PRIMO = "primo", _("Primo")
    ULTIMO = "ultimo", _("Ultimo")
    Q1 = "q1", _("1. kvartal")
    Q2 = "q2", _("2. kvartal")
    Q3 = "q3", _("3. kvartal")
    Q4 = "q4", _("4. kvartal")
    H1 = "h1", _("1. halvår")
    H2 = "h2", _("2. halvår")
    YEAR = "year", _("Hele året")


# The day a period's value is plotted at: the start for primo, otherwise its last day.
PERIOD_DAY = {
    MeasurementPeriod.PRIMO: (1, 1), MeasurementPeriod.ULTIMO: (12, 31),
    MeasurementPeriod.Q1: (3, 31), MeasurementPeriod.Q2: (6, 30), MeasurementPeriod.Q3: (9, 30),
    MeasurementPeriod.Q4: (12, 31), MeasurementPeriod.H1: (6, 30), MeasurementPeriod.H2: (12, 31),
    MeasurementPeriod.YEAR: (12, 31),
}


def period_date(period: str, year: int) -> datetime.date:
    month, day = PERIOD_DAY[MeasurementPeriod(period)]
    return datetime.date(year, month, day)


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Indicators of the plans the user may read (the rule lives on Plan)."""
        return self.filter(plan__in=Plan.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(plan__in=Plan.objects.editable_by(user))

    def measurable_by(self, user):
        """Indicators whose measurements the user may add, correct and delete: those of the
        plans they edit, and, as owner (tovholder), those linked to an initiative they may
        update (`Initiative.objects.updatable_by`, the follow-up round's rule)."""
        owned = Initiative.objects.updatable_by(user).values("pk")
        return self.filter(models.Q(plan__in=Plan.objects.editable_by(user))
                           | models.Q(initiative_links__initiative__in=owned)).distinct()

    def with_latest(self):
        """Annotate the latest and the first measurement (date and value) and the
        number of measurements: one query for a whole list, whatever its length."""
        measurements = Measurement.objects.filter(indicator=models.OuterRef("pk"))
        latest = measurements.order_by("-date")
        first = measurements.order_by("date")
        return self.annotate(
            latest_date=models.Subquery(latest.values("date")[:1]),
            latest_value=models.Subquery(latest.values("value")[:1]),
            first_date=models.Subquery(first.values("date")[:1]),
            first_value=models.Subquery(first.values("value")[:1]),
            measurement_count=models.Count("measurements", distinct=True),
        )


class Indicator(Versioned):
    """A number the plan promises to follow: unit, source, baseline, target."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators", editable=False)
    name = models.CharField(_("navn"), max_length=300)
    unit = models.CharField(_("enhed"), max_length=50, blank=True, help_text=_("Fx antal, %, dage."))
    description = LongTextField(_("beskrivelse"), blank=True, max_length=4000)
    source = models.CharField(
        _("kilde"), max_length=300, blank=True, help_text=_("Fx Nexus, Danmarks Statistik, egen optælling.")
    )
    directions = models.ManyToManyField(
        Direction, through="IndicatorDirection", related_name="indicators", blank=True, verbose_name=_("retninger")
    )
    initiatives = models.ManyToManyField(
        Initiative, through="IndicatorInitiative", related_name="indicators", blank=True,
        verbose_name=_("initiativer"),
    )
    baseline_value = models.DecimalField(_("udgangspunkt"), max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_date = models.DateField(_("udgangspunkt pr."), null=True, blank=True)
    target_value = models.DecimalField(_("mål"), max_digits=16, decimal_places=4, null=True, blank=True)
    target_date = models.DateField(_("mål nås senest"), null=True, blank=True)
    good_direction = models.CharField(
        _("retning for det gode"), max_length=4, choices=GoodDirection.choices, default=GoodDirection.UP
    )
    frequency = models.CharField(
        _("forventet måling"), max_length=20, choices=Frequency.choices, default=Frequency.NONE, blank=True,
        help_text=_("Hvor ofte en ny måling forventes; en manglende måling vises som forsinket."),
    )
    responsible = models.CharField(_("ansvarlig"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="indicator_name_unique_in_plan")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("indicator_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.plan_id and self.name:
            others = Indicator.objects.filter(plan_id=self.plan_id, name=self.name).exclude(pk=self.pk)
            if others.exists():
                errors["name"] = self.name_taken()
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            errors["target_date"] = _("Målets dato skal ligge efter udgangspunktets dato.")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # The (plan, name) constraint is checked in clean() with a Danish message.
        super().validate_constraints(exclude=set(exclude or ()) | {"name"})

    @staticmethod
    def name_taken() -> str:
        return _("Der findes allerede en indikator med dette navn i planen.")

    def new_links(self, directions, initiatives) -> list:
        """The link rows of a new indicator, not yet saved (an import inserts them with the
        indicator, `audit.bulk_create`): each checked by its model, but for the indicator, which
        has no id yet, and for uniqueness, which a new indicator's links have by being a set."""
        links = [IndicatorDirection(indicator=self, direction=d) for d in {d.pk: d for d in directions}.values()]
        links += [IndicatorInitiative(indicator=self, initiative=i) for i in {i.pk: i for i in initiatives}.values()]
        for link in links:
            link.full_clean(exclude=["indicator"], validate_constraints=False)
            link.check_plan()
        return links

    def set_links(self, directions, initiatives):
        """Make these the indicator's directions and initiatives, one audited row each."""
        for model, field, wanted in [(IndicatorDirection, "direction", directions),
                                     (IndicatorInitiative, "initiative", initiatives)]:
            wanted_pks = {obj.pk for obj in wanted}
            rows = model.objects.filter(indicator=self)
            for row in rows.exclude(**{f"{field}_id__in": wanted_pks}):
                row.delete()
            existing = set(rows.values_list(f"{field}_id", flat=True))
            for pk in sorted(wanted_pks - existing):
                link = model(indicator=self, **{f"{field}_id": pk})
                link.full_clean()
                link.save()

    # Reading where the indicator stands. The list annotates latest/first with
    # IndicatorQuerySet.with_latest(); the detail page passes its measurements.

    def track(self, latest=None, first=None) -> Track:
        """On or off track at the latest measurement: the target reached, or at least
        as far along the straight line from the baseline (or the first measurement)
        to the target as the time elapsed."""
        if latest is None:
            return Track.NO_DATA
        if self.target_value is None:
            return Track.NO_TARGET
        sign = 1 if self.good_direction == GoodDirection.UP else -1
        latest_date, latest_value = latest
        if sign * (latest_value - self.target_value) >= 0:
            return Track.REACHED
        start = None
        if self.baseline_value is not None:
            start = (self.baseline_date, self.baseline_value)
        elif first is not None and first[0] != latest_date:
            start = first
        if start is None:
            return Track.NOT_ASSESSED
        start_date, start_value = start
        expected = start_value
        if start_date and self.target_date and self.target_date > start_date:
            elapsed = (latest_date - start_date).days / (self.target_date - start_date).days
            share = Decimal(str(min(max(elapsed, 0.0), 1.0)))
            expected = start_value + (self.target_value - start_value) * share
            return Track.ON_TRACK if sign * (latest_value - expected) >= 0 else Track.OFF_TRACK
        # No dates to measure progress against: on track if it moved the right way.
        return Track.ON_TRACK if sign * (latest_value - start_value) > 0 else Track.OFF_TRACK

    def next_due(self, latest_date=None):
        """When the next measurement is expected (None without a frequency)."""
        if not self.frequency:
            return None
        reference = latest_date or self.baseline_date or datetime.date(self.plan.period_start, 1, 1)
        return reference + datetime.timedelta(days=FREQUENCY_DAYS[Frequency(self.frequency)])

    def is_overdue(self, latest_date=None, today=None) -> bool:
        """A measurement was expected inside the plan period and has not come."""
        due = self.next_due(latest_date)
        if due is None:
            return False
        today = today or datetime.date.today()
        return due < today and due <= datetime.date(self.plan.period_end, 12, 31)


class IndicatorDirection(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="direction_links")
    direction = models.ForeignKey(Direction, on_delete=models.CASCADE, related_name="indicator_links",
                                  verbose_name=_("retning"))

    class Meta:
        verbose_name = _("indikatorens retning")
        verbose_name_plural = _("indikatorens retninger")
        constraints = [models.UniqueConstraint(fields=["indicator", "direction"], name="indicator_direction_once")]

    def __str__(self) -> str:
        return f"{self.indicator} → {self.direction.number}"

    @property
    def plan_id(self):  # the audit log files the row under the indicator's plan
        return self.indicator.plan_id

    def clean(self):
        if self.indicator_id and self.direction_id:
            self.check_plan()

    def check_plan(self):
        if self.direction.plan_id != self.indicator.plan_id:
            raise ValidationError({"direction": _("Retningen skal høre til indikatorens plan.")})


class IndicatorInitiative(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="initiative_links")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="indicator_links",
                                   verbose_name=_("initiativ"))

    class Meta:
        verbose_name = _("indikatorens initiativ")
        verbose_name_plural = _("indikatorens initiativer")
        constraints = [models.UniqueConstraint(fields=["indicator", "initiative"], name="indicator_initiative_once")]

    def __str__(self) -> str:
        return f"{self.indicator} → {self.initiative.number}"

    def clean(self):
        if self.indicator_id and self.initiative_id:
            self.check_plan()

    def check_plan(self):
        if self.initiative.plan_id != self.indicator.plan_id:
            raise ValidationError({"initiative": _("Initiativet skal høre til indikatorens plan.")})


class Measurement(Versioned):
    """One value of an indicator at a date, or for a period (primo/ultimo, a quarter,
    a half-year, a year) which is plotted at its day in `PERIOD_DAY`."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    period = models.CharField(_("periode"), max_length=6, choices=MeasurementPeriod.choices,
                              default=MeasurementPeriod.DATE)
    date = models.DateField(_("dato"))
    value = models.DecimalField(_("værdi"), max_digits=16, decimal_places=4)
    note = LongTextField(_("note"), blank=True, max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("indberettet af")
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["indicator", "date"]
        verbose_name = _("måling")
        verbose_name_plural = _("målinger")
        constraints = [models.UniqueConstraint(fields=["indicator", "date"], name="one_measurement_per_date")]

    def __str__(self) -> str:
        from .forms import format_number

        return f"{self.indicator}: {self.label} = {format_number(self.value)}"

    @property
    def plan_id(self):  # the audit log files the row under the indicator's plan
        return self.indicator.plan_id

    @property
    def label(self) -> str:
        """"primo 2025", "2. kvartal 2025", "2025" or the date."""
        from django.utils.formats import date_format

        if self.period == MeasurementPeriod.DATE or not self.date:
            return date_format(self.date, "DATE_FORMAT") if self.date else ""
        if self.period == MeasurementPeriod.YEAR:
            return str(self.date.year)
        return f"{MeasurementPeriod(self.period).label} {self.date.year}"

    def clean(self):
        errors = {}
        if self.indicator_id and self.date:
            plan = self.indicator.plan
            if not plan.contains_year(self.date.year):
                errors["date"] = _("Målingen skal ligge i planens periode (%(start)s–%(end)s).") % {
                    "start": plan.period_start, "end": plan.period_end}
            elif self._date_taken():
                errors["date"] = _("Der findes allerede en måling for %(when)s.") % {"when": self.label}
        if errors:
            raise ValidationError(errors)

    def _date_taken(self) -> bool:
        """Whether another measurement of the indicator has this date. An import checking
        thousands of rows sets `dates_taken` (the indicator's dates, those in the database and
        those it is about to insert; `date_held`, the row's own) instead of a query per row."""
        taken = getattr(self, "dates_taken", None)
        if taken is not None:
            return self.date in taken and self.date != getattr(self, "date_held", None)
        return Measurement.objects.filter(indicator_id=self.indicator_id, date=self.date).exclude(pk=self.pk).exists()

    def first_save_winner(self):
        """Another add of the same date that committed first (see Versioned.apply)."""
        return Measurement.objects.filter(indicator_id=self.indicator_id, date=self.date).first()

    def validate_constraints(self, exclude=None):
        # The (indicator, date) constraint is checked in clean() with a Danish message.
        super().validate_constraints(exclude=set(exclude or ()) | {"date"})


def apply_series(indicator: Indicator, rows: list[dict], author) -> tuple[int, int]:
    """Write a pasted series all or nothing: new dates are added, known dates get
    the new value (a correction, as the next version). Every row is validated first;
    the problems of all rows are raised together, with their line numbers."""
    from django.db import transaction

    existing = {m.date: m for m in indicator.measurements.all()}
    planned, errors = [], []
    for row in rows:
        measurement = existing.get(row["date"]) or Measurement(indicator=indicator, author=author)
        changed = (measurement.pk is None or measurement.value != row["value"] or measurement.period != row["period"]
                   or (row["note"] and measurement.note != row["note"]))
        if not changed:
            continue
        measurement.period, measurement.date, measurement.value = row["period"], row["date"], row["value"]
        if row["note"]:
            measurement.note = row["note"]
        try:
            measurement.full_clean()
        except ValidationError as error:
            for messages in error.message_dict.values():
                errors.extend(_("Linje %(n)s: %(error)s") % {"n": row["line"], "error": m} for m in messages)
            continue
        planned.append(measurement)
    if errors:
        raise ValidationError(errors)
    created = updated = 0
    with transaction.atomic():
        for measurement in planned:
            if measurement.pk is None:
                measurement.save()
                created += 1
            else:
                Measurement.lock(measurement.pk, measurement.version)
                measurement.save_next_version()
                updated += 1
    return created, updated
