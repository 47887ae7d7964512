"""Open data: a read-only JSON API for published plans, with its OpenAPI 3 document.

Django Ninja, because the API is a few read-only endpoints whose schemas should be
written once: Ninja derives the OpenAPI document from the same pydantic schemas that
shape the responses (so the document cannot drift from what is served), is small and
well kept, and needs no second serializer layer beside our own public data module.
Django REST framework would bring browsable pages, routers and its own permissions
system, none of which a read-only API needs.

Anonymous callers read published plans. A personal token (`Authorization: Bearer
mpt_…`, made on the profile page) also reads its owner's own municipalities'
unpublished plans, never another municipality's. Everything served comes from
`reporting.public.data`, which decides the public fields.
"""

import csv
import datetime
import hashlib
import io
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, Throttled
from ninja.throttling import SimpleRateThrottle

from masterplan.models import Plan

from ..public import data
from ..public.models import ApiToken

DESCRIPTION = (
    "Åbne data fra Masterplan-portalen: offentliggjorte planer med retninger, indsatser, aktiviteter og "
    "status. Uden nøgle læses offentliggjorte planer. Med en personlig nøgle (»Authorization: Bearer "
    "mpt_…«, oprettes på din profilside) læses også din egen kommunes ikke-offentliggjorte planer. "
    "Kun læsning; højst %s forespørgsler pr. klient."
)


class ClientThrottle(SimpleRateThrottle):
    """Requests per token, or per client address without one."""

    scope = "api"

    def get_cache_key(self, request: HttpRequest) -> str:
        header = request.headers.get("Authorization", "")
        ident = hashlib.sha256(header.encode()).hexdigest() if header else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


api = NinjaAPI(
    title="Masterplan-portalen – åbne data", version="1", description=DESCRIPTION % settings.API_RATE,
    urls_namespace="api", docs_url=None, throttle=[ClientThrottle(settings.API_RATE)],
    openapi_extra={"components": {"securitySchemes": {"personligNoegle": {
        "type": "http", "scheme": "bearer",
        "description": "Valgfri personlig nøgle fra profilsiden; uden nøgle læses offentliggjorte planer."}}}},
)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Planen findes ikke, eller den er ikke offentliggjort."},
                               status=404)


@api.exception_handler(Throttled)
def throttled(request, exc):
    response = api.create_response(
        request, {"detail": "For mange forespørgsler. Vent lidt, og prøv igen."}, status=429)
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def readable_plans(request: HttpRequest):
    """The one access rule of the API: published plans, plus the token owner's own."""
    header = request.headers.get("Authorization", "")
    if not header:
        return data.public_plans()
    scheme, _, key = header.partition(" ")
    user = ApiToken.user_for(key.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise HttpError(401, "Nøglen er ugyldig eller tilbagekaldt. Opret en ny på din profilside.")
    return Plan.objects.readable_with_token(user).select_related("organization")


def get_plan(request: HttpRequest, slug: str) -> Plan:
    plan = readable_plans(request).filter(slug=slug).first()
    if plan is None:
        raise Http404
    return plan


class PlanSummary(Schema):
    slug: str
    title: str
    organization: str
    period_start: int
    period_end: int
    published: bool
    url: str
    public_url: str | None


class CrossLinkOut(Schema):
    number: int
    title: str
    statement: str


class BudgetLineOut(Schema):
    year: int
    amount: Decimal
    label: str
    kind: str
    kind_label: str


class ActivityOut(Schema):
    year: int
    period: str
    period_label: str
    text: str
    deadline: str
    done: bool
    responsible: str | None = None


class InitiativeOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    title: str
    description: str
    goal: str
    purpose: str
    follow_up: str
    deadline: str
    success_criteria: list[str]
    expected_outcomes: list[str]
    actions: list[str]
    start_date: datetime.date | None
    end_date: datetime.date | None
    status: str
    status_label: str
    phase: str
    phase_label: str
    direction: int
    also_supports: list[CrossLinkOut]
    activities: list[ActivityOut]
    responsible: str | None = None
    funding_amount: Decimal | None = None
    funding_source: str | None = None
    budget_lines: list[BudgetLineOut] | None = None


class DirectionOut(Schema):
    number: int
    title: str
    statement: str
    goal: str
    description: str
    initiatives: list[InitiativeOut]


class PlanDetail(PlanSummary):
    adopted_on: datetime.date | None
    adopted_by: str
    intro: str
    vision: str
    direction_label: str
    direction_label_plural: str
    initiative_label: str
    initiative_label_plural: str
    years: list[int]
    directions: list[DirectionOut]
    budget_lines: list[BudgetLineOut] | None = None


class Error(Schema):
    detail: str


def summary(request, plan: Plan) -> dict:
    return {
        "slug": plan.slug, "title": plan.title, "organization": plan.organization.name,
        "period_start": plan.period_start, "period_end": plan.period_end, "published": plan.published,
        "url": request.build_absolute_uri(reverse("api:plan", args=[plan.slug])),
        "public_url": request.build_absolute_uri(plan.get_public_url()) if plan.published else None,
    }


ERRORS = {401: Error, 404: Error, 429: Error}


@api.get("/plans/", response={200: list[PlanSummary], 401: Error, 429: Error}, url_name="plans",
         summary="Planer", description="De planer, du kan læse: alle offentliggjorte, og med en nøgle også din "
         "egen kommunes.")
def plans(request):
    return [summary(request, plan) for plan in readable_plans(request).order_by("organization__name", "title")]


@api.get("/plans/{slug}/", response={200: PlanDetail, **ERRORS}, url_name="plan", summary="Én plan",
         description="Planen med retninger, indsatser, aktiviteter og status.")
def plan(request, slug: str):
    plan = get_plan(request, slug)
    return {**data.plan_data(plan), **summary(request, plan)}


def _csv(plan, name: str, header: list[str], rows) -> HttpResponse:
    # utf-8-sig: Excel opens the file with æ, ø and å intact.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}-{name}.csv"'
    return response


def _text(value) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


CSV_INITIATIVE_COLUMNS = ["direction", "number", "kind", "title", "status", "status_label", "phase", "goal",
                          "purpose", "description", "success_criteria", "expected_outcomes", "deadline",
                          "start_date", "end_date", "also_supports"]
CSV_ACTIVITY_COLUMNS = ["initiative", "year", "period", "period_label", "text", "deadline", "done"]


@api.get("/plans/{slug}/initiatives.csv", response={200: str, **ERRORS}, url_name="plan_initiatives_csv",
         summary="Indsatser som CSV", openapi_extra={"responses": {"200": {
             "description": "CSV (UTF-8 med BOM), én række pr. indsats", "content": {"text/csv": {}}}}})
def initiatives_csv(request, slug: str):
    plan = get_plan(request, slug)
    view = data.plan_data(plan)
    columns = CSV_INITIATIVE_COLUMNS + (["responsible"] if plan.public_responsible else []) + (
        ["funding_amount", "funding_source"] if plan.public_budget else [])
    rows = []
    for direction in view["directions"]:
        for item in direction["initiatives"]:
            item = {**item, "also_supports": [str(d["number"]) for d in item["also_supports"]]}
            rows.append([_text(item.get(c)) for c in columns])
    return _csv(plan, "indsatser", columns, rows)


@api.get("/plans/{slug}/activities.csv", response={200: str, **ERRORS}, url_name="plan_activities_csv",
         summary="Aktiviteter som CSV", openapi_extra={"responses": {"200": {
             "description": "CSV (UTF-8 med BOM), én række pr. aktivitet", "content": {"text/csv": {}}}}})
def activities_csv(request, slug: str):
    plan = get_plan(request, slug)
    view = data.plan_data(plan)
    columns = CSV_ACTIVITY_COLUMNS + (["responsible"] if plan.public_responsible else [])
    rows = []
    for direction in view["directions"]:
        for item in direction["initiatives"]:
            for activity in item["activities"]:
                values = {**activity, "initiative": item["number"]}
                rows.append([_text(values.get(c)) for c in columns])
    return _csv(plan, "aktiviteter", columns, rows)
