from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from followup.models import FollowUpRound
from indicators.overview import overview as indicator_overview
from initiatives.audit import change_key, last_change_of
from initiatives.models import Initiative
from masterplan.views import get_plan_for_user

from .figures import Filters, build_dashboard
from .forms import DashboardFilterForm

CONTENT = "reporting/dashboard/_content.html"
FILTER_PARAMS = ["direction", "responsible", "year", "since"]
# Bounds the cache's memory only: a change to the plan makes a new key at once.
CACHE_SECONDS = 600


def content_key(plan, request: HttpRequest, partial: bool) -> str:
    """The dashboard's content for this plan as it is now: its newest audit entry (every write
    to the plan is audited, as for the public site), its own `updated_at`, today (the stale and
    due lists and the round's deadline count in days), the language and the filters."""
    params = sorted((k, v) for k in FILTER_PARAMS for v in request.GET.getlist(k))
    return change_key("dashboard", plan, timezone.localdate(), translation.get_language(), partial, params)


def dashboard_content(request: HttpRequest, plan, partial: bool) -> str:
    """The figures, lists and charts rendered (a dozen aggregate queries over the plan)."""
    directions = list(plan.directions.only("id", "plan_id", "number", "title", "statement", "order"))
    responsibles = (Initiative.objects.filter(plan=plan).exclude(responsible="").order_by("responsible")
                    .values_list("responsible", flat=True).distinct())
    form = DashboardFilterForm(request.GET or None, plan=plan, directions=directions, responsibles=list(responsibles))
    by_number = {d.number: d for d in directions}
    filters = Filters(
        direction=by_number.get(form.value("direction")),
        responsible=form.value("responsible", ""),
        year=form.value("year"),
        since=form.value("since"),
    )
    context = {"plan": plan, "form": form, "board": build_dashboard(plan, directions, filters),
               "indicator_board": indicator_overview(plan, filters.direction)}
    if not partial:
        # The newest follow-up round's progress (not narrowed by the filters).
        round_ = FollowUpRound.objects.filter(plan=plan).order_by("-year").first()
        context.update(round=round_, round_progress=round_.progress(directions=directions) if round_ else None)
    return render_to_string(f"{CONTENT}#body" if partial else CONTENT, context, request=request)


@login_required
@require_safe
def plan_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The manager's one-page overview. Read-only for every role, the same for all of them,
    so its content is computed once per change of the plan and then served from the cache."""
    plan = get_plan_for_user(request.user, slug, last_change=last_change_of())
    # A history-restore request (back button after hx-push-url) needs the whole page.
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    key = content_key(plan, request, partial)
    content = cache.get(key)
    if content is None:
        content = dashboard_content(request, plan, partial)
        cache.set(key, content, CACHE_SECONDS)
    content = mark_safe(content)  # rendered by our own templates, escaped there
    if partial:
        return HttpResponse(content)
    return render(request, "reporting/dashboard/dashboard.html", {"plan": plan, "content": content})
