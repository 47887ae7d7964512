from django import forms
from django.utils.translation import gettext_lazy as _

from initiatives.forms import DKFDSMixin, VersionField

from .models import ANSWER_MAX_LENGTH, FEEDBACK_MAX_LENGTH, ApiToken


class FeedbackForm(DKFDSMixin, forms.Form):
    """A citizen's comment. `website` is a honeypot: hidden from people by CSS and
    from screen readers by aria-hidden, so only a bot fills it in."""

    message = forms.CharField(
        label=_("Din kommentar"), max_length=FEEDBACK_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Højst %(max)s tegn. Skriv ikke personfølsomme oplysninger om dig selv eller andre.")
        % {"max": f"{FEEDBACK_MAX_LENGTH:,}".replace(",", ".")},
        error_messages={"required": _("Skriv din kommentar."),
                        "max_length": _("Kommentaren må højst være %(limit_value)d tegn. Du har skrevet "
                                        "%(show_value)d.")},
    )
    name = forms.CharField(label=_("Dit navn"), max_length=100, required=False,
                           help_text=_("Vises sammen med kommentaren, hvis den bliver offentliggjort."))
    email = forms.EmailField(label=_("Din e-mail"), required=False,
                             help_text=_("Vises aldrig. Bruges kun, hvis kommunen vil svare dig direkte."),
                             error_messages={"invalid": _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")})
    consent = forms.BooleanField(
        label=_("Jeg har læst, hvordan kommunen behandler min kommentar og mine oplysninger."),
        error_messages={"required": _("Sæt flueben for at bekræfte, at du har læst om behandlingen af dine "
                                      "oplysninger.")},
    )
    website = forms.CharField(label=_("Lad dette felt stå tomt"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def feedback_fields(self) -> dict:
        return {key: self.cleaned_data[key].strip() for key in ("message", "name", "email")}


class AnswerForm(DKFDSMixin, forms.Form):
    answer = forms.CharField(label=_("Svar fra kommunen"), max_length=ANSWER_MAX_LENGTH, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Vises under kommentaren på det offentlige site."))
    version = VersionField()


class ModerationForm(forms.Form):
    version = VersionField()


class ApiTokenForm(DKFDSMixin, forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": _("Navn på nøglen")}
        help_texts = {"name": _("Fx det program eller den kollega, der skal bruge den.")}
