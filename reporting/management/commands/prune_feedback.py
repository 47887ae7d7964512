"""Delete citizens' feedback older than the retention period (FEEDBACK_RETENTION_DAYS).

Run daily (README, "Drift"). Each deletion goes through the audit mechanism, which
keeps who deleted what when, but not the citizen's words, name or e-mail.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from initiatives.audit import audit_context
from reporting.public.models import Feedback


class Command(BaseCommand):
    help = "Sletter borgerkommentarer, der er ældre end opbevaringsperioden (FEEDBACK_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Dagens dato som ÅÅÅÅ-MM-DD (til test).")

    def handle(self, *args, today=None, **options):
        if today:
            try:
                today = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today skal være en dato som 2026-12-01.") from None
        deleted = 0
        with transaction.atomic(), audit_context(None, "prune_feedback"):
            for feedback in Feedback.objects.expired(today).select_related("initiative"):
                feedback.delete()
                deleted += 1
        self.stdout.write(f"Slettede {deleted} kommentar(er) ældre end opbevaringsperioden.")
