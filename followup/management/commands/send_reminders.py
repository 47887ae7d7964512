"""Send the follow-up mails that are due today; run daily (systemd timer, see README).

Idempotent: a second run on the same day sends nothing new. --today moves "today"
(for tests and for catching up).
"""

from django.core.management.base import BaseCommand

from initiatives.audit import audit_context

from ...mails import send_due
from .open_round import command_date


class Command(BaseCommand):
    help = "Sender de mails om opfølgningsrunder, der er forfaldne i dag (hver kun én gang)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=command_date, default=None,
                            help="Dato, åååå-mm-dd eller dd-mm-åååå (standard: i dag).")

    def handle(self, *args, **options):
        with audit_context(None, "send_reminders"):
            sent = send_due(options["today"])
        self.stdout.write(f"{sent} mails sendt.")
