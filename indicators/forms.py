"""Forms for indicators and measurements, and the CSV series parser.

Numbers are typed the Danish way ("12,5", "1.234,5") or with a decimal point
("12.5"); both are understood, and anything else gets a Danish message."""

import csv
import datetime
import io
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from initiatives.forms import DKFDSMixin, IdsField, VersionField
from initiatives.models import Initiative
from masterplan.models import Direction

from .models import Indicator, Measurement, MeasurementPeriod, period_date

NOT_A_NUMBER = _("Værdien skal være et tal, fx 12 eller 12,5.")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_number(text) -> Decimal:
    """ "1.234,5" / "1234,5" / "1234.5" / "12 %" → Decimal; ValueError if not a number."""
    if isinstance(text, (int, float, Decimal)):
        return Decimal(str(text))
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if abs(value) >= Decimal("1e12"):
        raise ValueError(text)
    return value.quantize(Decimal("0.0001"))


class NumberField(forms.Field):
    """A number typed the Danish way or with a decimal point (see parse_number)."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "maxlength": "40"}

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value)
        return value

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return parse_number(str(value)[:40])
        except ValueError:
            raise ValidationError(NOT_A_NUMBER, code="invalid") from None


def format_number(value) -> str:
    """Decimal('12.5000') → "12,5" (no trailing zeros, Danish comma, no grouping)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class IndicatorForm(DKFDSMixin, forms.ModelForm):
    baseline_value = NumberField(label=_("Udgangspunkt"), required=False)
    target_value = NumberField(label=_("Mål"), required=False)
    directions = IdsField(
        queryset=Direction.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    initiatives = IdsField(
        queryset=Initiative.objects.none(), required=False,
        help_text=_("Hold Ctrl (Cmd på Mac) nede for at vælge flere."))
    version = VersionField(required=False)

    class Meta:
        model = Indicator
        fields = ["name", "unit", "description", "source", "baseline_value", "baseline_date", "target_value",
                  "target_date", "good_direction", "frequency", "responsible"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "baseline_date": DATE_WIDGET,
                   "target_date": DATE_WIDGET}
        # Not "Retning …": in a plan whose directions are called "Retning" that reads as one of them.
        labels = {"good_direction": _("Hvad er bedst")}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        directions = self.fields["directions"]
        directions.queryset = Direction.objects.filter(plan=plan)
        directions.label = plan.direction_label_plural
        directions.label_from_instance = lambda d: f"{d.number}: {d.title or d.statement[:90]}"
        initiatives = self.fields["initiatives"]
        initiatives.queryset = Initiative.objects.filter(plan=plan).only("id", "number", "title")
        initiatives.label = plan.initiative_label_plural
        initiatives.label_from_instance = lambda i: f"{i.number} {i.title[:90]}"
        initiatives.widget.attrs["size"] = "8"
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault("directions", [link.direction_id for link in self.instance.direction_links.all()])
            self.initial.setdefault("initiatives",
                                    [link.initiative_id for link in self.instance.initiative_links.all()])


class MeasurementForm(DKFDSMixin, forms.ModelForm):
    """A value at a date, or for a period of a year (primo/ultimo, quarter, half-year, year)."""

    year = forms.IntegerField(label=_("År"), required=False, min_value=1900, max_value=2100,
                              error_messages={"invalid": _("Året skal være et helt tal, fx 2025.")})
    date = forms.DateField(label=_("Dato"), required=False, input_formats=DATE_FORMATS, widget=DATE_WIDGET,
                           error_messages={"invalid": _("Datoen skal skrives som dd-mm-åååå, fx 31-12-2025.")})
    value = NumberField(label=_("Værdi"))
    version = VersionField(required=False)

    class Meta:
        model = Measurement
        fields = ["period", "date", "value", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "maxlength": "2000"})}

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.indicator = indicator
        self.fields["period"].help_text = _("Vælg »Dato« og udfyld datoen, eller vælg en periode og udfyld året.")
        if self.instance.pk and self.instance.period != MeasurementPeriod.DATE:
            self.initial.setdefault("year", self.instance.date.year)

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if period == MeasurementPeriod.DATE:
            if not data.get("date") and "date" not in self.errors:
                self.add_error("date", _("Udfyld datoen."))
        elif period:
            if data.get("year") is None:
                if "year" not in self.errors:
                    self.add_error("year", _("Udfyld året for perioden."))
            else:
                data["date"] = period_date(period, data["year"])
                self.instance.date = data["date"]
        return data


class MeasurementCsvForm(forms.Form):
    """A series pasted from a spreadsheet or uploaded as a CSV file: one row per
    measurement, "when;value[;note]". "When" is a date or a period such as "primo
    2025", "2. kvartal 2025", "2025 Q2", "1. halvår 2025" or "2025"."""

    text = forms.CharField(label=_("Indsæt målinger"), required=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 6, "class": "form-input"}),
                           help_text=_("Én måling pr. linje: tidspunkt; værdi; eventuel note. "
                                       "Fx »primo 2025;118« eller »31-12-2025;12,5;Foreløbigt tal«."))
    file = forms.FileField(label=_("eller indlæs en CSV-fil"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain",
                                                                  "class": "form-file-input"}))

    MAX_BYTES = 1_000_000

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if upload:
            if upload.size > self.MAX_BYTES:
                raise ValidationError(_("Filen er for stor (højst 1 MB)."))
            raw = upload.read()
            for encoding in ("utf-8-sig", "cp1252"):
                try:
                    text = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
        if not text.strip():
            raise ValidationError(_("Indsæt målingerne eller vælg en CSV-fil."))
        data["rows"] = parse_series(text)
        return data


PERIOD_WORDS = [
    (r"primo\s+(\d{4})", MeasurementPeriod.PRIMO), (r"ultimo\s+(\d{4})", MeasurementPeriod.ULTIMO),
    (r"([1-4])\.?\s*kvartal\s+(\d{4})", "q"), (r"(\d{4})\s*[-_ ]?\s*q([1-4])", "yq"), (r"q([1-4])\s+(\d{4})", "q"),
    (r"([12])\.?\s*halvår\s+(\d{4})", "h"), (r"(\d{4})\s*[-_ ]?\s*h([12])", "yh"), (r"(\d{4})", MeasurementPeriod.YEAR),
]


def parse_when(text: str):
    """(period, date) from "31-12-2025", "2025-12-31", "primo 2025", "2. kvartal 2025", … ; ValueError if neither."""
    text = text.strip().lower()
    for fmt in DATE_FORMATS:
        try:
            return MeasurementPeriod.DATE, datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    for pattern, kind in PERIOD_WORDS:
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        groups = match.groups()
        if kind in ("q", "h"):
            period, year = f"{kind}{groups[0]}", int(groups[1])
        elif kind in ("yq", "yh"):
            period, year = f"{kind[1]}{groups[1]}", int(groups[0])
        else:
            period, year = kind, int(groups[0])
        if not 1900 <= year <= 2100:
            raise ValueError(text)
        return period, period_date(period, year)
    raise ValueError(text)


def parse_series(text: str) -> list[dict]:
    """Rows of a pasted series; every row's problem is reported at once (Danish)."""
    sample = text[:2000]
    delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    rows, errors = [], []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if len(cells) < 2:
            errors.append(_("Linje %(n)s: der mangler en værdi efter tidspunktet.") % {"n": number})
            continue
        try:
            period, date = parse_when(cells[0])
        except ValueError:
            if number == 1 and not rows:
                continue  # a header row ("Dato;Værdi")
            errors.append(_("Linje %(n)s: »%(when)s« er hverken en dato eller en periode som »primo 2025«.")
                          % {"n": number, "when": cells[0][:40]})
            continue
        try:
            value = parse_number(cells[1])
        except ValueError:
            errors.append(_("Linje %(n)s: »%(value)s« er ikke et tal.") % {"n": number, "value": cells[1][:40]})
            continue
        note = cells[2][:2000] if len(cells) > 2 else ""
        if any(row["date"] == date for row in rows):
            errors.append(_("Linje %(n)s: der er allerede en måling for samme tidspunkt længere oppe.")
                          % {"n": number})
            continue
        rows.append({"line": number, "period": period, "date": date, "value": value, "note": note})
        if len(rows) > 1000:
            errors.append(_("Højst 1000 målinger ad gangen."))
            break
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("Der var ingen målinger i det indsatte."))
    return rows
