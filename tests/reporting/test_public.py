"""The public site and the open data: who reads what, and that nothing internal leaks."""

import pytest
from django.core.cache import cache
from django.urls import get_resolver

from initiatives.audit import audit_context
from initiatives.models import Activity, BudgetLine, Initiative, StatusUpdate
from masterplan.models import Plan
from reporting.models import ReportEdition
from reporting.public.models import ApiToken, Feedback
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache(empty_cache):
    return empty_cache


@pytest.fixture
def other_plan(other_org):
    """Another municipality's unpublished plan."""
    from masterplan.models import Direction

    plan = Plan.objects.create(organization=other_org, title="Andenplan", slug="andenplan",
                               period_start=2024, period_end=2026)
    direction = Direction.objects.create(plan=plan, number=1, statement="Anden retning.")
    Initiative.objects.create(direction=direction, number="1.1", title="Andet initiativ")
    return plan


def token_for(user):
    return ApiToken.issue(user, "test")[1]


def public_urls(plan, initiative, year=2024):
    slug, i = plan.slug, initiative.pk
    return [
        f"/offentlig/{slug}/", f"/offentlig/{slug}/retninger/1/", f"/offentlig/{slug}/initiativer/{i}/",
        f"/offentlig/{slug}/initiativer/{i}/kommentar/", f"/offentlig/{slug}/initiativer/{i}/kommentar/tak/",
        f"/api/v1/plans/{slug}/", f"/api/v1/plans/{slug}/initiatives.csv", f"/api/v1/plans/{slug}/activities.csv",
    ]


# --- who reads what ----------------------------------------------------------------


ROLES = ["anonymous", "reader", "editor", "manager", "org_admin", "outsider", "superuser"]


@pytest.mark.parametrize("role", ROLES)
def test_unpublished_plan_is_404_on_every_public_url_whoever_asks(client, request, plan, initiative, role):
    """A portal session opens nothing more on the public side: it is the public view."""
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for url in public_urls(plan, initiative):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/plans/").json() == []
    assert client.post(f"/offentlig/{plan.slug}/initiativer/{initiative.pk}/kommentar/",
                       {"message": "Hej", "consent": "on"}).status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_published_plan_is_public_to_everybody(client, request, published, initiative, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for url in public_urls(published, initiative):
        assert client.get(url).status_code == 200, url
    assert [p["slug"] for p in client.get("/api/v1/plans/").json()] == ["testplan"]


def test_a_token_reads_its_own_municipalitys_unpublished_plans_and_never_others(
        client, plan, initiative, editor, outsider, other_plan, superuser):
    own = {"HTTP_AUTHORIZATION": f"Bearer {token_for(editor)}"}
    other = {"HTTP_AUTHORIZATION": f"Bearer {token_for(outsider)}"}
    root = {"HTTP_AUTHORIZATION": f"Bearer {token_for(superuser)}"}
    assert client.get("/api/v1/plans/testplan/", **own).status_code == 200
    assert [p["slug"] for p in client.get("/api/v1/plans/", **own).json()] == ["testplan"]
    assert client.get("/api/v1/plans/testplan/", **other).status_code == 404
    assert client.get("/api/v1/plans/testplan/initiatives.csv", **other).status_code == 404
    assert [p["slug"] for p in client.get("/api/v1/plans/", **other).json()] == ["andenplan"]
    # A leaked superuser token opens no municipality's unpublished plans.
    assert client.get("/api/v1/plans/testplan/", **root).status_code == 404
    assert client.get("/api/v1/plans/", **root).json() == []


def test_a_bad_or_revoked_token_is_refused_in_danish(client, published, editor):
    key = token_for(editor)
    assert client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    ApiToken.objects.get().revoke()
    for header in (f"Bearer {key}", "Bearer mpt_gaettet", "Basic abc"):
        response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert "Nøglen er ugyldig" in response.json()["detail"]


def test_unknown_plan_answers_danish_404_json(client, db):
    response = client.get("/api/v1/plans/findes-ikke/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Planen findes ikke, eller den er ikke offentliggjort."}


def test_the_api_is_rate_limited(client, published, settings):
    from reporting.api import api as api_module

    throttle = api_module.api.throttle[0]
    throttle.num_requests, before = 3, throttle.num_requests
    try:
        codes = [client.get("/api/v1/plans/").status_code for _ in range(5)]
        refused = client.get("/api/v1/plans/")
    finally:
        throttle.num_requests = before
    assert codes == [200, 200, 200, 429, 429]
    assert refused.status_code == 429
    assert refused.json()["detail"] == "For mange forespørgsler. Vent lidt, og prøv igen."


def test_the_api_only_reads(client, published):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/v1/plans/testplan/").status_code == 405
    assert client.put("/offentlig/testplan/").status_code == 405


# --- nothing internal leaks --------------------------------------------------------


def plant_markers(plan, initiative):
    """An internal marker in every field the public must never see (or see only by setting)."""
    owner = make_user("ejer", first_name="INTERN-EJER", last_name="Navnesen")
    with audit_context(None, "test"):
        Initiative.objects.filter(pk=initiative.pk).update(responsible_user=owner)
        initiative.refresh_from_db()
        initiative.responsible = "SKJULT-ANSVARLIG"
        initiative.funding_source = "SKJULT-BEVILLING"
        initiative.funding_amount = 4_242_424
        initiative.save()
        StatusUpdate.objects.create(initiative=initiative, status="delayed", note="INTERN-STATUSNOTE")
        Activity.objects.filter(initiative=initiative).update(responsible="SKJULT-AKTIVITETSANSVARLIG")
        BudgetLine.objects.create(plan=plan, initiative=initiative, year=2025, amount=777_777, label="SKJULT-BUDGET")
        Feedback.objects.create(initiative=initiative, message="INTERN-UGODKENDT", email="intern@borger.invalid",
                                name="INTERN-BORGERNAVN")


def everything_public(client, plan, initiative) -> str:
    pages = [*public_urls(plan, initiative), "/api/v1/plans/", "/api/v1/openapi.json",
             f"/offentlig/{plan.slug}/?q=SKJULT", f"/offentlig/{plan.slug}/?q=INTERN"]
    text = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text.append(response.content.decode("utf-8-sig"))
    return "\n".join(text)


def test_no_internal_field_appears_in_any_public_page_or_api_response(client, published, initiative):
    plant_markers(published, initiative)
    text = everything_public(client, published, initiative)
    for marker in ("INTERN-EJER", "INTERN-STATUSNOTE", "INTERN-UGODKENDT", "intern@borger.invalid",
                   "INTERN-BORGERNAVN", "SKJULT-ANSVARLIG", "SKJULT-AKTIVITETSANSVARLIG", "SKJULT-BEVILLING",
                   "SKJULT-BUDGET", "777", "4.242.424"):
        assert marker not in text, marker
    # The search must not find an initiative by an internal field either.
    assert "Intet matcher filtrene" in client.get(f"/offentlig/{published.slug}/?q=SKJULT-ANSVARLIG").content.decode()


def test_responsible_and_budget_are_public_only_where_the_plan_says_so(client, published, initiative):
    plant_markers(published, initiative)
    Plan.objects.filter(pk=published.pk).update(public_responsible=True, public_budget=True)
    text = everything_public(client, published, initiative)
    for marker in ("SKJULT-ANSVARLIG", "SKJULT-AKTIVITETSANSVARLIG", "SKJULT-BEVILLING", "SKJULT-BUDGET",
                   "4.242.424 kr."):
        assert marker in text, marker
    for marker in ("INTERN-EJER", "INTERN-STATUSNOTE", "INTERN-UGODKENDT", "intern@borger.invalid"):
        assert marker not in text, marker


# --- the OpenAPI document ----------------------------------------------------------


def test_responses_validate_against_the_apis_own_openapi_document(client, published, initiative):
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import validate

    plant_markers(published, initiative)
    Plan.objects.filter(pk=published.pk).update(public_responsible=True, public_budget=True)
    document = client.get("/api/v1/openapi.json").json()
    validate(document)  # the document itself is valid OpenAPI

    def check(path, url, status="200"):
        schema = document["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]
        body = client.get(url).json()
        # The response schema with the document's components beside it, so its
        # "#/components/schemas/…" references resolve.
        OAS31Validator({**schema, "components": document["components"]}).validate(body)
        return body

    listing = check("/api/v1/plans/", "/api/v1/plans/")
    detail = check("/api/v1/plans/{slug}/", "/api/v1/plans/testplan/")
    check("/api/v1/plans/{slug}/", "/api/v1/plans/findes-ikke/", "404")
    assert listing[0]["public_url"].endswith("/offentlig/testplan/")
    assert detail["directions"][0]["initiatives"][0]["activities"][0]["text"] == "Analyse af arbejdsgange."
    assert detail["directions"][0]["initiatives"][0]["budget_lines"][0]["label"] == "SKJULT-BUDGET"


def test_csv_downloads_open_in_excel_with_danish_letters(client, published, initiative):
    response = client.get("/api/v1/plans/testplan/initiatives.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("direction,number,kind,title,status")
    assert "1,1.1,initiativ,Sagsbehandlingstider,not_assessed" in lines[1]
    activities = client.get("/api/v1/plans/testplan/activities.csv").content.decode("utf-8-sig").splitlines()
    assert activities[1].startswith("1.1,2025,h1,1. halvår,Analyse af arbejdsgange.")


# --- caching ------------------------------------------------------------------------


def test_public_pages_are_cached_until_the_plan_changes(client, published, initiative, django_assert_num_queries):
    url = f"/offentlig/{published.slug}/"
    first = client.get(url)
    assert "Sagsbehandlingstider" in first.content.decode()
    with django_assert_num_queries(1):  # the plan and its last change; the page comes from the cache
        again = client.get(url)
    assert again.content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url + "?tilfaeldig=123")["ETag"] == first["ETag"]  # unknown parameters: the same copy
    assert client.get(url + "?q=sag")["ETag"] != first["ETag"]
    with audit_context(None, "test"):
        initiative.title = "Kortere sagsbehandlingstider"
        initiative.save()
    changed = client.get(url)
    assert "Kortere sagsbehandlingstider" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]


def test_public_plan_page_query_count_does_not_grow_with_the_plan(client, published, directions,
                                                                 django_assert_num_queries):
    def count():
        cache.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/offentlig/{published.slug}/").status_code == 200
        return len(ctx.captured_queries)

    Initiative.objects.create(direction=directions[0], number="1.1", title="Et")
    small = count()
    for n in range(2, 40):
        initiative = Initiative.objects.create(direction=directions[n % 3], number=f"9.{n}", title=f"Nr. {n}")
        Activity.objects.create(initiative=initiative, year=2025, text="Noget.")
        initiative.cross_links.add(directions[(n + 1) % 3])
    assert count() == small


# --- final reports ------------------------------------------------------------------


def test_final_report_pdfs_are_public_and_drafts_are_not(client, published, initiative):
    ReportEdition.objects.create(plan=published, year=2024, title="Opfølgning 2024", state="final",
                                 pdf=b"%PDF-1.7 endelig")
    ReportEdition.objects.create(plan=published, year=2025, title="Opfølgning 2025")
    page = client.get("/offentlig/testplan/").content.decode()
    assert "/offentlig/testplan/opfoelgning/2024.pdf" in page
    assert "2025.pdf" not in page
    response = client.get("/offentlig/testplan/opfoelgning/2024.pdf")
    assert response["Content-Type"] == "application/pdf" and response.content == b"%PDF-1.7 endelig"
    assert client.get("/offentlig/testplan/opfoelgning/2025.pdf").status_code == 404


# --- every public URL is covered ----------------------------------------------------

PUBLIC_SITE_URL_NAMES = {
    "public_plan", "public_direction", "public_initiative", "public_feedback", "public_feedback_thanks",
    "public_report_pdf", "public_privacy", "plans", "plan", "plan_initiatives_csv", "plan_activities_csv",
    "openapi-json", "api-root",
}


def test_every_public_and_api_url_is_tested_here():
    """The tests above cover these names; a new public or API URL must be added here."""
    def names(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name and (namespace == "api" or pattern.name.startswith("public_")):
                yield pattern.name

    assert set(names(get_resolver().url_patterns)) == PUBLIC_SITE_URL_NAMES


def test_the_api_root_is_not_a_page(client, db):
    assert client.get("/api/v1/").status_code == 404


def test_public_pages_colour_the_status_marks_as_the_portal_does(client, published, initiative):
    """The public site used the portal's status badge without its palette: a grey box for every status."""
    for url in public_urls(published, initiative):
        page = client.get(url).content.decode()
        if "status-badge" in page:
            assert "/static/css/status.css" in page, url
