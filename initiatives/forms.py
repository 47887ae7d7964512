"""Forms for the consultant workspace. Each edit form carries the version of the
object it was loaded at (`version`), so a stale save can be refused."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from masterplan.models import Direction
from masterplan.text import shorten

from .models import Activity, Initiative, Phase, Status, StatusUpdate

# Text lengths come from the models (masterplan.models.LongTextField), so forms, model
# validation and the Excel import and export share one limit per field.


# One wording for a date that cannot be read, in the format the Excel guide uses too.
DATE_INVALID = _("Datoen kunne ikke læses. Skriv den som dd-mm-åååå, fx 01-03-2026.")


class DKFDSMixin:
    """Give widgets the design system's classes, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = DATE_INVALID
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.HiddenInput)):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# The form lacks the version it was loaded at (an old or altered page): nothing saved.
VERSION_PROBLEM = _("Ændringen er ikke gemt, fordi formularen mangler sit versionsnummer. Kopiér det, du har "
                    "skrevet, genindlæs siden, og indsæt det igen (versionsnummeret følger med siden).")


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, css_class="", **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput(attrs={"class": css_class} if css_class else {}))
        super().__init__(min_value=1, error_messages={
            "required": VERSION_PROBLEM, "invalid": VERSION_PROBLEM, "min_value": VERSION_PROBLEM,
        }, **kwargs)


class TextListField(forms.CharField):
    """A list of short texts (success criteria, outcomes, actions) as a text box, one per line;
    blank lines are dropped. The model's JSON field keeps its rule on the total length."""

    widget = forms.Textarea

    def __init__(self, *, encoder=None, decoder=None, **kwargs):  # what a JSONField hands its form field
        kwargs["help_text"] = kwargs.get("help_text") or _("Ét punkt pr. linje.")
        super().__init__(**kwargs)
        self.widget.attrs["rows"] = 4  # Textarea has 10

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class StatusForm(DKFDSMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    phase = forms.ChoiceField(label=_("Fase"), choices=Phase.choices, required=False)
    note = forms.CharField(
        label=_("Bemærkning"), required=False, max_length=StatusUpdate._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kort om hvorfor – vises i historikken og for lederne."),
    )
    # Every form on the initiative page that carries the initiative's version has this
    # class, so one edit can bring the others up to date (see views.respond).
    version = VersionField(css_class="initiative-version")


class InitiativeForm(DKFDSMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Initiative
        fields = [
            "title", "kind", "description", "goal", "purpose", "follow_up", "success_criteria", "expected_outcomes",
            "actions", "responsible", "deadline", "start_date", "end_date", "funding_amount", "funding_source",
        ]
        field_classes = {"success_criteria": TextListField, "expected_outcomes": TextListField,
                         "actions": TextListField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "goal": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.plan_id:  # the kinds in the plan's own words
            self.fields["kind"].choices = Initiative.kind_choices(self.instance.plan)


class NewInitiativeForm(DKFDSMixin, forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ["direction", "number", "kind", "title", "description", "goal"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "goal": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["direction"].queryset = Direction.objects.filter(plan=plan)
        self.fields["direction"].label = plan.direction_label
        self.fields["direction"].label_from_instance = lambda d: f"{d.number}: {d.title or shorten(d.statement, 90)}"
        self.fields["kind"].choices = Initiative.kind_choices(plan)


class NewDirectionForm(DKFDSMixin, forms.ModelForm):
    class Meta:
        model = Direction
        fields = ["number", "title", "statement", "goal"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 3}), "goal": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.instance.order = (plan.directions.order_by("-order").values_list("order", flat=True).first() or 0) + 1


class DirectionForm(DKFDSMixin, forms.ModelForm):
    """A direction's texts, as the plan was adopted; its number and place stay as they are."""

    version = VersionField()

    class Meta:
        model = Direction
        fields = ["title", "statement", "goal", "purpose", "description", "success_criteria", "focus_points"]
        field_classes = {"success_criteria": TextListField, "focus_points": TextListField}
        widgets = {"statement": forms.Textarea(attrs={"rows": 3}), "goal": forms.Textarea(attrs={"rows": 3}),
                   "purpose": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 6})}


class ActivityForm(DKFDSMixin, forms.ModelForm):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)
    version = VersionField(required=False)

    class Meta:
        model = Activity
        fields = ["year", "period", "text", "responsible", "deadline", "done"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.initiative = initiative
        self.fields["year"].choices = [(year, str(year)) for year in initiative.plan.years]


class IdsField(forms.ModelMultipleChoiceField):
    """Several objects by primary key, each checked to be an id the database can hold
    before the query (a 20-digit value fails inside SQLite's driver, a 500)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not text.isdecimal() or not 0 < int(text) < 2**63:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": text[:30]})
        return super()._check_values(value)


class CrossLinkForm(DKFDSMixin, forms.Form):
    directions = IdsField(
        queryset=Direction.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
    )
    version = VersionField(css_class="initiative-version")

    def __init__(self, *args, initiative, **kwargs):
        # Its own ids: the status form on the same page also has a version field.
        kwargs.setdefault("auto_id", "crosslinks_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["directions"]
        field.queryset = Direction.objects.filter(plan_id=initiative.plan_id).exclude(pk=initiative.direction_id)
        field.label = initiative.plan.direction_label_plural
        choose = _("Vælg blandt planens andre %(directions)s.") % {"directions": initiative.plan.direction_noun.plural}
        field.error_messages.update(invalid_choice=choose, invalid_pk_value=choose)
        field.label_from_instance = lambda d: f"{d.number}: {d.title or d.statement}"


class PlanFilterForm(DKFDSMixin, forms.Form):
    """The plan page's filters: a plain GET form, so a filtered view is a shareable URL."""

    q = forms.CharField(label=_("Søg"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    phase = forms.ChoiceField(label=_("Fase"), required=False)
    direction = forms.TypedChoiceField(label=_("Retning"), required=False, coerce=int, empty_value=None)
    supports = forms.TypedChoiceField(label=_("Understøtter også"), required=False, coerce=int, empty_value=None)
    responsible = forms.CharField(label=_("Ansvarlig"), required=False, max_length=200)
    year = forms.TypedChoiceField(label=_("Aktivitet i år"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Alle"))]
        self.fields["status"].choices = anything + list(Status.choices)
        self.fields["phase"].choices = anything + [c for c in Phase.choices if c[0]]
        directions = list(plan.directions.all())
        # Filters name a direction by number; the queries use its id, so that the database picks the
        # direction's initiatives by index instead of matching the number in every plan's directions.
        self.direction_ids = {d.number: d.pk for d in directions}
        numbers = [(d.number, f"{d.number}: {d.title or shorten(d.statement, 60)}") for d in directions]
        self.fields["direction"].choices = anything + numbers
        self.fields["direction"].label = plan.direction_label
        self.fields["supports"].choices = anything + numbers
        self.fields["year"].choices = anything + [(y, str(y)) for y in plan.years]

    def valid_filters(self) -> dict:
        """The filters that were given and are valid; an invalid one (a tampered or
        stale URL) is left out and shown as an error on the form, never a 500."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def filter(self, initiatives, search=None):
        """Narrow the plan's initiatives by the valid filters; `search(initiatives, text)`
        replaces the free-text search (the public site searches public fields only)."""
        data = self.valid_filters()
        if data.get("q"):
            initiatives = search(initiatives, data["q"]) if search else initiatives.search(data["q"])
        if data.get("status"):
            initiatives = initiatives.filter(status=data["status"])
        if data.get("phase"):
            initiatives = initiatives.filter(phase=data["phase"])
        if data.get("direction"):
            initiatives = initiatives.filter(direction_id=self.direction_ids.get(data["direction"]))
        if data.get("supports"):
            initiatives = initiatives.filter(cross_links=self.direction_ids.get(data["supports"]))
        if data.get("responsible"):
            initiatives = initiatives.filter(responsible__icontains=data["responsible"])
        if data.get("year"):
            initiatives = initiatives.filter(activities__year=data["year"])
        return initiatives.distinct()

    @property
    def is_filtering(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
