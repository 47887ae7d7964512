"""New rows are inserted together at the end of their sheet, so the rules a save used to check
against the database are checked in memory: a number once per plan (as the database holds it at
that row, plus the new rows, less the numbers later rows give up: initiatives may swap numbers),
a new initiative's cross-links, one measurement per date."""

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
        numbered(wb, {"1.1": "1.9"})  # and its activity follows it
        add_initiative(wb["Initiativer"], "1.1", 1, "Ny på det gamle nummer")

    run(edited(exported(plan), edit), plan)
    assert Initiative.objects.get(pk=initiative.pk).number == "1.9"
    new = Initiative.objects.get(plan=plan, number="1.1")
    assert new.pk != initiative.pk and new.title == "Ny på det gamle nummer"
    assert list(initiative.activities.values_list("text", flat=True)) == ["Analyse af arbejdsgange."]


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


def numbered(wb, numbers: dict):
    """Give the Initiativer sheet's rows new numbers: {old number: new number}; the Aktiviteter
    sheet's rows follow their initiative, as a user renumbering in the workbook would do."""
    for title, header in (("Initiativer", "Nummer"), ("Aktiviteter", "Initiativ")):
        ws = wb[title]
        letter = column(ws, header)
        for row in range(2, ws.max_row + 1):
            value = ws[f"{letter}{row}"].value
            if value in numbers:
                ws[f"{letter}{row}"] = numbers[value]


def history_of_numbers(initiative) -> list:
    from initiatives.models import AuditEntry

    entries = AuditEntry.objects.filter(model="initiative", object_id=str(initiative.pk), action="update")
    return [entry.changes["number"] for entry in entries if "number" in entry.changes]


def test_two_initiatives_swap_numbers_in_one_file(initiative, directions):
    """1.1 and 1.2 change places: each keeps its id, title and activities, and its history
    says its old number and its new one (not the step between)."""
    plan = initiative.plan
    other = Initiative.objects.create(direction=directions[0], number="1.2", title="Borgerinddragelse")
    summary = run(edited(exported(plan), lambda wb: numbered(wb, {"1.1": "1.2", "1.2": "1.1"})), plan)
    initiative.refresh_from_db(), other.refresh_from_db()
    assert (initiative.number, initiative.title) == ("1.2", "Sagsbehandlingstider")
    assert (other.number, other.title) == ("1.1", "Borgerinddragelse")
    assert list(initiative.activities.values_list("text", flat=True)) == ["Analyse af arbejdsgange."]
    assert history_of_numbers(initiative) == [["1.1", "1.2"]]
    assert history_of_numbers(other) == [["1.2", "1.1"]]
    changed = [change.label for change in summary.sheets["Initiativer"].changed]
    assert sorted(changed) == ["1.1 Borgerinddragelse", "1.2 Sagsbehandlingstider"]


def test_three_initiatives_pass_their_numbers_round_and_a_fourth_takes_a_freed_one(initiative, directions):
    plan = initiative.plan
    second = Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    third = Initiative.objects.create(direction=directions[0], number="1.3", title="Tredje")

    def edit(wb):
        numbered(wb, {"1.1": "1.2", "1.2": "1.3", "1.3": "1.4"})
        add_initiative(wb["Initiativer"], "1.1", 1, "Ny på det første nummer")

    run(edited(exported(plan), edit), plan)
    assert [Initiative.objects.get(pk=i.pk).number for i in (initiative, second, third)] == ["1.2", "1.3", "1.4"]
    assert Initiative.objects.get(plan=plan, number="1.1").title == "Ny på det første nummer"
    assert not Initiative.objects.filter(number__startswith="~").exists()


def test_two_rows_that_give_one_number_to_two_initiatives_are_refused_on_the_second(initiative, directions):
    plan = initiative.plan
    Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    before = db_state()
    problems = refused(edited(exported(plan), lambda wb: numbered(wb, {"1.1": "1.3", "1.2": "1.3"})), plan)
    assert problems == ["Initiativer 3 Nummer: Der findes allerede nummer 1.3 i denne plan. Vælg et andet nummer."]
    assert db_state() == before


def test_a_number_another_row_keeps_is_still_refused(initiative, directions):
    """1.1 takes 1.2, whose row keeps it: nothing is swapped, nothing written."""
    plan = initiative.plan
    Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    before = db_state()
    problems = refused(edited(exported(plan), lambda wb: numbered(wb, {"1.1": "1.2"})), plan)
    assert problems == ["Initiativer 2 Nummer: Der findes allerede nummer 1.2 i denne plan. Vælg et andet nummer."]
    assert db_state() == before


def test_a_swap_whose_other_half_changed_in_the_portal_since_the_export_is_refused(editor, initiative, directions):
    """1.2 was edited in the portal after the export, so its row keeps the portal's version (and
    its number): 1.1 cannot take 1.2, and the whole file is refused with the row named."""
    from initiatives.audit import audit_context

    plan = initiative.plan
    other = Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    data = exported(plan)
    with audit_context(editor, "web"):
        other.title = "Anden, rettet i portalen"
        other.save()
    before = db_state()
    problems = refused(edited(data, lambda wb: numbered(wb, {"1.1": "1.2", "1.2": "1.1"})), plan)
    assert problems == ["Initiativer 2 Nummer: Der findes allerede nummer 1.2 i denne plan. Vælg et andet nummer."]
    assert db_state() == before


def test_a_row_that_still_names_a_swapped_initiative_by_its_old_number_is_refused(initiative, directions):
    """1.1 and 1.2 swap numbers on »Initiativer« only: 1.1's activity still says 1.1, which is
    now the other initiative's number. Rather than move the activity there silently, the row
    is a problem saying what to write; nothing is written."""
    plan = initiative.plan
    Initiative.objects.create(direction=directions[0], number="1.2", title="Borgerinddragelse")
    before = db_state()

    def edit(wb):
        ws = wb["Initiativer"]
        letter = column(ws, "Nummer")
        for row in range(2, ws.max_row + 1):
            ws[f"{letter}{row}"] = {"1.1": "1.2", "1.2": "1.1"}[ws[f"{letter}{row}"].value]

    problems = refused(edited(exported(plan), edit), plan)
    assert problems == ["Aktiviteter 2 Initiativ: Initiativ 1.1 har fået nummer 1.2 i arket »Initiativer«: skriv "
                        "også 1.2 her, så rækken følger med sit initiativ."]
    assert db_state() == before


def test_a_plain_renumbering_with_a_row_left_on_the_old_number_says_what_to_write(initiative):
    plan = initiative.plan
    data = edited(exported(plan), lambda wb: wb["Initiativer"].__setitem__(f"{column(wb['Initiativer'], 'Nummer')}2", "1.5"))
    problems = refused(data, plan)
    assert problems == ["Aktiviteter 2 Initiativ: Initiativ 1.1 har fået nummer 1.5 i arket »Initiativer«: skriv "
                        "også 1.5 her, så rækken følger med sit initiativ."]


def test_a_swap_in_a_file_with_another_error_reports_only_that_error(initiative, directions):
    """A problem elsewhere in the file does not make the swapped rows' numbers look taken."""
    plan = initiative.plan
    Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")

    def edit(wb):
        numbered(wb, {"1.1": "1.2", "1.2": "1.3"})
        add_initiative(wb["Initiativer"], "1.1", 1, "Ny på det første nummer")
        ws = wb["Retninger"]
        ws[f"{column(ws, 'Formulering')}4"] = None

    assert refused(edited(exported(plan), edit), plan) == ["Retninger 4 Formulering: Skal udfyldes."]


def test_a_swap_parks_numbers_nobody_has_typed(initiative, directions):
    """Initiative numbers are free text: one may already be »~<pk>« of a swapping initiative."""
    plan = initiative.plan
    other = Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    Initiative.objects.create(direction=directions[0], number=f"~{initiative.pk}", title="Tegn i nummeret")
    Initiative.objects.create(direction=directions[0], number=f"~{other.pk}", title="Også")
    run(edited(exported(plan), lambda wb: numbered(wb, {"1.1": "1.2", "1.2": "1.1"})), plan)
    assert Initiative.objects.get(pk=initiative.pk).number == "1.2"
    assert Initiative.objects.get(pk=other.pk).number == "1.1"
    assert Initiative.objects.filter(plan=plan, number=f"~{initiative.pk}", title="Tegn i nummeret").exists()


def test_an_indicator_that_still_names_a_swapped_initiative_by_its_old_number_is_refused(initiative, directions):
    from indicators.models import Indicator

    plan = initiative.plan
    Initiative.objects.create(direction=directions[0], number="1.2", title="Anden")
    indicator = Indicator.objects.create(plan=plan, name="Ventetid", unit="dage")
    indicator.set_links([], [initiative])
    before = db_state()
    problems = refused(edited(exported(plan), lambda wb: numbered(wb, {"1.1": "1.2", "1.2": "1.1"})), plan)
    assert problems == ["Indikatorer 2 Initiativer: Initiativ 1.1 har fået nummer 1.2 i arket »Initiativer«: skriv "
                        "også 1.2 her, så rækken følger med sit initiativ."]
    assert db_state() == before

    def follow(wb):
        numbered(wb, {"1.1": "1.2", "1.2": "1.1"})
        ws = wb["Indikatorer"]
        ws[f"{column(ws, 'Initiativer')}2"] = "1.2"

    run(edited(exported(plan), follow), plan)
    assert [link.initiative_id for link in indicator.initiative_links.all()] == [initiative.pk]
