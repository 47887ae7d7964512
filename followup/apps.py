from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Opfølgningsrunder")

    def ready(self):
        from initiatives import audit

        # Rounds and the owners' reports are plan data: who opened, wrote, approved.
        audit.register("followup.FollowUpRound")
        audit.register("followup.UpdateRequest")
