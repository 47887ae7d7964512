"""The demo's example follow-up (fixtures/examples/): Svendborg's statuses rest on the
seed's own sentences, each note quotes its sentence, the example is marked as such
wherever the statuses are shown, load_demo stays idempotent, and the other plans keep
their statuses."""

import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from initiatives.models import AuditEntry, Initiative, StatusUpdate
from masterplan.models import Plan

EXAMPLE = json.loads((Path(settings.BASE_DIR) / "fixtures" / "examples" / "svendborg-masterplan.json")
                     .read_text(encoding="utf-8"))
SEED_000 = (Path(__file__).parent.parent / "data" / "seed_000_svendborg_opfoelgning_2024.txt").read_text(
    encoding="utf-8")

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_each_example_status_quotes_a_sentence_of_its_own_initiative_in_the_seed(demo):
    plan = Plan.objects.get(slug="svendborg-masterplan")
    seed = " ".join(SEED_000.split())
    for update in EXAMPLE["updates"]:
        initiative = Initiative.objects.get(plan=plan, number=update["number"])
        assert initiative.status == update["status"]
        own_text = " ".join(a.text for a in initiative.activities.all())
        assert update["quote"] in own_text, update["number"]  # the initiative's own sentence …
        assert update["quote"] in seed, update["number"]  # … exactly as the seed has it
        notes = list(initiative.status_updates.values_list("note", flat=True))
        assert len(notes) == 1 and "Eksempeldata" in notes[0] and f"»{update['quote']}«" in notes[0]


def test_a_finished_project_is_done_and_a_refused_grant_is_a_risk(demo):
    """The two sentences the issue names: the example follows the text, not a pattern."""
    by_number = {u["number"]: u for u in EXAMPLE["updates"]}
    assert by_number["3.1"] == {**by_number["3.1"], "status": "done", "quote": "Projektet afsluttet i oktober 2025"}
    assert by_number["8.6"]["status"] == "at_risk" and "ikke imødekommet" in by_number["8.6"]["quote"]
    plan = Plan.objects.get(slug="svendborg-masterplan")
    unassessed = Initiative.objects.filter(plan=plan, status="not_assessed").count()
    assert unassessed == plan.initiatives.count() - len(EXAMPLE["updates"])


def test_load_demo_with_the_example_is_idempotent(demo):
    counts = (StatusUpdate.objects.count(), AuditEntry.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (StatusUpdate.objects.count(), AuditEntry.objects.count()) == counts


def test_other_plans_have_no_example(demo):
    for plan in Plan.objects.exclude(slug="svendborg-masterplan"):
        assert plan.example_note == ""
        assert not StatusUpdate.objects.filter(initiative__plan=plan).exists()
        assert set(plan.initiatives.values_list("status", flat=True)) == {"not_assessed"}


def test_example_is_marked_on_every_page_that_shows_the_statuses(client, demo):
    client.login(username="leder", password="demo")
    plan = Plan.objects.get(slug="svendborg-masterplan")
    initiative = Initiative.objects.get(plan=plan, number="3.1")
    for url in [plan.get_absolute_url(), reverse("plan_dashboard", args=[plan.slug]),
                reverse("report_preview", args=[plan.slug, 2025]), initiative.get_absolute_url(),
                reverse("direction_detail", args=[plan.slug, 3])]:
        page = client.get(url).content.decode()
        assert "Eksempeldata" in page, url
        assert "seed" not in page, url  # the developers' name for the source document, not the readers'
    other = Plan.objects.get(slug="svendborg-familie-2018")
    assert "Eksempeldata" not in client.get(other.get_absolute_url()).content.decode()
    assert re.search(r"Eksempeldata", client.get(initiative.get_absolute_url()).content.decode())
