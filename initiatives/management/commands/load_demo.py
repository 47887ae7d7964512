"""Load the four real demo plans from fixtures/ and create the demo users.

Idempotent: objects are matched by natural key (organization slug, plan slug,
direction number, initiative number) and updated in place; activities, budget lines
and cross-links of a demo plan are replaced by the fixture's. Every object is
validated with `full_clean()` before it is saved, and every write is audited as
source "load_demo". Other apps add their demo data when it sends
`initiatives.signals.demo_loaded` (inside the same transaction).

`fixtures/examples/<plan slug>.json` adds an example follow-up to a demo plan: a
status for the initiatives whose own sentences in the seed support one, each with a
status update whose note quotes that sentence. The plan's `example_note` says on
every page that shows these statuses that they are example data.
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from initiatives.audit import audit_context
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, StatusUpdate
from initiatives.signals import demo_loaded
from masterplan.models import Direction, Membership, Organization, Plan

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
EXAMPLES_DIR = FIXTURES_DIR / "examples"
DEMO_PASSWORD = "demo"
# Plan data stays Danish whatever the language: this is a stored note, not UI text.
EXAMPLE_NOTE = "Eksempeldata. Bygger på opfølgningen 2024: »{quote}«"
# username: (organization slug or None, role or None, superuser?)
DEMO_USERS = {
    "admin": (None, None, True),
    "konsulent": ("svendborg", Membership.Role.EDITOR, False),
    "leder": ("svendborg", Membership.Role.MANAGER, False),
    "politiker": ("svendborg", Membership.Role.READER, False),
    "nyborg": ("nyborg", Membership.Role.EDITOR, False),
    # The owner (tovholder): a reader of Svendborg, responsible for DEMO_OWNED's initiatives.
    "tovholder": ("svendborg", Membership.Role.READER, False),
}
# Addresses for the follow-up mails; .invalid is reserved, so nothing ever leaves.
DEMO_USER_DETAILS = {
    "konsulent": {"email": "konsulent@example.invalid", "first_name": "Karen", "last_name": "Konsulent"},
    "tovholder": {"email": "tovholder@example.invalid", "first_name": "Tove", "last_name": "Holder"},
}
DEMO_OWNED = {"tovholder": ("svendborg-masterplan", ["1.2", "2.2", "5.2"])}
# Every other demo user gets an example address in the same reserved domain, so single
# sign-on can be tried with the demo: a provider user with that e-mail logs in as them.
DEMO_EMAIL = "{username}@example.invalid"
PLAN_FIELDS = [
    "title", "period_start", "period_end", "adopted_on", "adopted_by", "intro", "vision",
    "direction_label", "direction_label_plural", "direction_label_gender", "direction_label_definite",
    "direction_label_plural_definite", "initiative_label", "initiative_label_plural", "initiative_label_gender",
    "initiative_label_definite", "initiative_label_plural_definite", "published",
]
DIRECTION_FIELDS = ["title", "statement", "goal", "purpose", "description", "success_criteria", "focus_points"]
INITIATIVE_FIELDS = [
    "kind", "title", "description", "goal", "purpose", "follow_up", "deadline", "success_criteria",
    "expected_outcomes", "actions", "responsible", "start_date", "end_date", "funding_amount",
    "funding_source", "status", "phase",
]


def save_validated(obj):
    obj.full_clean()
    obj.save()
    return obj


def assign(obj, data, fields):
    changed = False
    for field in fields:
        value = data.get(field, obj._meta.get_field(field).get_default())
        field_obj = obj._meta.get_field(field)
        value = field_obj.to_python(value) if value is not None else None
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


class Command(BaseCommand):
    help = "Indlæser de fire demoplaner fra fixtures/ og opretter demobrugerne (adgangskode 'demo')."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Opret ikke demobrugerne.")

    def handle(self, *args, **options):
        files = sorted(FIXTURES_DIR.glob("*.json"))
        if not files:
            raise CommandError(f"Ingen demodata i {FIXTURES_DIR}.")
        with audit_context(None, "load_demo"), transaction.atomic():
            for path in files:
                plan = self.load_plan(json.loads(path.read_text(encoding="utf-8")))
                self.stdout.write(
                    f"{plan.slug}: {plan.direction_noun.count(plan.directions.count())}, "
                    f"{plan.initiative_noun.count(plan.initiatives.count())}"
                )
            if not options["no_users"]:
                self.load_users()
            # Other apps' demo data (e.g. indicators), without this app importing them.
            demo_loaded.send(sender=self.__class__, stdout=self.stdout)

    def load_plan(self, data):
        example_path = EXAMPLES_DIR / f"{data['plan']['slug']}.json"
        example = json.loads(example_path.read_text(encoding="utf-8")) if example_path.exists() else {}
        example_updates = {update["number"]: update for update in example.get("updates", [])}
        org_data = data["organization"]
        organization, _ = Organization.objects.get_or_create(
            slug=org_data["slug"], defaults={"name": org_data["name"]}
        )
        plan_data = data["plan"]
        plan = Plan.objects.filter(slug=plan_data["slug"]).first() or Plan(
            slug=plan_data["slug"], organization=organization
        )
        changed = assign(plan, plan_data, PLAN_FIELDS)
        if plan.example_note != example.get("note", ""):
            plan.example_note, changed = example.get("note", ""), True
        if changed or plan.pk is None:
            save_validated(plan)

        directions = {}
        for order, d_data in enumerate(data["directions"], start=1):
            direction = Direction.objects.filter(plan=plan, number=d_data["number"]).first() or Direction(
                plan=plan, number=d_data["number"]
            )
            changed = assign(direction, d_data, DIRECTION_FIELDS)
            if direction.order != order:
                direction.order, changed = order, True
            if changed or direction.pk is None:
                save_validated(direction)
            directions[direction.number] = direction

        for direction in directions.values():
            d_data = next(d for d in data["directions"] if d["number"] == direction.number)
            for order, i_data in enumerate(d_data["initiatives"], start=1):
                update = example_updates.pop(i_data["number"], None)
                if update:
                    i_data = {**i_data, "status": update["status"], "phase": update.get("phase", "")}
                initiative = self.load_initiative(plan, direction, directions, order, i_data)
                if update:
                    self.load_example_update(initiative, update)
        if example_updates:
            raise CommandError(f"Eksempeldata for ukendte numre: {', '.join(example_updates)}")

        self.replace_budget_lines(plan, None, data.get("budget_lines", []))
        return plan

    def load_initiative(self, plan, direction, directions, order, data):
        initiative = Initiative.objects.filter(plan=plan, number=data["number"]).first() or Initiative(
            number=data["number"]
        )
        changed = assign(initiative, data, INITIATIVE_FIELDS)
        if initiative.direction_id != direction.pk or initiative.order != order:
            initiative.direction, initiative.order, changed = direction, order, True
        if changed or initiative.pk is None:
            save_validated(initiative)

        wanted = {directions[number].pk for number in data.get("cross_links", [])}
        for link in initiative.cross_link_rows.exclude(direction_id__in=wanted):
            link.delete()
        existing = set(initiative.cross_link_rows.values_list("direction_id", flat=True))
        for direction_pk in sorted(wanted - existing):
            save_validated(CrossLink(initiative=initiative, direction_id=direction_pk))

        wanted_activities = [
            (a["year"], a.get("period", "year"), a["text"], a.get("responsible", ""), a.get("deadline", ""),
             bool(a.get("done", False)), order)
            for order, a in enumerate(data.get("activities", []), start=1)
        ]
        current = [
            (a.year, a.period, a.text, a.responsible, a.deadline, a.done, a.order)
            for a in initiative.activities.order_by("order", "id")
        ]
        if current != wanted_activities:
            for activity in initiative.activities.all():
                activity.delete()
            for year, period, text, responsible, deadline, done, a_order in wanted_activities:
                save_validated(Activity(
                    initiative=initiative, year=year, period=period, text=text,
                    responsible=responsible, deadline=deadline, done=done, order=a_order,
                ))
        self.replace_budget_lines(plan, initiative, data.get("budget_lines", []))
        return initiative

    def load_example_update(self, initiative, update):
        """The example's status update, once: its note quotes the seed's sentence."""
        note = EXAMPLE_NOTE.format(quote=update["quote"])
        if not initiative.status_updates.filter(note=note).exists():
            save_validated(StatusUpdate(
                initiative=initiative, status=update["status"], phase=update.get("phase", ""), note=note,
            ))

    def replace_budget_lines(self, plan, initiative, lines):
        wanted = [
            (line["year"], BudgetLine._meta.get_field("amount").to_python(line["amount"]), line["label"],
             line.get("kind", "expense"), order)
            for order, line in enumerate(lines, start=1)
        ]
        existing_qs = BudgetLine.objects.filter(plan=plan, initiative=initiative)
        current = [(b.year, b.amount, b.label, b.kind, b.order) for b in existing_qs.order_by("order", "id")]
        if current == wanted:
            return
        for line in existing_qs:
            line.delete()
        for year, amount, label, kind, order in wanted:
            save_validated(BudgetLine(
                plan=plan, initiative=initiative, year=year, amount=amount, label=label, kind=kind, order=order
            ))

    def load_users(self):
        User = get_user_model()
        for username, (org_slug, role, superuser) in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, is_superuser=superuser, is_staff=superuser)
                user.set_password(DEMO_PASSWORD)
                user.save()
            if org_slug:
                Membership.objects.update_or_create(
                    user=user, organization=Organization.objects.get(slug=org_slug), defaults={"role": role}
                )
            wanted = {"email": DEMO_EMAIL.format(username=username), **DEMO_USER_DETAILS.get(username, {})}
            details = {k: v for k, v in wanted.items() if not getattr(user, k)}
            if details:
                for field, value in details.items():
                    setattr(user, field, value)
                user.save(update_fields=list(details))
            if username in DEMO_OWNED:
                self.own(user, *DEMO_OWNED[username])
        self.stdout.write(f"Demobrugere: {', '.join(DEMO_USERS)} (adgangskode '{DEMO_PASSWORD}')")

    def own(self, user, plan_slug, numbers):
        """Make `user` the responsible user of these initiatives, unless someone else already is."""
        for initiative in Initiative.objects.filter(plan__slug=plan_slug, number__in=numbers,
                                                    responsible_user__isnull=True):
            initiative.responsible_user = user
            save_validated(initiative)
