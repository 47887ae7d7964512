from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterplanConfig(AppConfig):
    name = "masterplan"
    verbose_name = _("Planer")

    def ready(self):
        from . import converters  # noqa: F401  (registers <id:…>, <year:…>, <number:…> for every app's URLs)
