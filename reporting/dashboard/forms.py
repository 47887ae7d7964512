"""The dashboard's filter form: a plain GET form whose values live in the URL."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.forms import DATE_INVALID
from masterplan.models import EARLIEST_YEAR
from masterplan.text import shorten


class DashboardFilterForm(forms.Form):
    """Direction, responsible, year and the "changed since" date; all optional.

    A value that cannot be used (an unknown direction, a year outside the plan, a
    date that is not a date) is reported in Danish and the dashboard falls back to
    the default for that field, so a hand-edited URL never gives a 500.
    """

    direction = forms.TypedChoiceField(label=_("Retning"), required=False, coerce=int, empty_value=None)
    responsible = forms.ChoiceField(label=_("Ansvarlig"), required=False)
    year = forms.TypedChoiceField(label=_("År"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label=_("Ændringer siden"), required=False, help_text=_("Standard: 1. januar i år"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-input"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_INVALID},
    )

    def __init__(self, data, *, plan, directions, responsibles):
        super().__init__(data)
        self.plan = plan
        self.fields["direction"].label = plan.direction_label
        self.fields["direction"].choices = [("", _("Alle"))] + [
            (d.number, shorten(f"{d.number}: {d.title or d.statement}", 80)) for d in directions
        ]
        self.fields["responsible"].choices = [("", _("Alle"))] + [(r, r) for r in responsibles]
        self.fields["year"].choices = [("", _("Indeværende år"))] + [(y, str(y)) for y in plan.years]
        invalid_choice = _("Vælg en af mulighederne på listen.")
        for name in ("direction", "responsible", "year"):
            self.fields[name].error_messages["invalid_choice"] = invalid_choice
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since and since > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("Datoen kan ikke ligge i fremtiden."))
        if since and since.year < EARLIEST_YEAR:  # and a time zone cannot shift it past year 1
            raise forms.ValidationError(_("Datoen kan ikke ligge før %(year)s.") % {"year": EARLIEST_YEAR})
        return since

    def value(self, name, default=None):
        """The cleaned value, or `default` when the field was empty or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value
