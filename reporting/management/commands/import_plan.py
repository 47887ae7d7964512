"""python manage.py import_plan FILE.xlsx [--plan SLUG] [--dry-run]

Creates the plan or updates the existing one, matched by slug and then by the
numbers of its directions and initiatives; all or nothing. Every problem in the
file is listed (sheet, row, column, message) and the command exits non-zero.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from reporting.exchange.importer import PREVIEW_ROWS, ImportFailed, import_plan, load


class Command(BaseCommand):
    help = "Indlæser en plan fra en Excel-projektmappe (opretter eller opdaterer, alt eller intet)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel-projektmappen (.xlsx).")
        parser.add_argument("--plan", dest="slug", help="Indlæs i denne plan (standard: planens korte navn i filen).")
        parser.add_argument("--dry-run", action="store_true", help="Vis ændringerne uden at gemme noget.")

    def handle(self, *args, file, slug=None, dry_run=False, **options):
        try:
            with open(file, "rb") as handle:
                parsed = load(handle, name=file, size=os.path.getsize(file))
            summary = import_plan(parsed, slug=slug, commit=not dry_run)
        except OSError as error:
            raise CommandError(f"Kunne ikke læse {file}: {error.strerror or error}") from None
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Filen blev ikke indlæst: {len(failed.problems)} fejl. Intet er ændret.") from None
        verb = "ville blive" if dry_run else "er"
        action = "oprettet" if summary.created_plan else "opdateret"
        self.stdout.write(f"Planen {summary.plan.slug} {verb} {action}.")
        for title, changes in summary.sheets.items():
            self.stdout.write(f"{title}: {len(changes.new)} nye, {len(changes.changed)} ændrede, "
                              f"{len(changes.removed)} slettede")
            for word, rows in (("ny", changes.new), ("ændret", changes.changed), ("slettet", changes.removed)):
                for row in rows[:PREVIEW_ROWS]:
                    self.stdout.write(f"  {word}: {row}")
        if dry_run:
            self.stdout.write("Prøvekørsel: intet er gemt.")
