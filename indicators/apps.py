from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indikatorer")

    def ready(self):
        from initiatives import audit

        from . import demo  # noqa: F401  (connects the load_demo step)

        for label in ["indicators.Indicator", "indicators.IndicatorDirection", "indicators.IndicatorInitiative",
                      "indicators.Measurement"]:
            audit.register(label)
