"""python manage.py export_plan PLAN_SLUG FILE.xlsx — the plan as the portal's Excel workbook."""

from django.core.management.base import BaseCommand, CommandError

from masterplan.models import Plan
from reporting.exchange.export import build_workbook


class Command(BaseCommand):
    help = "Eksporterer en plan til en Excel-projektmappe (samme format som importen læser)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Planens korte navn.")
        parser.add_argument("file", help="Filen, der skal skrives (.xlsx).")

    def handle(self, *args, slug, file, **options):
        plan = Plan.objects.select_related("organization").filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"Planen »{slug}« findes ikke.")
        try:
            build_workbook(plan).save(file)
        except OSError as error:
            raise CommandError(f"Kunne ikke skrive {file}: {error.strerror or error}") from None
        self.stdout.write(f"{plan.slug} er eksporteret til {file}.")
