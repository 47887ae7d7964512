"""The public site: published plans for citizens, without login.

Everything shown comes from `reporting.public.data`, which decides the public fields.
Unpublished plans answer 404 here as if they did not exist. The pages are read-only
and cached by the plan's last change (see `cached`), so a local news story costs a
cache lookup per visitor; the feedback form is the one page that is never cached.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from config.security import client_ip
from initiatives.audit import audit_context, change_key, last_change_of
from initiatives.forms import PlanFilterForm
from initiatives.models import Initiative

from ..models import ReportEdition
from . import data
from .forms import FeedbackForm
from .models import Feedback


def get_public_plan(slug: str):
    """The published plan with the id of its latest change, or 404: the one access
    rule of the public side (`Plan.objects.public()`)."""
    return get_object_or_404(data.public_plans().annotate(last_change=last_change_of()), slug=slug)


FILTER_PARAMS = ["q", "status", "phase", "direction", "supports", "year"]


def cached(view):
    """Serve the page from the cache while the plan is unchanged.

    The key holds the plan's latest audit entry and its own `updated_at`, so any
    write to the plan (every write is audited) makes a new key: invalidation needs
    no signal and works across processes. Browsers revalidate with the ETag. The
    pages carry no CSRF token, session or user, so one copy serves everybody.
    """

    def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
        plan = get_public_plan(slug)
        # Only the parameters the pages read are part of the key, so random query
        # strings cannot fill the cache with copies of the same page.
        params = sorted((k, v) for k in FILTER_PARAMS for v in request.GET.getlist(k))
        key = change_key("public-page", plan, request.path, params)
        etag = '"' + key.partition(":")[2][:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:
            content = cache.get(key)
            if content is None:
                with translation.override("da"):
                    response = view(request, plan, *args, **kwargs)
                if response.status_code != 200:
                    return response
                cache.set(key, response.content, settings.PUBLIC_CACHE_SECONDS)
            else:
                response = HttpResponse(content)
        response["ETag"] = etag
        response["Cache-Control"] = "public, no-cache"
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return require_GET(wrapper)


def final_editions(plan):
    """The plan's final follow-ups with a stored PDF, newest year first, one per year."""
    editions = (ReportEdition.objects.filter(plan=plan, state=ReportEdition.State.FINAL, pdf__isnull=False)
                .only("id", "year", "title", "finalised_at").order_by("-year", "-finalised_at", "-id"))
    seen, result = set(), []
    for edition in editions:
        if edition.year not in seen:
            seen.add(edition.year)
            result.append(edition)
    return result


@cached
def public_plan(request: HttpRequest, plan) -> HttpResponse:
    form = PlanFilterForm(request.GET or None, plan=plan)
    del form.fields["responsible"]  # searching an internal field would reveal it
    initiatives = form.filter(data.public_initiatives(plan), search=data.search)
    filtering = bool(form.valid_filters())
    view = data.plan_data(plan, initiatives)
    sections = [d for d in view["directions"] if d["initiatives"] or not filtering]
    return render(request, "reporting/public/plan.html", {
        "plan": plan, "view": view, "sections": sections, "form": form, "filtering": filtering,
        "result_count": sum(len(d["initiatives"]) for d in view["directions"]),
        "editions": final_editions(plan),
    })


@cached
def public_direction(request: HttpRequest, plan, number: int) -> HttpResponse:
    direction = get_object_or_404(plan.directions, number=number)
    view = data.plan_data(plan, data.public_initiatives(plan).filter(direction=direction))
    section = next(d for d in view["directions"] if d["number"] == direction.number)
    years = [y for y in plan.years if any(a["year"] == y for i in section["initiatives"] for a in i["activities"])]
    rows = [(i, [(y, [a for a in i["activities"] if a["year"] == y]) for y in years]) for i in section["initiatives"]]
    return render(request, "reporting/public/direction.html",
                  {"plan": plan, "view": view, "direction": section, "years": years, "rows": rows})


def _public_initiative(plan, pk: int) -> Initiative:
    return get_object_or_404(data.public_initiatives(plan), pk=pk)


@cached
def public_initiative(request: HttpRequest, plan, pk: int) -> HttpResponse:
    initiative = _public_initiative(plan, pk)
    item = data.initiative_data(initiative, plan, {})
    years = sorted({a["year"] for a in item["activities"]})
    feedback = Feedback.objects.approved().filter(initiative=initiative).only(
        "id", "message", "name", "answer", "answered_at", "created_at", "state", "initiative_id")
    return render(request, "reporting/public/initiative.html", {
        "plan": plan, "initiative": item, "direction": initiative.direction,
        "activities_by_year": [(y, [a for a in item["activities"] if a["year"] == y]) for y in years],
        "feedback": feedback,
    })


def _rate_limited(request) -> bool:
    """One address may send FEEDBACK_PER_HOUR messages an hour (counted in the cache)."""
    key = "feedback-rate:" + hashlib.sha256((client_ip(request) or "-").encode()).hexdigest()
    count = cache.get_or_set(key, 0, 3600)
    if count >= settings.FEEDBACK_PER_HOUR:
        return True
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, 3600)
    return False


@require_http_methods(["GET", "POST"])
def public_feedback(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The feedback form: kept for moderation, never shown before an editor approves it."""
    plan = get_public_plan(slug)
    initiative = _public_initiative(plan, pk)
    form = FeedbackForm(request.POST or None)
    status = 200
    context = {"plan": plan, "initiative": initiative, "form": form,
               "retention_days": settings.FEEDBACK_RETENTION_DAYS}
    if request.method == "POST":
        if form.is_valid():
            if form.is_spam():
                # A bot filled the hidden field: answer as if all went well, keep nothing.
                return redirect("public_feedback_thanks", plan.slug, initiative.pk)
            if _rate_limited(request):
                return render(request, "reporting/public/feedback_form.html", {**context, "rate_limited": True},
                              status=429)
            with transaction.atomic(), audit_context(None, "public"):
                Feedback.objects.create(initiative=initiative, **form.feedback_fields())
            return redirect("public_feedback_thanks", plan.slug, initiative.pk)
        status = 422
    return render(request, "reporting/public/feedback_form.html", context, status=status)


@require_GET
def public_feedback_thanks(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_public_plan(slug)
    initiative = _public_initiative(plan, pk)
    return render(request, "reporting/public/feedback_thanks.html", {"plan": plan, "initiative": initiative})


@require_GET
def public_report_pdf(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The final follow-up of the year as the committee got it (never a draft)."""
    plan = get_public_plan(slug)
    edition = next((e for e in final_editions(plan) if e.year == year), None)
    if edition is None:
        raise Http404
    pdf = ReportEdition.objects.filter(pk=edition.pk).values_list("pdf", flat=True).get()
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{plan.slug}-opfoelgning-{year}.pdf"'
    return response


@require_GET
def public_privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/public/privacy.html",
                  {"retention_days": settings.FEEDBACK_RETENTION_DAYS})
