"""Open a plan's follow-up round for a year, the same as the button on the round page."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import date_format

from initiatives.audit import audit_context
from masterplan.models import Plan

from ...models import FollowUpRound


def command_date(value: str) -> datetime.date:
    """åååå-mm-dd (the fixed interface) or dd-mm-åååå, as dates are written in the portal."""
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise CommandError(f"Datoen {value!r} kunne ikke læses. Skriv den som dd-mm-åååå, fx 15-12-2026.")


class Command(BaseCommand):
    help = "Åbner opfølgningsrunden for en plan og et år: én indberetning pr. initiativ til dets tovholder."

    def add_arguments(self, parser):
        parser.add_argument("plan_slug")
        parser.add_argument("year", type=int)
        parser.add_argument("--deadline", required=True,
                            help="Frist, åååå-mm-dd eller dd-mm-åååå (fx 2026-12-15 eller 15-12-2026).")
        parser.add_argument("--message", default="", help="Besked til tovholderne.")

    def handle(self, *args, **options):
        plan = Plan.objects.filter(slug=options["plan_slug"]).first()
        if plan is None:
            raise CommandError(f"Planen {options['plan_slug']!r} findes ikke.")
        deadline = command_date(options["deadline"])
        try:
            with audit_context(None, "open_round"):
                round_ = FollowUpRound.open(plan, options["year"], deadline, options["message"], None)
        except ValidationError as error:
            raise CommandError(" ".join(m for messages in error.message_dict.values() for m in messages)) from None
        owners = round_.requests.exclude(owner=None).values("owner").distinct().count()
        requests = round_.requests.count()
        self.stdout.write(f"{plan.slug} {round_.year}: {requests} {'indberetning' if requests == 1 else 'indberetninger'}, "
                          f"{owners} {'tovholder' if owners == 1 else 'tovholdere'}, "
                          f"frist {date_format(deadline, 'DATE_FORMAT')}.")
