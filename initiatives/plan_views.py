"""Plan-level pages that list initiatives: the plan overview with search and
filters, a direction laid out like the report, and adding directions."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from masterplan.views import get_plan_for_editor, get_plan_for_user

from .forms import NewDirectionForm, PlanFilterForm
from .models import Activity, Initiative

LIST_FIELDS = ["id", "plan_id", "direction_id", "number", "title", "status", "phase", "responsible", "order"]


# Initiatives per page of the plan page: every real plan (19–41 initiatives) fits on one, and
# a page's cost then follows what it shows, not the plan's size.
PLAN_PAGE_SIZE = 50
# Initiatives per page of a direction page (laid out with their activities, like the report):
# the demo plans have at most 10 in a direction.
DIRECTION_PAGE_SIZE = 10


def page_of(request, rows, size):
    """The requested page (`?side=N`; an unreadable or too high number gives the nearest page)
    and the query string without it, for the page links."""
    page = Paginator(rows, size).get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("side", None)
    return page, query.urlencode()


def plan_sections(directions, page, counts: dict, filtering: bool):
    """(direction, its initiatives on this page) in the plan's order. Without filters an
    empty direction is shown too, on the page where its place in the order falls.
    `counts`: direction pk → its number of (matching) initiatives."""
    by_direction = {d.pk: [] for d in directions}
    for initiative in page.object_list:
        by_direction[initiative.direction_id].append(initiative)
    if filtering:
        return [(d, by_direction[d.pk]) for d in directions if by_direction[d.pk]]
    first, last = page.start_index() - 1, page.end_index()  # this page's rows of the whole list
    sections, before = [], 0  # before: initiatives of the directions before this one
    for direction in directions:
        empty_here = first <= before < last or (before == last and not page.has_next())
        if by_direction[direction.pk] or (not counts.get(direction.pk) and empty_here):
            sections.append((direction, by_direction[direction.pk]))
        before += counts.get(direction.pk, 0)
    return sections


@login_required
@require_safe
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    directions = list(plan.directions.all())
    form = PlanFilterForm(request.GET or None, plan=plan)
    initiatives = form.filter(plan.initiatives.only(*LIST_FIELDS))
    # The matching ids in the plan's order (one query, a search only once), then one page's rows.
    ids = list(Initiative.objects.filter(pk__in=initiatives.values("pk"))
               .order_by("direction__order", "direction__number", "order", "id").values_list("pk", "direction_id"))
    per_direction = Counter(direction for _, direction in ids)
    page, query = page_of(request, ids, PLAN_PAGE_SIZE)
    shown = [pk for pk, _ in page.object_list]
    by_pk = Initiative.objects.only(*LIST_FIELDS).order_by().in_bulk(shown)
    page.object_list = [by_pk[pk] for pk in shown]
    activities = dict(Activity.objects.filter(initiative__in=shown).order_by()
                      .values_list("initiative").annotate(n=Count("id")))
    for initiative in page.object_list:
        initiative.activity_count = activities.get(initiative.pk, 0)
    context = {
        "plan": plan,
        "directions": directions,
        "sections": plan_sections(directions, page, per_direction, form.is_filtering),
        "page": page,
        "query": query,
        "form": form,
        "result_count": page.paginator.count,
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
    page, query = page_of(request, direction.initiatives.order_by("order", "id"), DIRECTION_PAGE_SIZE)
    prefetch_related_objects(
        page.object_list,
        Prefetch("activities", queryset=Activity.objects.order_by("year", "order", "id")),
        "cross_links",
    )
    rows = [
        (initiative, [(year, [a for a in initiative.activities.all() if a.year == year]) for year in plan.years])
        for initiative in page.object_list
    ]
    return render(request, "initiatives/direction_detail.html",
                  {"plan": plan, "direction": direction, "rows": rows, "years": list(plan.years),
                   "page": page, "query": query})


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
