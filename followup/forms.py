"""Forms of the follow-up round: opening it, the owner's report, the review, the
editors' filters and bulk approval, and the owner's reminder setting."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.forms import DATE_INVALID, DKFDSMixin, IdsField, VersionField
from initiatives.models import Activity, Period, Phase, Status

from .models import FollowUpRound, MailPreference, UpdateRequest

TEXT_LIMIT = 4000


def text_field(label, required=False, rows=4, help_text=""):
    return forms.CharField(label=label, required=required, max_length=TEXT_LIMIT, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows, "maxlength": TEXT_LIMIT}))


class OpenRoundForm(DKFDSMixin, forms.Form):
    deadline = forms.DateField(
        label=_("Frist for tovholderne"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Angiv en frist."), "invalid": DATE_INVALID},
    )
    message = text_field(_("Besked til tovholderne"), rows=5,
                         help_text=_("Står øverst i mailen og på siden, tovholderne skriver status på."))

    def __init__(self, *args, plan, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.year = plan, year

    def clean(self):
        data = super().clean()
        try:
            FollowUpRound.validate_opening(self.plan, self.year, data.get("deadline"), timezone.localdate())
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class UpdateRequestForm(DKFDSMixin, forms.Form):
    """The owner's report: status and phase, what was reached, next steps, the year's
    activities ticked done or a new one added, and a note to the consultant."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    phase = forms.ChoiceField(label=_("Fase"), choices=Phase.choices, required=False)
    year_text = text_field("", rows=6)
    next_steps = text_field(_("Næste skridt"), rows=4)
    done = IdsField(
        label=_("Udførte aktiviteter"), queryset=Activity.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Aktiviteten hører ikke til dette initiativ."),
                        "invalid_pk_value": _("“%(pk)s” er ikke en gyldig aktivitet.")},
    )
    new_activity = text_field(_("Ny aktivitet"), rows=2,
                              help_text=_("Noget, der er gjort eller planlagt, som ikke står på listen."))
    new_activity_year = forms.TypedChoiceField(label=_("År for den nye aktivitet"), coerce=int)
    new_activity_period = forms.ChoiceField(label=_("Periode"), choices=Period.choices, initial=Period.YEAR)
    note = text_field(_("Bemærkning til konsulenten"), rows=3,
                      help_text=_("Kommer ikke med i opfølgningen."))
    version = VersionField()

    def __init__(self, *args, request_obj: UpdateRequest, activities, **kwargs):
        super().__init__(*args, **kwargs)
        round_ = request_obj.round
        self.year = round_.year
        self.fields["year_text"].label = _("Status for %(year)s: hvad er nået") % {"year": round_.year}
        self.fields["year_text"].help_text = _("Skrives til udvalget; kommer med i opfølgningen for %(year)s.") % {
            "year": round_.year}
        self.fields["done"].queryset = activities
        self.fields["done"].label_from_instance = lambda a: (
            f"{a.get_period_display()}: {a.text}" if a.period != Period.YEAR else a.text)
        years = [y for y in round_.plan.years if y >= round_.year] or [round_.year]
        self.fields["new_activity_year"].choices = [(y, str(y)) for y in years]

    def clean(self):
        data = super().clean()
        if self.data.get("action") == "submit":
            if not (data.get("year_text") or "").strip():
                self.add_error("year_text", _("Skriv, hvad der er nået i %(year)s, før du indsender.") % {
                    "year": self.year})
            if data.get("status") == Status.NOT_ASSESSED:
                self.add_error("status", _("Vælg en status, før du indsender."))
        return data

    @property
    def submitting(self) -> bool:
        return self.data.get("action") == "submit"


class ReviewForm(DKFDSMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Godkend")), ("return", _("Send retur"))],
                                 widget=forms.HiddenInput,
                                 error_messages={"invalid_choice": _("Vælg at godkende eller sende retur."),
                                                 "required": _("Vælg at godkende eller sende retur.")})
    comment = text_field(_("Kommentar til tovholderen"), rows=3,
                         help_text=_("Skal udfyldes, når indberetningen sendes retur."))
    version = VersionField()

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Skriv en kommentar, så tovholderen ved, hvad der skal rettes."))
        return data


class BulkApproveForm(forms.Form):
    requests = IdsField(
        queryset=UpdateRequest.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg de indberetninger, der skal godkendes."),
                        "invalid_choice": _("Kun indsendte indberetninger i denne runde kan godkendes."),
                        "invalid_pk_value": _("“%(pk)s” er ikke en gyldig indberetning.")},
    )

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requests"].queryset = round_.requests.filter(state=UpdateRequest.State.SUBMITTED)


class RequestFilterForm(DKFDSMixin, forms.Form):
    """The editors' table filters: a plain GET form, so a filtered table is a URL."""

    state = forms.ChoiceField(label=_("Tilstand"), required=False)
    direction = forms.TypedChoiceField(label=_("Retning"), required=False, coerce=int, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Tovholder"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, plan, directions, owners, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Alle"))]
        self.fields["state"].choices = anything + list(UpdateRequest.State.choices) + [
            ("overdue", _("Overskredet frist"))]
        self.fields["direction"].label = plan.direction_label
        self.fields["direction"].choices = anything + [
            (d.number, f"{d.number}: {d.title or d.statement[:60]}") for d in directions]
        self.fields["owner"].choices = anything + [(u.pk, u.get_full_name() or u.get_username()) for u in owners]

    def valid_filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class MailPreferenceForm(DKFDSMixin, forms.ModelForm):
    class Meta:
        model = MailPreference
        fields = ["reminders"]
