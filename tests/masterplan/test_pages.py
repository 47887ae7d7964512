"""Home, plan and initiative pages: who sees what, what they show, how many queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import Activity, CrossLink, Initiative
from masterplan.models import Direction, Plan

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client, plan):
    for url in ["/", plan.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_danish(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da"' in content
    assert "Brugernavn" in content and "Adgangskode" in content and "Log ind" in content
    assert "Username" not in content and "Password" not in content


def test_wrong_password_gets_a_danish_message(client, reader):
    response = client.post("/accounts/login/", {"username": reader.username, "password": "forkert"})
    assert response.status_code == 200
    assert "Indtast venligst korrekt brugernavn og adgangskode" in response.content.decode()


def test_home_lists_own_and_published_plans_only(client, reader, plan, other_org):
    Plan.objects.create(organization=other_org, title="Andres hemmelige plan", slug="hemmelig",
                        period_start=2024, period_end=2026)
    Plan.objects.create(organization=other_org, title="Andres offentlige plan", slug="offentlig",
                        period_start=2024, period_end=2026, published=True)
    client.force_login(reader)
    content = client.get("/").content.decode()
    assert "Testplan" in content
    assert "Andres offentlige plan" in content
    assert "Andres hemmelige plan" not in content


def test_home_counts_each_plans_directions_and_initiatives_on_their_own(client, reader, plan, directions,
                                                                        initiative):
    """Counted in subqueries: a join of both multiplied them (3 directions × 2 initiatives rows)."""
    Initiative.objects.create(direction=directions[1], number="2.1", title="Endnu et")
    client.force_login(reader)
    with CaptureQueriesContext(connection) as ctx:
        content = " ".join(client.get("/").content.decode().split())
    assert "3 retninger · 2 initiativer" in content
    assert len(ctx.captured_queries) == 3  # the session with its user, the plans with their counts, the waiting requests


def test_outsider_gets_404_for_plan_and_initiative(client, outsider, plan, initiative):
    client.force_login(outsider)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(initiative.get_absolute_url()).status_code == 404


def test_published_plan_is_readable_by_another_municipality(client, outsider, plan, initiative):
    plan.published = True
    plan.save()
    client.force_login(outsider)
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(initiative.get_absolute_url()).status_code == 200


def test_unknown_plan_and_initiative_give_404(client, superuser):
    client.force_login(superuser)
    assert client.get("/plans/findes-ikke/").status_code == 404
    assert client.get("/initiatives/999999/").status_code == 404


def test_plan_page_shows_directions_initiatives_and_status_in_words(client, reader, plan, initiative):
    client.force_login(reader)
    content = client.get(plan.get_absolute_url()).content.decode()
    assert "Retning 1: Retning nummer 1 styrker borgerne." in content
    assert "Sagsbehandlingstider" in content
    assert "Ikke vurderet" in content
    assert "2024–2026" in content


def test_plan_page_uses_the_plans_own_labels(client, reader, plan, initiative):
    plan.direction_label, plan.initiative_label = "Spor", "Indsats"
    plan.save()
    client.force_login(reader)
    content = client.get(plan.get_absolute_url()).content.decode()
    assert "Spor 1: Retning nummer 1" in content
    assert ">Indsats</th>" in content


def test_initiative_page_shows_activities_by_year_and_cross_links(client, reader, initiative):
    initiative.funding_amount, initiative.funding_source = 1015699, "Sundhedsstyrelsen"
    initiative.save()
    client.force_login(reader)
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "1. halvår:</span> Analyse af arbejdsgange." in content
    assert "Retning nummer 2 styrker borgerne." in content
    assert "Sundhedsstyrelsen, 1.015.699 kr." in content


def test_html_typed_into_text_is_shown_as_text(client, reader, initiative):
    initiative.description = '<script>alert("x")</script>\n\n- punkt <b>fed</b>'
    initiative.save()
    client.force_login(reader)
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    assert "<li>punkt &lt;b&gt;fed&lt;/b&gt;</li>" in content


def test_pages_carry_a_strict_content_security_policy(client, reader, plan):
    client.force_login(reader)
    response = client.get(plan.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def grow_plan(plan, directions, count):
    """Add `count` initiatives with activities and cross-links to the plan."""
    for n in range(count):
        direction = directions[n % len(directions)]
        initiative = Initiative.objects.create(direction=direction, number=f"9.{n}", title=f"Ekstra {n}")
        Activity.objects.create(initiative=initiative, year=2024, text="Aktivitet.")
        other = directions[(n + 1) % len(directions)]
        CrossLink.objects.create(initiative=initiative, direction=other)
    Direction.objects.create(plan=plan, number=len(directions) + 1, statement="Endnu en retning.")


@pytest.mark.parametrize("page", ["home", "plan", "initiative"])
def test_query_count_does_not_grow_with_the_plan(client, reader, plan, directions, initiative, page):
    client.force_login(reader)
    url = {"home": "/", "plan": plan.get_absolute_url(), "initiative": initiative.get_absolute_url()}[page]

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count_queries()
    grow_plan(plan, directions, 30)
    for _ in range(3):
        Activity.objects.create(initiative=initiative, year=2025, text="Mere.")
    assert count_queries() == small
    assert small <= 12


def test_admin_pages_carry_the_portals_name(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/").content.decode()
    assert "Masterplan-portalen – administration" in page and "Django" not in page.split("<body")[1][:3000]


def test_a_plan_of_one_year_shows_its_year_not_a_range(client, editor, plan):
    client.force_login(editor)
    assert "Periode 2024–2026" in client.get(f"/plans/{plan.slug}/").content.decode()
    plan.period_end = 2024
    plan.save()
    for path in ["/", f"/plans/{plan.slug}/", f"/plans/{plan.slug}/dashboard/"]:
        page = client.get(path).content.decode()
        assert "2024–2024" not in page and "2024" in page, path
    assert "Periode 2024\n" in client.get(f"/plans/{plan.slug}/").content.decode()


def test_a_404_tells_who_is_logged_in_or_offers_to_log_in(client, outsider, plan):
    client.force_login(outsider)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Siden findes ikke, eller du har ikke adgang til den." in page
    assert f"Du er logget ind som {outsider.get_username()}." in page
    client.logout()
    page = client.get("/public/findes-ikke/").content.decode()
    assert "Log ind for at se dens planer" in page and 'href="/accounts/login/?next=/public/findes-ikke/"' in page
