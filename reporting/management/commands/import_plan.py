"""python manage.py import_plan FILE.xlsx [--plan SLUG] [--dry-run]

Creates the plan or updates the existing one, matched by slug and then rows by
their hidden ids or the numbers of directions and initiatives; all or nothing.
Every problem in the file is listed (sheet, row, column, message) and the command
exits non-zero. Rows changed in the portal since the export are listed as
conflicts and left as the portal has them; the portal's row order is kept unless
--file-order is given.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from reporting.exchange.importer import PREVIEW_ROWS, ImportFailed, import_plan, load


class Command(BaseCommand):
    help = "Indlæser en plan fra en Excel-projektmappe (opretter eller opdaterer, alt eller intet)."
    # A data command: the system checks (which import every view to check the URLs) run where the
    # portal starts and deploys, and took a second of every import here.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel-projektmappen (.xlsx).")
        parser.add_argument("--plan", dest="slug", help="Indlæs i denne plan (standard: planens korte navn i filen).")
        parser.add_argument("--dry-run", action="store_true", help="Vis ændringerne uden at gemme noget.")
        parser.add_argument("--file-order", action="store_true", help="Brug filens rækkefølge af rækkerne.")

    def handle(self, *args, file, slug=None, dry_run=False, file_order=False, **options):
        try:
            with open(file, "rb") as handle:
                parsed = load(handle, name=file, size=os.path.getsize(file))
            summary = import_plan(parsed, slug=slug, commit=not dry_run, file_order=file_order)
        except OSError as error:
            raise CommandError(f"Kunne ikke læse {file}: {error.strerror or error}") from None
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Filen blev ikke indlæst: {len(failed.problems)} fejl. Intet er ændret.") from None
        verb = "ville blive" if dry_run else "er"
        action = "oprettet" if summary.created_plan else "opdateret"
        self.stdout.write(f"Planen {summary.plan.slug} {verb} {action}.")
        for line, changes in zip(summary.lines(), summary.sheets.values()):
            self.stdout.write(line)  # "Initiativer: 1 ny, 2 ændrede, 0 slettede"
            for word, rows in (("ny", changes.new), ("ændret", changes.changed), ("slettet", changes.removed)):
                for row in rows[:PREVIEW_ROWS]:
                    self.stdout.write(f"  {word}: {row}")
        for conflict in summary.conflicts:
            self.stdout.write(f"  konflikt: {conflict.sheet}: {conflict.label} er ændret i portalen af {conflict.who} "
                              f"{conflict.when:%d-%m-%Y %H:%M} efter eksporten; portalens version er beholdt.")
        if summary.reordered:
            self.stdout.write(f"Rækkefølgen i filen afviger for {summary.reordered} rækker; portalens er beholdt "
                              "(--file-order bruger filens).")
        if dry_run:
            self.stdout.write("Prøvekørsel: intet er gemt.")
