"""`build_report PLAN_SLUG YEAR --out FILE.pdf`: the year's report as the web gives it.

A final edition's stored PDF is written as it is; otherwise the live draft is
rendered (in the same capped child process the worker uses).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from masterplan.models import Plan
from reporting.models import ReportEdition
from reporting.report.pdf import RenderFailed, RenderLimitExceeded
from reporting.report.content import build_snapshot, limit_message, render_pdf


class Command(BaseCommand):
    help = "Dan årets opfølgning på en plan som PDF."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("year", type=int)
        parser.add_argument("--out", required=True, help="PDF-fil, der skal skrives")

    def handle(self, slug, year, out, **options):
        plan = Plan.objects.select_related("organization").filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"Planen {slug!r} findes ikke.")
        if not plan.contains_year(year):
            raise CommandError(f"{year} ligger uden for planens periode ({plan.period_start}–{plan.period_end}).")
        edition = ReportEdition.objects.current(plan, year) or ReportEdition.unsaved_default(plan, year)
        if edition.is_final and edition.pdf:
            pdf = bytes(edition.pdf)
        else:
            snapshot = edition.snapshot if edition.is_final else build_snapshot(plan, edition)
            try:
                pdf = render_pdf(snapshot)
            except RenderLimitExceeded as exceeded:
                raise CommandError(limit_message(exceeded.kind)) from None
            except RenderFailed as failed:
                raise CommandError(f"PDF'en kunne ikke dannes: {failed}") from None
        Path(out).write_bytes(pdf)
        self.stdout.write(f"{out}: {len(pdf)} bytes ({edition.get_state_display().lower()})")
