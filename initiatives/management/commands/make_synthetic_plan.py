"""Make a large, clearly synthetic plan for benchmarks and load tests.

    python manage.py make_synthetic_plan --initiatives 1000 [--slug syntetisk-1000]

The plan belongs to the organization "Syntetisk Kommune" (never a real
municipality). Its texts are built from Danish word lists, so pages and reports
look realistic without copying anybody's plan. The content is deterministic for
a given N: the random generator is seeded from N, and dates are placed relative
to today (so "stale" initiatives stay stale whenever the plan is made).

Speed over bookkeeping: rows are written with `bulk_create`/`bulk_update`, and
an existing synthetic plan with the same slug is removed with raw deletes. Both
bypass the signal-based audit log (`initiatives.audit`) on purpose: this is
throw-away benchmark data, not plan data anyone edits. Only the plan row itself
is saved (and audited) normally. The command refuses to replace a plan that
belongs to another organization, so it can never wipe a real plan. Other apps
add to the plan (indicators with generated series) through the signals in
`initiatives.signals`.
"""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from initiatives.audit import audit_context
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, Period, Phase, Status, StatusUpdate
from initiatives.signals import synthetic_plan_built, synthetic_plan_removing
from masterplan.models import Direction, Organization, Plan

ORGANIZATION = ("syntetisk-kommune", "Syntetisk Kommune")

SUBJECTS = [
    "borgere med psykiske vanskeligheder", "ældre med demens", "børn og unge i udsatte positioner",
    "pårørende", "borgere med handicap", "unge på kanten af uddannelse", "borgere i eget hjem",
    "familier med komplekse behov", "borgere med misbrug", "hjemløse borgere", "plejehjemsbeboere",
    "medarbejdere i hjemmeplejen", "frivillige", "borgere med kroniske sygdomme", "nytilkomne borgere",
]
VERBS = [
    "Styrke", "Udvikle", "Samle", "Forebygge", "Understøtte", "Gentænke", "Forenkle", "Udbrede",
    "Kvalificere", "Afprøve", "Forankre", "Digitalisere", "Målrette", "Koordinere",
]
OBJECTS = [
    "den tidlige indsats", "det tværfaglige samarbejde", "rehabiliteringsforløbene", "sagsbehandlingen",
    "overgangen fra barn til voksen", "botilbuddenes faglighed", "velfærdsteknologien", "det nære sundhedsvæsen",
    "de fælles handleplaner", "inddragelsen af civilsamfundet", "værdighedspolitikken", "dokumentationen",
    "rekrutteringen af medarbejdere", "kompetenceudviklingen", "de åbne tilbud", "udredningen",
]
THEMES = [
    "Livskvalitet og mestring", "Sammenhængende forløb", "Tidlig og forebyggende indsats", "Fællesskaber",
    "Sundhed og trivsel", "Faglighed og kvalitet", "Teknologi og nye løsninger", "Attraktive arbejdspladser",
    "Inddragelse af borgere og pårørende", "Bolig og hverdagsliv", "Uddannelse og beskæftigelse",
    "Samarbejde på tværs", "Bæredygtig økonomi", "Data og viden", "Nærhed og tilgængelighed",
]
ACTIVITY_VERBS = [
    "Kortlægning af", "Workshop om", "Pilotafprøvning af", "Evaluering af", "Opstart af", "Uddannelse i",
    "Beskrivelse af", "Implementering af", "Opfølgning på", "Temadag om", "Borgerpanel om", "Analyse af",
]
UNITS = [
    "Myndighed Voksen", "Socialpsykiatrien", "Hjemmeplejen", "Sundhed og Forebyggelse", "Botilbud Nord",
    "Botilbud Syd", "Familieafdelingen", "Sekretariatet", "Træning og Rehabilitering", "Ældreområdet",
    "Digitalisering og Velfærdsteknologi", "Staben for Social og Sundhed",
]
FUNDERS = ["Sundhedsstyrelsen", "Socialstyrelsen", "Satspuljen", "Egen ramme", "A.P. Møller Fonden (syntetisk)"]
PERIODS = [
    Period.YEAR, Period.YEAR, Period.YEAR, Period.H1, Period.H2, Period.H1, Period.H2,
    Period.Q1, Period.Q2, Period.Q3, Period.Q4, Period.M03, Period.M06, Period.M09, Period.M11,
]
# Latest status of an initiative, weighted roughly like a real plan in its second year.
STATUS_WEIGHTS = {
    Status.NOT_ASSESSED: 1, Status.NOT_STARTED: 2, Status.ON_TRACK: 8, Status.AT_RISK: 3,
    Status.DELAYED: 2, Status.DONE: 2, Status.PAUSED: 1,
}
PHASES = [Phase.PLANNING, Phase.DEVELOPMENT, Phase.IMPLEMENTATION, Phase.ANCHORING, Phase.OPERATION]
NOTES = [
    "Forløber som planlagt.", "Afventer afklaring af økonomien.", "Rekruttering er forsinket.",
    "Første evaluering er positiv.", "Samarbejdet med de private aktører er i gang.",
    "Projektgruppen er nedsat.", "Der er behov for en justering af tidsplanen.", "",
]
BATCH = 1000


def seed_for(count: int) -> int:
    """Same N, same plan: the generator is seeded from N only."""
    return 1_000_003 * count + 20_241


class Command(BaseCommand):
    help = "Laver en syntetisk plan med N initiativer (til benchmarks). Samme N giver samme plan."

    def add_arguments(self, parser):
        parser.add_argument("--initiatives", type=int, required=True, help="Antal initiativer (1–100000).")
        parser.add_argument("--slug", help="Planens korte navn; standard: syntetisk-N.")

    def handle(self, *args, **options):
        count = options["initiatives"]
        if not 1 <= count <= 100_000:
            raise CommandError("--initiatives skal være mellem 1 og 100000.")
        slug = options["slug"] or f"syntetisk-{count}"
        started = time.monotonic()
        with audit_context(None, "make_synthetic_plan"), transaction.atomic():
            plan = build_plan(count, slug)
        self.stdout.write(
            f"{plan.slug}: {plan.directions.count()} retninger, {plan.initiatives.count()} initiativer, "
            f"{Activity.objects.filter(initiative__plan=plan).count()} aktiviteter "
            f"({time.monotonic() - started:.1f} s)"
        )


def remove_plan(slug: str, organization: Organization) -> None:
    plan = Plan.objects.filter(slug=slug).first()
    if plan is None:
        return
    if plan.organization_id != organization.pk:
        raise CommandError(
            f"Planen '{slug}' tilhører {plan.organization} og kan ikke erstattes af syntetiske data."
        )
    synthetic_plan_removing.send(sender=build_plan, plan=plan)  # other apps' rows first
    # Raw deletes (no per-row signals): see the module docstring.
    for model, lookup in [
        (StatusUpdate, "initiative__plan"), (Activity, "initiative__plan"), (CrossLink, "initiative__plan"),
        (BudgetLine, "plan"), (Initiative, "plan"), (Direction, "plan"),
    ]:
        model.objects.filter(**{lookup: plan})._raw_delete(model.objects.db)
    plan.delete()


def build_plan(count: int, slug: str) -> Plan:
    rng = random.Random(seed_for(count))
    now = timezone.now()
    today = timezone.localdate()
    organization, _ = Organization.objects.get_or_create(slug=ORGANIZATION[0], defaults={"name": ORGANIZATION[1]})
    remove_plan(slug, organization)

    start = today.year - 2
    plan = Plan(
        organization=organization, slug=slug, title=f"Syntetisk masterplan med {count} initiativer",
        period_start=start, period_end=start + 3, adopted_by="Syntetisk Social- og Sundhedsudvalg",
        adopted_on=datetime.date(start - 1, 12, 10),
        intro="Syntetiske testdata til ydelsesmålinger. Planen beskriver ikke en virkelig kommune.",
    )
    plan.full_clean()
    plan.save()
    plan_created = timezone.make_aware(datetime.datetime(start, 1, 15, 9, 0))

    direction_count = rng.randint(5, 15)
    themes = rng.sample(THEMES, direction_count)
    directions = Direction.objects.bulk_create([
        Direction(
            plan=plan, number=n, order=n, title=theme,
            statement=f"Vi arbejder for {rng.choice(SUBJECTS)} med fokus på {theme.lower()}.",
            goal=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} for {rng.choice(SUBJECTS)}.",
        )
        for n, theme in enumerate(themes, start=1)
    ])

    initiatives = []
    per_direction = {d.pk: 0 for d in directions}
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for index in range(count):
        direction = directions[index % direction_count] if index < direction_count else rng.choice(directions)
        per_direction[direction.pk] += 1
        n = per_direction[direction.pk]
        verb, obj, subject = rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(SUBJECTS)
        status = rng.choices(statuses, weights)[0]
        funded = rng.random() < 0.3
        initiatives.append(Initiative(
            plan=plan, direction=direction, number=f"{direction.number}.{n}", order=n,
            kind=rng.choice([Initiative.Kind.INITIATIVE, Initiative.Kind.PROJECT]),
            title=f"{verb} {obj} for {subject}",
            description=(
                f"Initiativet skal {verb.lower()} {obj} i samarbejde med {rng.choice(UNITS)}.\n\n"
                f"- {rng.choice(ACTIVITY_VERBS)} {rng.choice(OBJECTS)}\n- {rng.choice(ACTIVITY_VERBS)} {obj}"
            ),
            goal=f"Målet er, at {subject} oplever {rng.choice(OBJECTS)} som sammenhængende.",
            purpose=f"At {verb.lower()} {obj}.",
            success_criteria=[f"Målet er opnået, når {rng.randint(50, 95)} % af {subject} er tilfredse."],
            responsible=rng.choice(UNITS),
            status=status,
            phase="" if status == Status.NOT_ASSESSED else rng.choice(PHASES),
            funding_amount=Decimal(rng.randrange(100_000, 5_000_000, 1000)) if funded else None,
            funding_source=rng.choice(FUNDERS) if funded else "",
        ))
    Initiative.objects.bulk_create(initiatives, batch_size=BATCH)
    for initiative in initiatives:
        initiative.created_at = plan_created
    Initiative.objects.bulk_update(initiatives, ["created_at"], batch_size=BATCH)

    links, activities, updates, budget = [], [], [], []
    for initiative in initiatives:
        others = [d for d in directions if d.pk != initiative.direction_id]
        for direction in rng.sample(others, rng.choice([0, 1, 1, 2, 2, 3])):
            links.append(CrossLink(initiative=initiative, direction=direction))
        for year in plan.years:
            for order in range(rng.randint(2, 4)):
                done = year < today.year or (year == today.year and rng.random() < 0.5)
                activities.append(Activity(
                    initiative=initiative, year=year, period=rng.choice(PERIODS), order=order,
                    text=f"{rng.choice(ACTIVITY_VERBS)} {rng.choice(OBJECTS)}.",
                    responsible=rng.choice(UNITS), done=done,
                ))
        updates.extend(status_history(rng, initiative, now, plan_created))
        if initiative.funding_amount:
            yearly = (initiative.funding_amount / len(plan.years)).quantize(Decimal("1"))
            for year in plan.years:
                budget.append(BudgetLine(
                    plan=plan, initiative=initiative, year=year, amount=yearly,
                    label=f"{initiative.number} {initiative.funding_source}", order=year - start,
                ))
    CrossLink.objects.bulk_create(links, batch_size=BATCH)
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    BudgetLine.objects.bulk_create(budget, batch_size=BATCH)
    # auto_now_add overrides created_at on insert, so the history's dates are set afterwards.
    timestamps = [update.created_at for update in updates]
    StatusUpdate.objects.bulk_create(updates, batch_size=BATCH)
    for update, timestamp in zip(updates, timestamps):
        update.created_at = timestamp
    StatusUpdate.objects.bulk_update(updates, ["created_at"], batch_size=BATCH)
    synthetic_plan_built.send(sender=build_plan, plan=plan, count=count)  # e.g. indicators with series
    return plan


def status_history(rng, initiative, now, plan_created) -> list:
    """0–4 updates ending in the initiative's current status; some last ones are old (stale)."""
    if initiative.status == Status.NOT_ASSESSED or rng.random() < 0.08:
        return []
    length = rng.randint(1, 4)
    # Days ago of the latest update: mostly recent, about a quarter older than 90 days.
    latest = rng.randint(1, 80) if rng.random() < 0.75 else rng.randint(91, 400)
    earliest_possible = max(latest + 1, (now - plan_created).days - 1)
    days = sorted(rng.sample(range(latest + 1, earliest_possible + length), length - 1), reverse=True)
    days.append(latest)
    progression = [Status.NOT_STARTED, Status.ON_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.DELAYED]
    updates = []
    for position, days_ago in enumerate(days):
        last = position == len(days) - 1
        status = initiative.status if last else rng.choice(progression)
        updates.append(StatusUpdate(
            initiative=initiative, status=status,
            phase=initiative.phase if last else rng.choice(PHASES),
            note=rng.choice(NOTES),
            created_at=now - datetime.timedelta(days=days_ago, minutes=rng.randint(0, 600)),
        ))
    return updates
