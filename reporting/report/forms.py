from django import forms

from initiatives.forms import DATE_INVALID, VersionField

from ..models import ReportEdition


class ReportEditionForm(forms.ModelForm):
    # The version the form was loaded at; absent for a year nobody has saved yet.
    version = VersionField(required=False)

    class Meta:
        model = ReportEdition
        fields = ["title", "intro", "committee", "meeting_date"]
        widgets = {
            "title": forms.TextInput(attrs={"class": "form-input"}),
            "intro": forms.Textarea(attrs={"class": "form-input", "rows": 8}),
            "committee": forms.TextInput(attrs={"class": "form-input"}),
            "meeting_date": forms.DateInput(attrs={"class": "form-input", "type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {"meeting_date": {"invalid": DATE_INVALID}}
