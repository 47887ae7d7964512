"""Model validation rejects inconsistent plan data with clear Danish messages."""

import pytest
from django.core.exceptions import ValidationError

from initiatives.models import Activity, BudgetLine, CrossLink, Initiative
from masterplan.models import Direction, Plan

pytestmark = pytest.mark.django_db


def messages(excinfo) -> str:
    return " ".join(m for msgs in excinfo.value.message_dict.values() for m in msgs)


def test_cross_link_to_the_initiatives_own_direction_is_rejected(initiative):
    link = CrossLink(initiative=initiative, direction=initiative.direction)
    with pytest.raises(ValidationError) as excinfo:
        link.full_clean()
    assert "kan ikke også understøtte sin egen retning" in messages(excinfo)


def test_cross_link_to_a_direction_of_another_plan_is_rejected(initiative, org):
    other_plan = Plan.objects.create(organization=org, title="Anden plan", slug="anden", period_start=2024,
                                     period_end=2026)
    foreign = Direction.objects.create(plan=other_plan, number=1, statement="Fremmed retning.")
    with pytest.raises(ValidationError) as excinfo:
        CrossLink(initiative=initiative, direction=foreign).full_clean()
    assert "samme plan" in messages(excinfo)


def test_cross_link_to_another_direction_of_the_same_plan_is_valid(initiative, directions):
    CrossLink(initiative=initiative, direction=directions[2]).full_clean()


@pytest.mark.parametrize("year", [2023, 2027])
def test_activity_year_outside_the_plan_period_is_rejected(initiative, year):
    with pytest.raises(ValidationError) as excinfo:
        Activity(initiative=initiative, year=year, text="For tidligt eller for sent.").full_clean()
    assert "Året skal ligge i planens periode (2024–2026)" in messages(excinfo)


@pytest.mark.parametrize("year", [2024, 2026])
def test_activity_years_at_the_period_edges_are_valid(initiative, year):
    Activity(initiative=initiative, year=year, text="Inden for perioden.").full_clean()


def test_duplicate_direction_number_is_rejected(directions):
    with pytest.raises(ValidationError) as excinfo:
        Direction(plan=directions[0].plan, number=2, statement="En ny retning med et brugt nummer.").full_clean()
    assert excinfo.value.message_dict["number"] == ["Der findes allerede nummer 2 i denne plan. Vælg et andet nummer."]


def test_duplicate_initiative_number_is_rejected_even_under_another_direction(initiative, directions):
    duplicate = Initiative(direction=directions[2], number="1.1", title="Dublet")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert excinfo.value.message_dict["number"] == ["Der findes allerede nummer 1.1 i denne plan. Vælg et andet nummer."]


def test_same_number_in_another_plan_is_allowed(initiative, org):
    other_plan = Plan.objects.create(organization=org, title="Anden plan", slug="anden", period_start=2024,
                                     period_end=2026)
    direction = Direction.objects.create(plan=other_plan, number=1, statement="Retning.")
    Direction(plan=other_plan, number=2, statement="Retning to.").full_clean()
    Initiative(direction=direction, number="1.1", title="Samme nummer, anden plan").full_clean()


def test_saving_an_unchanged_initiative_is_not_a_duplicate_of_itself(initiative):
    initiative.full_clean()


def test_plan_period_must_not_end_before_it_starts(org):
    plan = Plan(organization=org, title="Baglæns", slug="baglaens", period_start=2026, period_end=2024)
    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()
    assert "kan ikke ligge før" in messages(excinfo)


def test_budget_line_year_and_initiative_must_belong_to_the_plan(initiative, org):
    other_plan = Plan.objects.create(organization=org, title="Anden plan", slug="anden", period_start=2024,
                                     period_end=2026)
    line = BudgetLine(plan=other_plan, initiative=initiative, year=2030, amount=1000, label="Løn")
    with pytest.raises(ValidationError) as excinfo:
        line.full_clean()
    assert set(excinfo.value.message_dict) == {"initiative", "year"}


def test_initiative_takes_its_plan_from_its_direction(directions):
    initiative = Initiative.objects.create(direction=directions[1], number="2.1", title="Ny")
    assert initiative.plan_id == directions[1].plan_id


def test_list_fields_must_be_lists_of_text(initiative):
    initiative.success_criteria = "ikke en liste"
    with pytest.raises(ValidationError) as excinfo:
        initiative.full_clean()
    assert "Skal være en liste af tekster." in messages(excinfo)
