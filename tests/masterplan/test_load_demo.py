"""The demo data: four real plans, loaded idempotently, with every sentence of the
annual report's tables (seed 000) present in the database."""

import html
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from initiatives.models import Activity, AuditEntry, BudgetLine, CrossLink, Initiative
from masterplan.models import Membership, Plan

# A copy of ../shared/seeds/000_…txt, so the test runs wherever the repository is cloned.
SEED_000 = Path(__file__).parent.parent / "data" / "seed_000_svendborg_opfoelgning_2024.txt"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_all_four_plans_with_their_labels(demo):
    plans = {p.slug: p for p in Plan.objects.all()}
    assert set(plans) == {
        "svendborg-masterplan", "ikast-brande-udviklingsplan", "nyborg-udviklingsplan", "svendborg-familie-2018",
    }
    assert plans["ikast-brande-udviklingsplan"].direction_label == "Spor"
    assert plans["nyborg-udviklingsplan"].direction_label == "Fokusområde"
    assert plans["nyborg-udviklingsplan"].initiative_label == "Handling"
    assert plans["svendborg-familie-2018"].direction_label == "Tema"


def test_svendborg_masterplan_counts_and_cross_links(demo):
    plan = Plan.objects.get(slug="svendborg-masterplan")
    assert plan.directions.count() == 9
    assert plan.initiatives.count() == 26
    links = sorted(
        (link.initiative.number, link.direction.number)
        for link in CrossLink.objects.filter(initiative__plan=plan).select_related("initiative", "direction")
    )
    # The "Retninger i masterplanen, som projektet også understøtter" column of seed 000.
    assert links == [
        ("2.1", 1), ("2.2", 5), ("4.1", 5), ("5.1", 4), ("5.2", 1),
        ("6.1", 1), ("6.1", 3), ("6.1", 4), ("7.3", 1), ("9.2", 3),
    ]
    half_years = Activity.objects.filter(initiative__plan=plan, period__in=["h1", "h2"])
    assert half_years.count() == 4
    assert set(Activity.objects.filter(initiative__plan=plan).values_list("year", flat=True)) == {2024, 2025, 2026}


def test_nyborg_budget_lines_cover_2024_to_2028(demo):
    plan = Plan.objects.get(slug="nyborg-udviklingsplan")
    years = set(BudgetLine.objects.filter(plan=plan).values_list("year", flat=True))
    assert years == {2024, 2025, 2026, 2027, 2028}


def test_familie_2018_has_success_criteria_responsible_and_deadlines(demo):
    plan = Plan.objects.get(slug="svendborg-familie-2018")
    first_theme = plan.directions.get(number=1)
    assert any(c.startswith("Målet er opnået, når") for c in first_theme.success_criteria)
    assert Initiative.objects.filter(plan=plan).exclude(responsible="").count() > 30
    assert Initiative.objects.filter(plan=plan, deadline__icontains="2018").exists()


def test_load_demo_is_idempotent_and_audited(demo):
    counts = (Initiative.objects.count(), Activity.objects.count(), CrossLink.objects.count(),
              BudgetLine.objects.count(), AuditEntry.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Initiative.objects.count(), Activity.objects.count(), CrossLink.objects.count(),
            BudgetLine.objects.count(), AuditEntry.objects.count()) == counts
    assert AuditEntry.objects.filter(source="load_demo", action="create", model="initiative").count() == counts[0]


def test_demo_users_and_roles(demo):
    for username in ["admin", "konsulent", "leder", "politiker", "nyborg", "tovholder"]:
        assert authenticate(username=username, password="demo") is not None
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"konsulent": "editor", "leder": "manager", "politiker": "reader", "nyborg": "editor",
                     "tovholder": "reader"}
    assert Membership.objects.get(user__username="nyborg").organization.slug == "nyborg"
    # Every demo user has an (example) e-mail address, so single sign-on can be tried.
    emails = dict(get_user_model().objects.values_list("username", "email"))
    for username in ["admin", "konsulent", "leder", "politiker", "nyborg"]:
        assert emails[username] == f"{username}@example.invalid"


# --- Every sentence of seed 000's tables is in `dumpdata` -----------------------------

STRUCTURAL_CELLS = {"", "Initiativ", "Projekt", "Aktiviteter", "2024", "2025", "2026",
                    "Retninger i masterplanen, som projektet også understøtter",
                    # the same header, split over a page break
                    "Retninger i masterplanen, som", "projektet også understøtter"}


def seed_table_sentences(text: str) -> list[str]:
    """Sentences of every table cell of seed 000, with the markers the data model
    turns into structure removed ("Mål:", "1. halvår", "N: " of cross-links)."""
    sentences = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        for cell in line.strip().strip("|").split("|"):
            for paragraph in re.split(r"</p>|<br\s*/?>", cell):
                plain = html.unescape(re.sub(r"<[^>]+>", " ", paragraph))
                plain = " ".join(plain.split())
                # Unmarked cells run the goal straight after the description, and
                # cross-links ("N: statement") after each other.
                for part in re.split(r"\s(?=Mål:? )|\s(?=\d: [A-ZÆØÅ])", plain):
                    part = re.sub(r"^(Initiativ\s(?=[A-ZÆØÅ])|Mål:?|[12]\. halvår|\d: )\s*", "", part).strip()
                    if part in STRUCTURAL_CELLS:
                        continue
                    sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", part) if len(s) > 3)
    return sentences


def dumped_texts() -> str:
    out = io.StringIO()
    call_command("dumpdata", "masterplan", "initiatives", stdout=out)
    texts = []
    for record in json.loads(out.getvalue()):
        values = [v for v in record["fields"].values() if isinstance(v, str)]
        texts.append(" ".join(values))
    return "\n".join(texts)


def test_dumpdata_contains_every_sentence_of_the_report_tables(demo):
    sentences = seed_table_sentences(SEED_000.read_text(encoding="utf-8"))
    assert len(sentences) > 200
    corpus = " ".join(dumped_texts().split())
    missing = [s for s in sentences if s not in corpus]
    assert missing == []


def test_tovholder_owns_some_svendborg_initiatives_and_has_an_address(demo):
    user = authenticate(username="tovholder", password="demo")
    assert user is not None and user.email == "tovholder@example.invalid"
    assert Membership.objects.get(user=user).organization.slug == "svendborg"
    owned = Initiative.objects.filter(responsible_user=user)
    assert sorted(owned.values_list("plan__slug", "number")) == [
        ("svendborg-masterplan", "1.2"), ("svendborg-masterplan", "2.2"), ("svendborg-masterplan", "5.2")]
    assert all(i.is_updatable_by(user) for i in owned)
    other = Initiative.objects.get(plan__slug="svendborg-masterplan", number="1.1")
    assert not other.is_updatable_by(user)
