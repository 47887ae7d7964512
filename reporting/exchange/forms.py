"""A model form checks each workbook row (NetBox's bulk-import pattern); one form per sheet,
bound to each row in turn (`RowForm.rebind`).

The fields below only turn what a spreadsheet cell holds (a number, a date, a
Danish label from a drop-down, "1.015.699", lines of a list) into the Python
value; every rule about the value (lengths, ranges, the year inside the plan
period, unique numbers, a cross-link to another direction of the same plan) is
the model's own, run by the form's model validation. Messages name the value
that was in the cell, so a consultant can find it.
"""

import copy
import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.db import models
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from initiatives.models import Activity, BudgetLine, Initiative, StatusUpdate
from masterplan.models import Direction, Organization, Plan

from .workbook import NO, YES, unescape_text

DATE_FORMATS = ["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d"]
DATETIME_FORMATS = ["%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                    "%d-%m-%Y %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f", *DATE_FORMATS]
REQUIRED = _("Skal udfyldes.")


def as_text(value) -> str:
    """A cell's value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d-%m-%Y %H:%M" if value.time() != datetime.time() else "%d-%m-%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return unescape_text(str(value))


class CellInput(forms.Widget):
    """Rows are dicts of cell values: hand the value over as it is (no HTML conventions)."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class CellField(forms.Field):
    """A field that says which value it could not read."""

    widget = CellInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", REQUIRED)
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        # Forms copy their fields for every instance; a workbook makes thousands of forms, and
        # these fields hold nothing a form changes (lookups are replaced, never mutated).
        result = copy.copy(self)
        memo[id(self)] = result
        return result

    def invalid(self, value):
        return forms.ValidationError(self.error_messages["invalid"], code="invalid",
                                     params={"value": as_text(value)[:80]})


class TextCell(CellField, forms.CharField):
    def __init__(self, *args, strip=False, **kwargs):
        kwargs.pop("max_length", None)  # the model's own limit is checked by the model
        super().__init__(*args, strip=strip, **kwargs)

    def to_python(self, value):
        text = as_text(value)
        return text.strip() if self.strip else text


class TextListCell(CellField):
    """One item per line in the cell (Alt+Enter in Excel)."""

    def to_python(self, value):
        return [line.strip() for line in as_text(value).split("\n") if line.strip()]


class IntCell(CellField, forms.IntegerField):
    default_error_messages = {"invalid": _("»%(value)s« er ikke et helt tal.")}

    def to_python(self, value):
        if isinstance(value, bool):
            raise self.invalid(value)
        if isinstance(value, int):  # a number cell, as IntegerField reads it, without its text detour
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and not re.fullmatch(r"\s*\d{1,9}\s*", value):
            if value.strip() in self.empty_values:
                return None
            raise self.invalid(value)
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise self.invalid(value) from None


class MoneyCell(CellField, forms.DecimalField):
    default_error_messages = {"invalid": _("»%(value)s« er ikke et beløb. Skriv beløbet som et tal, fx 250000.")}

    def __init__(self, *args, **kwargs):
        for name in ("max_digits", "decimal_places", "max_value", "min_value"):
            kwargs.pop(name, None)  # the model's validators apply
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, (bool, datetime.date, datetime.time)):
                raise InvalidOperation
            if isinstance(value, float):  # binary floats from the spreadsheet: whole øre
                number = Decimal(repr(value)).quantize(Decimal("0.01"))
            elif isinstance(value, int):
                number = Decimal(value)
            else:
                number = Decimal(self.plain_number(str(value)))
        except (InvalidOperation, ValueError):
            raise self.invalid(value) from None
        if not number.is_finite():
            raise self.invalid(value)
        return number

    @staticmethod
    def plain_number(text: str) -> str:
        """"1.015.699 kr." and "250.000,50" as Python reads numbers."""
        text = text.replace("kr.", "").replace("kr", "").replace(" ", "").replace("\xa0", "")
        if "," in text:
            return text.replace(".", "").replace(",", ".")
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            return text.replace(".", "")
        return text


class DateCell(CellField, forms.DateField):
    default_error_messages = {"invalid": _("»%(value)s« er ikke en dato. Skriv datoen som fx 01-03-2025.")}
    input_formats = DATE_FORMATS

    def to_python(self, value):
        try:
            return super().to_python(value.strip() if isinstance(value, str) else value)
        except forms.ValidationError:
            raise self.invalid(value) from None


class DateTimeCell(CellField, forms.DateTimeField):
    """A moment: a spreadsheet date-time, or text such as "01-03-2025 12:00" or ISO 8601 with
    its offset (as the export writes it, to the microsecond). A local time without offset that
    occurs twice (the night summer time ends) is read as its first occurrence."""

    default_error_messages = {"invalid": _("»%(value)s« er ikke et tidspunkt. Skriv fx 01-03-2025 12:00.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):
            moment = datetime.datetime.combine(value, datetime.time())
        else:
            moment = self.parse(str(value).strip())
            if moment is None:
                raise self.invalid(value)
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    @staticmethod
    def parse(text):
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        for pattern in DATETIME_FORMATS:
            if moment is not None:
                break
            try:
                moment = datetime.datetime.strptime(text, pattern)
            except ValueError:
                continue
        return moment


class LabelChoiceCell(CellField, forms.ChoiceField):
    """A drop-down column: the Danish label (or the code); empty means the model's default."""

    default_error_messages = {"invalid_choice": _("»%(value)s« er ikke en gyldig værdi. Vælg en af værdierne på listen: %(options)s.")}

    def __init__(self, *, choices, empty="", **kwargs):
        self.empty, self._codes = empty, {}  # language → {code or label, casefolded: code}
        super().__init__(choices=choices, **kwargs)

    def codes(self) -> dict:
        language = translation.get_language()
        if language not in self._codes:
            codes = {str(code).casefold(): code for code, _label in self.choices}
            codes.update({str(label).casefold(): code for code, label in self.choices})
            self._codes[language] = codes
        return self._codes[language]

    def to_python(self, value):
        text = as_text(value).strip()
        if not text:
            return self.empty
        try:
            return self.codes()[text.casefold()]
        except KeyError:
            pass
        labels = ", ".join(str(label) for code, label in self.choices if code != "")
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                    params={"value": text[:80], "options": labels})

    def validate(self, value):
        pass  # to_python only returns codes of the choices


class YesNoCell(LabelChoiceCell):
    def __init__(self, **kwargs):
        super().__init__(choices=[(True, YES), (False, NO)], empty=False, required=False, **kwargs)

    def to_python(self, value):
        if isinstance(value, (bool, int)) and not isinstance(value, float):
            return bool(value)
        return super().to_python(value)


class NumbersCell(CellField):
    """Numbers of directions, comma-separated: "2, 5"."""

    default_error_messages = {"invalid": _("Skriv numrene på retningerne adskilt af komma, fx »2, 5«.")}

    def to_python(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            return [int(value)]
        parts = [p for p in re.split(r"[,;\s]+", as_text(value)) if p]
        if not all(re.fullmatch(r"\d{1,5}", p) for p in parts):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(p) for p in parts})


class LookupCell(CellField):
    """A reference to another row of the workbook (a direction's or initiative's number) or to a
    user, looked up in `choices` (key → object), so a sheet of rows costs no query per row."""

    def __init__(self, *, message, key=str, **kwargs):
        self.choices, self.key = {}, key
        super().__init__(error_messages={"invalid_choice": message}, **kwargs)

    def to_python(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = as_text(value).strip()
        if not text:
            return None
        try:
            return self.choices[self.key(text)]
        except (KeyError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": text[:40]}) from None


def cell_field(model_field, **kwargs):
    """The cell field for a model field; the model field keeps every rule about the value."""
    options = {"required": not model_field.blank and not model_field.has_default(),
               "label": model_field.verbose_name}
    if isinstance(model_field, models.BooleanField):
        return YesNoCell(label=model_field.verbose_name)
    if model_field.choices:
        return LabelChoiceCell(choices=model_field.choices, empty=model_field.get_default(), **options)
    for model_class, cell_class in ((models.DecimalField, MoneyCell), (models.DateTimeField, DateTimeCell),
                                    (models.DateField, DateCell), (models.IntegerField, IntCell),
                                    (models.JSONField, TextListCell), (models.CharField, TextCell),
                                    (models.TextField, TextCell)):
        if isinstance(model_field, model_class):
            return cell_class(**options)
    return model_field.formfield(**kwargs)


class CellMeta:
    formfield_callback = cell_field


class RowForm(forms.ModelForm):
    """A workbook row: `data` is {column key: cell value}. Fields set by the import itself from
    objects it fetched or saved (the plan, the initiative) are trusted and not queried again."""

    trusted: tuple = ()

    def __init__(self, data, *, instance, lookups=None):
        self._exclusions = {}  # the validation exclusions of the row being checked (full_clean)
        super().__init__(data, instance=instance)
        for name, choices in (lookups or {}).items():
            if name in self.fields:
                self.fields[name].choices = choices

    @classmethod
    def for_row(cls, form, data, *, instance, lookups=None):
        """`form` bound to this row (`rebind`), or for a sheet's first row (`form` None) a new
        form of this class."""
        if form is None:
            return cls(data, instance=instance, lookups=lookups)
        return form.rebind(data, instance=instance)

    def rebind(self, data, *, instance):
        """This form, bound to another row of its sheet and not yet validated. A sheet of
        thousands of rows is checked with one form rather than one per row: making a form copies
        its fields and binds each, a third of the checking's time. What a validated row leaves
        (`instance`, `cleaned_data`) stays that row's; the next row gets new ones. The bound
        fields are kept: they read the form's data afresh, and only a disabled field (a row
        form has none) would read their `initial`."""
        self.data, self.instance, self.initial = data, instance, {}
        self._errors = None
        self._validate_unique = self._validate_constraints = False
        self.__dict__.pop("cleaned_data", None)
        return self

    def full_clean(self):
        self._exclusions = {}  # this row's, by the fields found wrong so far
        super().full_clean()

    def _get_validation_exclusions(self):
        # Asked three times a row (the model's checks, unique, constraints); it changes only
        # with the fields that have errors.
        key = tuple(self._errors or ())
        if key not in self._exclusions:
            self._exclusions[key] = super()._get_validation_exclusions() | set(self.trusted)
        return set(self._exclusions[key])


class PlanForm(RowForm):
    class Meta(CellMeta):
        model = Plan
        fields = ["slug", "organization", "title", "period_start", "period_end", "adopted_on", "adopted_by", "intro",
                  "vision", "direction_label", "direction_label_plural", "initiative_label",
                  "initiative_label_plural", "direction_label_gender", "direction_label_definite",
                  "direction_label_plural_definite", "initiative_label_gender", "initiative_label_definite",
                  "initiative_label_plural_definite", "stale_after_days", "published"]

    slug = TextCell(strip=True, label=_("kort navn"))
    organization = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", widget=CellInput,
        error_messages={"invalid_choice": _("Kommunen »%(value)s« findes ikke. En ny plan skal høre til en kendt "
                                            "kommune."),
                        "required": _("En ny plan skal høre til en kendt kommune: skriv kommunens korte navn.")})

    def __init__(self, data, *, instance, fields):
        super().__init__(data, instance=instance)
        self.fields["organization"].queryset = Organization.objects.all()
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]


class DirectionForm(RowForm):
    trusted = ("plan",)
    id = IntCell(required=False)  # the hidden id column: the row\'s object

    class Meta(CellMeta):
        model = Direction
        fields = ["number", "title", "statement", "goal", "purpose", "description", "success_criteria",
                  "focus_points"]


class InitiativeForm(RowForm):
    trusted = ("plan", "direction", "responsible_user")
    id = IntCell(required=False)  # the hidden id column: the row\'s object

    class Meta(CellMeta):
        model = Initiative
        fields = ["number", "direction", "kind", "title", "description", "goal", "purpose", "follow_up",
                  "deadline", "success_criteria", "expected_outcomes", "actions", "responsible",
                  "responsible_user", "start_date", "end_date", "funding_amount", "funding_source", "status",
                  "phase"]

    number = TextCell(strip=True, label=_("nummer"))
    direction = LookupCell(message=_("Retning %(value)s findes ikke i arket »Retninger«."), key=int)
    responsible_user = LookupCell(message=_("Brugeren »%(value)s« findes ikke i kommunen."), required=False)
    cross_links = NumbersCell(required=False)


class ActivityForm(RowForm):
    trusted = ("initiative",)
    id = IntCell(required=False)  # the hidden id column: the row\'s object
    initiative = LookupCell(message=_("Initiativ %(value)s findes ikke i arket »Initiativer«."))

    class Meta(CellMeta):
        model = Activity
        fields = ["year", "period", "text", "responsible", "deadline", "done"]


class StatusUpdateForm(RowForm):
    trusted = ("initiative", "author")
    id = IntCell(required=False)  # the hidden id column: the row\'s object

    class Meta(CellMeta):
        model = StatusUpdate
        fields = ["status", "phase", "note", "author"]

    initiative = LookupCell(message=_("Initiativ %(value)s findes ikke i arket »Initiativer«."))
    created_at = DateTimeCell(label=_("tidspunkt"))
    author = LookupCell(message=_("Brugeren »%(value)s« findes ikke i kommunen."), required=False)


class BudgetLineForm(RowForm):
    trusted = ("plan", "initiative")
    id = IntCell(required=False)  # the hidden id column: the row\'s object
    initiative = LookupCell(message=_("Initiativ %(value)s findes ikke i arket »Initiativer«."), required=False)

    class Meta(CellMeta):
        model = BudgetLine
        fields = ["year", "amount", "label", "kind"]
