"""New rows are inserted together at the end of their sheet, so the rules a save used to check
against the database are checked in memory: a number once per plan (as the database holds it at
that row, plus the new rows), a new initiative's cross-links, one measurement per date."""

import datetime

import pytest

from indicators.models import Indicator, Measurement
from initiatives.models import CrossLink, Initiative
from reporting.exchange.importer import ImportFailed
from tests.reporting.test_excel_edits import column, db_state, edited, exported, run

pytestmark = pytest.mark.django_db


def add_initiative(ws, number, direction, title, links=""):
    row = ws.max_row + 1
    for header, value in (("Nummer", number), ("Retning", direction), ("Titel", title),
                          ("Understøtter også retning", links)):
        ws[f"{column(ws, header)}{row}"] = value
    return row


def refused(data, plan) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        run(data, plan)
    return [f"{p.sheet} {p.row} {p.column}: {p.message}" for p in failure.value.problems]


def test_a_new_initiative_may_not_also_support_its_own_direction(initiative, editor):
    plan = initiative.plan
    before = db_state()
    data = edited(exported(plan), lambda wb: add_initiative(wb["Initiativer"], "2.5", 2, "Ny", links="2"))
    problems = refused(data, plan)
    assert any("Initiativer 3 Understøtter også retning: Et initiativ kan ikke også understøtte sin egen retning."
               in p for p in problems), problems
    assert db_state() == before


def test_two_new_rows_with_one_number_name_the_second(initiative):
    plan = initiative.plan
    before = db_state()

    def edit(wb):
        add_initiative(wb["Initiativer"], "3.1", 3, "Første")
        add_initiative(wb["Initiativer"], "3.1", 3, "Anden")

    problems = refused(edited(exported(plan), edit), plan)
    assert problems == ["Initiativer 4 Nummer: Der findes allerede nummer 3.1 i denne plan. Vælg et andet nummer."]
    assert db_state() == before


def test_a_number_freed_by_an_earlier_row_can_be_taken_by_a_new_one(initiative):
    """Row 2 renumbers 1.1 to 1.9; the new row 3 may then be 1.1, as saving row by row allowed."""
    plan = initiative.plan

    def edit(wb):
        ws = wb["Initiativer"]
        ws[f"{column(ws, 'Nummer')}2"] = "1.9"
        add_initiative(ws, "1.1", 1, "Ny på det gamle nummer")

    run(edited(exported(plan), edit), plan)
    assert Initiative.objects.get(pk=initiative.pk).number == "1.9"
    new = Initiative.objects.get(plan=plan, number="1.1")
    assert new.pk != initiative.pk and new.title == "Ny på det gamle nummer"


def test_a_new_initiative_and_its_cross_links_are_inserted_together(initiative):
    plan = initiative.plan
    data = edited(exported(plan), lambda wb: add_initiative(wb["Initiativer"], "3.1", 3, "Ny", links="1, 2"))
    run(data, plan)
    new = Initiative.objects.get(plan=plan, number="3.1")
    assert sorted(CrossLink.objects.filter(initiative=new).values_list("direction__number", flat=True)) == [1, 2]
    assert new.order == 1 and new.direction.number == 3


def test_one_measurement_per_date_also_among_new_rows(initiative):
    plan = initiative.plan
    indicator = Indicator.objects.create(plan=plan, name="Ventetid", unit="dage")
    Measurement.objects.create(indicator=indicator, period="date", date=datetime.date(2025, 3, 1), value=10)
    before = db_state(), list(Measurement.objects.values())

    def edit(wb):
        ws = wb["Målinger"]
        for date in ("01-06-2025", "01-06-2025"):
            row = ws.max_row + 1
            for header, value in (("Indikator", "Ventetid"), ("Periode", "Dato"), ("Dato", date), ("Værdi", 8)):
                ws[f"{column(ws, header)}{row}"] = value

    problems = refused(edited(exported(plan), edit), plan)
    assert problems == ["Målinger 4 Dato: Der findes allerede en måling for 1. juni 2025."], problems
    assert (db_state(), list(Measurement.objects.values())) == before


def test_an_existing_rows_new_link_before_a_new_initiative_with_links(initiative):
    """Cross-links of an existing row are queued before the first new initiative: the new
    initiative is still inserted first, then every link."""
    plan = initiative.plan

    def edit(wb):
        ws = wb["Initiativer"]
        ws[f"{column(ws, 'Understøtter også retning')}2"] = "2, 3"
        add_initiative(ws, "3.1", 3, "Ny med link", links="1")

    run(edited(exported(plan), edit), plan)
    new = Initiative.objects.get(plan=plan, number="3.1")
    assert list(CrossLink.objects.filter(initiative=new).values_list("direction__number", flat=True)) == [1]
    assert sorted(CrossLink.objects.filter(initiative=initiative).values_list("direction__number", flat=True)) == [2, 3]


def test_a_new_row_above_the_old_one_renumbered_keeps_each_identity(initiative):
    """Insert a new 1.1 on top and renumber the old 1.1 (found by its id) to 1.2: the old
    initiative keeps its id, activities and history; the new row is a new initiative."""
    plan = initiative.plan

    def edit(wb):
        ws = wb["Initiativer"]
        ws.insert_rows(2)
        for header, value in (("Nummer", "1.1"), ("Retning", 1), ("Titel", "Helt nyt initiativ")):
            ws[f"{column(ws, header)}2"] = value
        ws[f"{column(ws, 'Nummer')}3"] = "1.2"
        activities = wb["Aktiviteter"]
        activities[f"{column(activities, 'Initiativ')}2"] = "1.2"  # the old one's activity follows it

    run(edited(exported(plan), edit), plan)
    old = Initiative.objects.get(pk=initiative.pk)
    assert (old.number, old.title) == ("1.2", "Sagsbehandlingstider")
    assert list(old.activities.values_list("text", flat=True)) == ["Analyse af arbejdsgange."]
    new = Initiative.objects.get(plan=plan, number="1.1")
    assert new.pk != initiative.pk and new.title == "Helt nyt initiativ"


def test_a_new_rows_number_is_checked_against_the_plan_as_the_sheet_leaves_it(initiative, directions):
    plan = initiative.plan
    Initiative.objects.create(direction=directions[1], number="2.1", title="Bliver stående")
    before = db_state()

    def clash(wb):  # a new 2.1 above the existing 2.1, which keeps its number
        ws = wb["Initiativer"]
        ws.insert_rows(2)
        for header, value in (("Nummer", "2.1"), ("Retning", 2), ("Titel", "Ny")):
            ws[f"{column(ws, header)}2"] = value

    problems = refused(edited(exported(plan), clash), plan)
    assert problems == ["Initiativer 2 Nummer: Der findes allerede nummer 2.1 i denne plan. Vælg et andet nummer."]
    assert db_state() == before
