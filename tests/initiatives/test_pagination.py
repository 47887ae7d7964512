"""The plan and direction pages show a page of initiatives, so their cost follows the page,
not the plan: links work without JavaScript (`?side=N`), htmx swaps the plan's results."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import Activity, Initiative
from initiatives.plan_views import DIRECTION_PAGE_SIZE, PLAN_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(plan, directions):
    """Direction 1 with 60 initiatives, direction 2 empty, direction 3 with 5; one activity each."""
    made = []
    for direction, count in ((directions[0], 60), (directions[2], 5)):
        for n in range(1, count + 1):
            made.append(Initiative(plan=plan, direction=direction, number=f"{direction.number}.{n}",
                                   title=f"Initiativ {direction.number}.{n}", order=n))
    Initiative.objects.bulk_create(made)
    Activity.objects.bulk_create([Activity(initiative=i, year=2025, text=f"Aktivitet {i.number}") for i in made])
    return plan


def numbers(content: str) -> list[str]:
    return re.findall(r'>Initiativ (\d+\.\d+)</a>', content)


def headings(content: str) -> list[str]:
    return re.findall(r'id="retning-(\d+)-heading"', content)


def test_plan_page_shows_one_page_of_initiatives_in_the_plans_order(client, reader, large):
    client.force_login(reader)
    first = client.get(large.get_absolute_url()).content.decode()
    assert numbers(first) == [f"1.{n}" for n in range(1, PLAN_PAGE_SIZE + 1)]
    assert headings(first) == ["1"]
    assert "Side 1 af 2" in first and "Viser initiativer 1–50 af 65." in first
    assert 'href="?side=2"' in first and "Forrige side" not in first
    second = client.get(large.get_absolute_url(), {"side": 2}).content.decode()
    # The rest of direction 1, then the empty direction 2 where it falls, then direction 3.
    assert numbers(second) == [f"1.{n}" for n in range(51, 61)] + [f"3.{n}" for n in range(1, 6)]
    assert headings(second) == ["1", "2", "3"]
    assert "Ingen initiativer endnu." in second and "Side 2 af 2" in second and "Næste side" not in second


def test_plan_page_keeps_the_filters_in_its_page_links_and_htmx_swaps_the_results(client, reader, large):
    client.force_login(reader)
    response = client.get(large.get_absolute_url(), {"q": "Initiativ", "side": 1}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="plan-results">')
    assert 'href="?q=Initiativ&amp;side=2"' in content and 'hx-target="#plan-results"' in content
    assert "Initiativer, der matcher: 65" in content


@pytest.mark.parametrize("side", ["x", "0", "-1", "99", "1" * 30])
def test_an_unreadable_page_number_gives_the_nearest_page_not_a_500(client, reader, large, side):
    client.force_login(reader)
    response = client.get(large.get_absolute_url(), {"side": side})
    assert response.status_code == 200
    assert numbers(response.content.decode())


def test_plan_page_queries_do_not_grow_with_the_plan(client, reader, plan, directions, large):
    client.force_login(reader)

    def count(params=None):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(plan.get_absolute_url(), params or {}).status_code == 200
        return len(ctx.captured_queries)

    many = count()
    assert many == count({"side": 2}) == count({"status": "not_assessed"})
    Initiative.objects.exclude(number__in=["1.1", "3.1"]).delete()
    assert count() == many


def test_direction_page_shows_a_page_of_initiatives_with_their_activities(client, reader, large, directions):
    client.force_login(reader)
    url = directions[0].get_absolute_url()
    content = client.get(url).content.decode()
    assert re.findall(r"<strong>(1\.\d+) Initiativ", content) == [f"1.{n}" for n in range(1, DIRECTION_PAGE_SIZE + 1)]
    assert "Aktivitet 1.10" in content and "Aktivitet 1.11" not in content
    assert "Side 1 af 6" in content and 'href="?side=2"' in content
    last = client.get(url, {"side": 6}).content.decode()
    assert re.findall(r"<strong>(1\.\d+) Initiativ", last) == [f"1.{n}" for n in range(51, 61)]

    def count(side):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"side": side}).status_code == 200
        return len(ctx.captured_queries)

    cache.clear()
    computed = [count(side) for side in (1, 6, 3)]
    assert computed == [computed[0]] * 3
    cached = [count(side) for side in (1, 6, 3)]
    assert cached == [cached[0]] * 3 and cached[0] < computed[0]
    # Served: the session with its user, the plan with its latest change, the direction, its number
    # of initiatives (the pager) and whether the reader may edit; computed: + the page's
    # initiatives, their cross-links and their activities.
    assert (cached[0], computed[0]) == (5, 8)


def test_direction_page_shows_a_change_at_once(client, reader, large, directions):
    """The table is cached per change of the plan: an audited edit is shown on the next view."""
    client.force_login(reader)
    url = directions[0].get_absolute_url()
    assert "Aktivitet 1.1<" in client.get(url).content.decode()
    activity = Activity.objects.get(text="Aktivitet 1.1")
    activity.text = "Ændret aktivitet"
    activity.save()
    content = client.get(url).content.decode()
    assert "Ændret aktivitet" in content and "Aktivitet 1.1<" not in content
