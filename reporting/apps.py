from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Opfølgning og rapporter")

    def ready(self):
        from initiatives import audit

        # Editions are plan data: who created, changed and finalised them is history.
        # The frozen snapshot and the stored PDF are too big and binary for it.
        audit.register("reporting.ReportEdition", ignore_fields=["snapshot", "pdf", "content_hash"])
        # Moderation is history (who approved, answered or deleted what, when); the
        # citizen's own words, name and e-mail are not kept there, so deleting feedback
        # after the retention period deletes them everywhere.
        audit.register("reporting.Feedback", ignore_fields=["message", "name", "email"])
