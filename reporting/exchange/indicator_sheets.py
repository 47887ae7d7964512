"""The »Indikatorer« and »Målinger« sheets: rows out, and rows in checked by model forms
like the other sheets (`reporting.exchange.forms`).

Indicators are matched by name within the plan, measurements by indicator and date,
so a re-import updates in place. An indicator's directions and initiatives are
numbers of rows in »Retninger« and »Initiativer«. A file without these sheets (an
older export) leaves the plan's indicators untouched; a full file (not an extract)
removes indicators and measurements it does not hold, like the other sheets.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, Measurement

from .rows import still_old_number, values_of
from .workbook import SHEET_INDICATORS, SHEET_MEASUREMENTS, header
from .forms import CellField, CellMeta, LookupCell, MoneyCell, NumbersCell, RowForm, as_text


def export_rows(plan) -> dict:
    indicators = list(plan.indicators.order_by("order", "id").prefetch_related(
        "direction_links__direction", "initiative_links__initiative"))
    rows = []
    for indicator in indicators:
        row = {key: getattr(indicator, key) for key in IndicatorRowForm._meta.fields}
        row["directions"] = ", ".join(str(n) for n in sorted(
            link.direction.number for link in indicator.direction_links.all())) or None
        row["initiatives"] = ", ".join(sorted(
            (link.initiative.number for link in indicator.initiative_links.all()), key=_natural)) or None
        row["id"] = indicator.pk  # the hidden last column, as on every sheet
        rows.append(row)
    name_of = {i.pk: i.name for i in indicators}
    measurements = (Measurement.objects.filter(indicator__plan=plan).select_related("author")
                    .order_by("indicator__order", "indicator_id", "date"))
    return {
        SHEET_INDICATORS: rows,
        SHEET_MEASUREMENTS: [
            {"indicator": name_of[m.indicator_id], "period": m.period, "date": m.date, "value": m.value,
             "note": m.note, "author": m.author.get_username() if m.author else None, "id": m.pk}
            for m in measurements
        ],
    }


def _natural(number: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", number)]


class NumberCell(MoneyCell):
    """A measured value: any number, kept to the model's four decimals (not whole øre)."""

    default_error_messages = {"invalid": _("»%(value)s« er ikke et tal.")}

    def to_python(self, value):
        if isinstance(value, float):
            return Decimal(repr(value))
        return super().to_python(value)


class CodesCell(CellField):
    """Initiative numbers, comma-separated: "2.3, 4.1"."""

    def to_python(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return [part for part in re.split(r"[,;\s]+", as_text(value)) if part]


class IndicatorRowForm(RowForm):
    trusted = ("plan",)

    class Meta(CellMeta):
        model = Indicator
        fields = ["name", "unit", "description", "source", "baseline_value", "baseline_date", "target_value",
                  "target_date", "good_direction", "frequency", "responsible"]

    baseline_value = NumberCell(required=False, label=_("udgangspunkt"))
    target_value = NumberCell(required=False, label=_("mål"))
    directions = NumbersCell(required=False)
    initiatives = CodesCell(required=False)


class MeasurementRowForm(RowForm):
    trusted = ("indicator", "author")

    class Meta(CellMeta):
        model = Measurement
        fields = ["period", "date", "value", "note", "author"]

    indicator = LookupCell(message=_("Indikatoren »%(value)s« findes ikke i arket »Indikatorer«."))
    value = NumberCell(label=_("værdi"))
    author = LookupCell(message=_("Brugeren »%(value)s« findes ikke i kommunen."), required=False)


def write(run, plan, created: bool, directions: dict, initiatives: dict) -> None:
    """Both sheets, after the plan's other sheets (their rows are what these refer to)."""
    if SHEET_INDICATORS not in run.parsed.sheets:
        return
    indicators = write_indicators(run, plan, created, directions, initiatives)
    if SHEET_MEASUREMENTS in run.parsed.sheets:
        write_measurements(run, indicators)


def write_indicators(run, plan, created, directions, initiatives) -> dict:
    sheet, headers = run.sheets[SHEET_INDICATORS], {"directions": "Retninger", "initiatives": "Initiativer"}
    keys = IndicatorRowForm._meta.fields
    existing = {} if created else {i.name: i for i in plan.indicators.prefetch_related(
        "direction_links__direction", "initiative_links__initiative")}
    result, named = {}, set()  # named: the new indicators' names
    for order, (row, data) in enumerate(run.parsed.sheets[SHEET_INDICATORS], start=1):
        name = as_text(data.get("name")).strip()
        indicator = existing.pop(name, None) if name not in result else None
        is_new = indicator is None
        indicator = indicator or Indicator(plan=plan)
        before = values_of(indicator, keys)
        if not is_new:
            before["directions"] = sorted(link.direction.number for link in indicator.direction_links.all())
            before["initiatives"] = sorted(link.initiative.number for link in indicator.initiative_links.all())
        form = IndicatorRowForm(data, instance=indicator)
        if name:
            result.setdefault(name, indicator)
        if not form.is_valid():
            run.form_problems(SHEET_INDICATORS, row, form)
            continue
        linked = {}
        for key, pool, message in [
            ("directions", directions, _("Retning %(value)s findes ikke i arket »Retninger«.")),
            ("initiatives", initiatives, _("Initiativ %(value)s findes ikke i arket »Initiativer«.")),
        ]:
            wanted = form.cleaned_data[key] or []
            missing = [str(v) for v in wanted if pool.get(v) is None or pool[v].pk is None]
            for value in missing:
                run.parsed.add(SHEET_INDICATORS, row, headers[key], message % {"value": value})
            linked[key] = [pool[v] for v in wanted if str(v) not in missing]
        # A linked initiative renumbered on its sheet, still named by its old number here: the
        # link would move to whichever initiative took that number (as in RowSheets.checked_rows).
        wanted = [str(v) for v in form.cleaned_data["initiatives"] or []]
        for link in [] if is_new else indicator.initiative_links.all():
            old, new = run.renamed.get(link.initiative_id, (None, None))
            if old is not None and old in wanted and new not in wanted:
                run.parsed.add(SHEET_INDICATORS, row, headers["initiatives"], still_old_number(old, new))
        after = {**values_of(indicator, keys), "directions": sorted(d.number for d in linked["directions"]),
                 "initiatives": sorted(i.number for i in linked["initiatives"])}
        change = None if is_new else run.change(SHEET_INDICATORS, indicator.name, before, after)
        if change and not run.may_write(SHEET_INDICATORS, indicator, indicator.name, change.fields):
            indicator.refresh_from_db()
            continue
        if is_new:
            if name in named:  # inserted together: the model's check in the database sees neither
                run.parsed.add(SHEET_INDICATORS, row, header(SHEET_INDICATORS, "name"), Indicator.name_taken())
                continue
            named.add(name)
            indicator.order = order
            run.create_later(indicator)  # with the sheet's other new indicators, then their links
            for link in indicator.new_links(linked["directions"], linked["initiatives"]):
                run.create_later(link)
            sheet.new.append(indicator.name)
            continue
        if change or indicator.order != order:
            if change:
                indicator.version += 1
            indicator.order = order
            indicator.save()
        indicator.set_links(linked["directions"], linked["initiatives"])
        if change:
            sheet.changed.append(change)
    run.create_pending()
    if not run.parsed.is_extract:
        for indicator in existing.values():
            if run.may_write(SHEET_INDICATORS, indicator, indicator.name):
                sheet.removed.append(indicator.name)
                indicator.delete()
    return result


def write_measurements(run, indicators: dict) -> None:
    from .importer import _key

    sheet = run.sheets[SHEET_MEASUREMENTS]
    keys = MeasurementRowForm._meta.fields
    saved = [i for i in indicators.values() if i.pk is not None]
    existing = {(m.indicator_id, m.date): m for m in Measurement.objects.filter(indicator__in=saved)}
    by_pk = {i.pk: i for i in saved}
    lookups = {"indicator": indicators, "author": run.users()}
    seen = set()
    # Each indicator's dates, in the database and about to be inserted: the rows' uniqueness
    # is checked against these in memory (Measurement.dates_taken), and new rows go in together.
    taken: dict = {}
    for indicator_id, date in existing:
        taken.setdefault(indicator_id, set()).add(date)
    form = None  # one form checks every row (RowForm.for_row)
    for row, data in run.parsed.sheets[SHEET_MEASUREMENTS]:
        indicator = indicators.get(as_text(data.get("indicator")).strip())
        date = _key(MeasurementRowForm, "date", data.get("date"))
        key = (indicator.pk, date) if indicator is not None and indicator.pk else None
        measurement = existing.get(key) if key not in seen else None
        is_new = measurement is None
        measurement = measurement or Measurement(indicator=indicator)
        if not is_new:
            measurement.indicator = by_pk[measurement.indicator_id]
        before = values_of(measurement, keys)
        if indicator is not None and indicator.pk:
            dates = taken.setdefault(indicator.pk, set())
            measurement.dates_taken = dates
            measurement.date_held = None if is_new else measurement.date  # its own date is not "another"
        form = MeasurementRowForm.for_row(form, data, instance=measurement, lookups=lookups)
        if not form.is_valid():
            run.form_problems(SHEET_MEASUREMENTS, row, form)
            continue
        if measurement.indicator.pk is None:
            continue  # its indicator's row has errors, already reported
        seen.add(key)
        label = f"{measurement.indicator.name}: {measurement.label}"
        change = None if is_new else run.change(SHEET_MEASUREMENTS, label, before, values_of(measurement, keys))
        if change and not run.may_write(SHEET_MEASUREMENTS, measurement, label, change.fields):
            measurement.refresh_from_db()
            continue
        if is_new:
            taken[measurement.indicator.pk].add(measurement.date)
            run.create_later(measurement)
            sheet.new.append(label)
        elif change:
            measurement.version += 1
            measurement.save()
            sheet.changed.append(change)
    run.create_pending()
    if not run.parsed.is_extract:
        for key, measurement in existing.items():
            label = f"{by_pk[measurement.indicator_id].name}: {measurement.label}"
            if key not in seen and run.may_write(SHEET_MEASUREMENTS, measurement, label):
                sheet.removed.append(label)
                measurement.delete()

