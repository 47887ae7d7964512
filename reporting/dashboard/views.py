from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from followup.models import FollowUpRound
from initiatives.models import Initiative
from masterplan.views import get_plan_for_user

from .figures import Filters, build_dashboard
from .forms import DashboardFilterForm


@login_required
def plan_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The manager's one-page overview. Read-only for every role."""
    plan = get_plan_for_user(request.user, slug)
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
    board = build_dashboard(plan, directions, filters)
    context = {"plan": plan, "form": form, "board": board}
    if not request.htmx or request.htmx.history_restore_request:
        # The newest follow-up round's progress (not narrowed by the filters).
        round_ = FollowUpRound.objects.filter(plan=plan).order_by("-year").first()
        context.update(round=round_, round_progress=round_.progress(directions=directions) if round_ else None)
    # A history-restore request (back button after hx-push-url) needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "reporting/dashboard/dashboard.html#body" if partial else "reporting/dashboard/dashboard.html"
    return render(request, template, context)
