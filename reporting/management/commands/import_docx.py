"""python manage.py import_docx FILE.docx [--plan SLUG] [--dry-run]

Reads a plan out of a Word document (see `reporting.exchange.word`), prints what it
recognised (directions, initiatives, activities, cross-links, budget lines, each with
where in the document it came from) and what it could not place, then writes it
through the Excel import: all or nothing, audited with the source "word". Without
--plan the plan's short name is made from the document's title; an existing plan
with that name is updated (matched by number), otherwise a new plan is created.
A file it refuses, or a document it cannot write, exits non-zero with the reasons.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from masterplan.models import Plan
from reporting.exchange.files import ImportFailed
from reporting.exchange.importer import PREVIEW_ROWS
from reporting.exchange.word import WordImportFailed, default_slug, import_word, load_docx, outline


class Command(BaseCommand):
    help = "Indlæser en plan fra et Word-dokument (.docx): opretter eller opdaterer, alt eller intet."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Word-dokumentet (.docx).")
        parser.add_argument("--plan", dest="slug", help="Indlæs i denne plan (standard: et kort navn efter "
                                                        "dokumentets titel).")
        parser.add_argument("--dry-run", action="store_true", help="Vis hvad der ville ske, uden at gemme noget.")

    def handle(self, *args, file, slug=None, dry_run=False, **options):
        with translation.override("da"):
            self.run(file, slug, dry_run)

    def run(self, file, slug, dry_run):
        try:
            with open(file, "rb") as handle:
                word = load_docx(handle, name=file, size=os.path.getsize(file))
        except OSError as error:
            raise CommandError(f"Kunne ikke læse {file}: {error.strerror or error}") from None
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError("Filen blev ikke indlæst. Intet er ændret.") from None
        for line in outline(word):
            self.stdout.write(line)
        slug = slug or default_slug(word)
        plan = Plan.objects.select_related("organization").filter(slug=slug).first()
        try:
            summary = import_word(word, plan=plan, slug=slug, commit=not dry_run)
        except WordImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Dokumentet blev ikke indlæst: {len(failed.problems)} fejl. Intet er ændret.") \
                from None
        verb = "ville blive" if dry_run else "er"
        self.stdout.write(f"Planen {summary.plan.slug} {verb} {'oprettet' if summary.created_plan else 'opdateret'}.")
        for title, changes in summary.sheets.items():
            self.stdout.write(f"{title}: {len(changes.new)} nye, {len(changes.changed)} ændrede, "
                              f"{len(changes.removed)} slettede")
            for word_, rows in (("ny", changes.new), ("ændret", changes.changed), ("slettet", changes.removed)):
                for row in rows[:PREVIEW_ROWS]:
                    self.stdout.write(f"  {word_}: {row}")
        if dry_run:
            self.stdout.write("Prøvekørsel: intet er gemt.")
