"""Plan-level pages that list initiatives: the plan overview with search and
filters, a direction laid out like the report, and adding directions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from masterplan.views import get_plan_for_editor, get_plan_for_user

from .forms import NewDirectionForm, PlanFilterForm
from .models import Activity, Initiative

LIST_FIELDS = ["id", "plan_id", "direction_id", "number", "title", "status", "phase", "responsible", "order"]


@login_required
@require_safe
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    directions = list(plan.directions.all())
    form = PlanFilterForm(request.GET or None, plan=plan)
    initiatives = form.filter(plan.initiatives.only(*LIST_FIELDS))
    counted = Initiative.objects.filter(pk__in=initiatives.values("pk")).only(*LIST_FIELDS).annotate(
        activity_count=Count("activities")
    ).order_by("order", "id")
    by_direction = {d.pk: [] for d in directions}
    for initiative in counted:
        by_direction[initiative.direction_id].append(initiative)
    sections = [(d, by_direction[d.pk]) for d in directions if by_direction[d.pk] or not form.is_filtering]
    context = {
        "plan": plan,
        "directions": directions,
        "sections": sections,
        "form": form,
        "result_count": sum(len(items) for items in by_direction.values()),
        "can_edit": plan.is_editable_by(request.user),
        "report_year": plan.report_year(),
    }
    template = "initiatives/plan_detail.html#results" if request.htmx else "initiatives/plan_detail.html"
    return render(request, template, context)


@login_required
@require_safe
def direction_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One direction in the report's layout: initiative | a column per year | also supports."""
    plan = get_plan_for_user(request.user, slug)
    direction = get_object_or_404(plan.directions, number=number)
    initiatives = direction.initiatives.prefetch_related(
        Prefetch("activities", queryset=Activity.objects.order_by("year", "order", "id")),
        "cross_links",
    )
    rows = [
        (initiative, [(year, [a for a in initiative.activities.all() if a.year == year]) for year in plan.years])
        for initiative in initiatives
    ]
    return render(request, "initiatives/direction_detail.html",
                  {"plan": plan, "direction": direction, "rows": rows, "years": list(plan.years)})


@login_required
@require_http_methods(["GET", "POST"])
def direction_create(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    next_number = (plan.directions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    form = NewDirectionForm(request.POST or None, plan=plan, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        direction = form.save()
        messages.success(request, _("%(label)s %(number)s er oprettet.") % {
            "label": plan.direction_label, "number": direction.number})
        return redirect(direction)
    return render(request, "initiatives/direction_new.html", {"plan": plan, "form": form},
                  status=422 if form.errors else 200)
