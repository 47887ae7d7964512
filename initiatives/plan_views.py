"""Plan-level pages that list initiatives: the plan overview with search and
filters, a direction laid out like the report, and adding directions."""

from collections import Counter
from html import escape  # the standard library's: a plain function, called per activity

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from masterplan.labels import choice_labels
from masterplan.models import Direction
from masterplan.views import get_plan_for_editor, get_plan_for_user

from .audit import change_key, last_change_of
from .forms import DirectionForm, NewDirectionForm, PlanFilterForm
from .models import Activity, Initiative, Period
from .views import edit_versioned_page

LIST_FIELDS = ["id", "plan_id", "direction_id", "number", "title", "status", "phase", "responsible", "order"]


# Initiatives per page of the plan page: every real plan (19–41 initiatives) fits on one, and
# a page's cost then follows what it shows, not the plan's size.
PLAN_PAGE_SIZE = 50
# Initiatives per page of a direction page (laid out with their activities, like the report):
# the demo plans have at most 10 in a direction.
DIRECTION_PAGE_SIZE = 10
# Bounds the cache's memory only: a change to the plan makes a new key at once.
CACHE_SECONDS = 600


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
    # Each row's activities counted in a correlated subquery (an index lookup per row): counting
    # "activities of these 50 ids" let PostgreSQL scan the whole table without statistics.
    activities = (Activity.objects.filter(initiative=OuterRef("pk")).order_by()
                  .values("initiative").annotate(n=Count("id")).values("n"))
    by_pk = (Initiative.objects.only(*LIST_FIELDS).order_by()
             .annotate(activity_count=Coalesce(Subquery(activities, output_field=IntegerField()), 0)).in_bulk(shown))
    page.object_list = [by_pk[pk] for pk in shown]
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
    """One direction in the report's layout: initiative | a column per year | also supports.

    The table is the same for everybody who may read the plan, so each of its pages is
    rendered once per change of the plan and then served from the cache.
    """
    plan = get_plan_for_user(request.user, slug, last_change=last_change_of())
    direction = get_object_or_404(plan.directions, number=number)
    page = Paginator(direction.initiatives.order_by("order", "id"), DIRECTION_PAGE_SIZE).get_page(
        request.GET.get("side"))
    key = change_key("direction-page", plan, direction.pk, page.number, get_language())
    table = cache.get(key)
    if table is None:
        page.object_list = list(page.object_list)
        prefetch_related_objects(
            page.object_list, Prefetch("cross_links", queryset=Direction.objects.only("id", "number", "statement")))
        table = render_to_string("initiatives/direction_detail.html#table", {
            "plan": plan, "rows": _direction_rows(plan, page.object_list), "years": list(plan.years), "page": page})
        cache.set(key, table, CACHE_SECONDS)
    return render(request, "initiatives/direction_detail.html",
                  {"plan": plan, "direction": direction, "table": mark_safe(table),  # our template escaped it
                   "can_edit": plan.is_editable_by(request.user)})


def _direction_rows(plan, initiatives) -> list:
    """(initiative, its year cells as HTML) per initiative: a `<td>` a year of the plan.

    A year's cell is its activities' texts, each a paragraph, with a period's heading before
    the first of each period other than the whole year, or a dash that screen readers hear as
    "Ingen aktiviteter.". The activities are read as plain tuples and the cells joined here:
    a template loop per cell and activity was most of a full page's time.
    """
    periods = choice_labels(Activity, "period")
    empty = ('<td class="col-year"><span aria-hidden="true">–</span>'
             f'<span class="sr-only">{escape(_("Ingen aktiviteter."))}</span></td>')
    cells = {(initiative.pk, year): [] for initiative in initiatives for year in plan.years}
    for initiative_id, year, period, text in (
            Activity.objects.filter(initiative__in=initiatives).order_by("year", "order", "id")
            .values_list("initiative_id", "year", "period", "text")):
        cell = cells.get((initiative_id, year))
        if cell is None:  # a year outside the plan's period is not shown (as before)
            continue
        if period != Period.YEAR and (not cell or cell[-1][0] != period):
            cell.append((period, f'<p class="period-heading">{escape(periods.get(period, period))}</p>'))
        cell.append((period, f"<p>{escape(text)}</p>"))

    def row(initiative):
        parts = [f'<td class="col-year">{"".join(html for _, html in cells[(initiative.pk, year)])}</td>'
                 if cells[(initiative.pk, year)] else empty for year in plan.years]
        return mark_safe("".join(parts))  # every text escaped above

    return [(initiative, row(initiative)) for initiative in initiatives]


@login_required
@require_http_methods(["GET", "POST"])
def direction_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An editor changes a direction's texts; a stale form is refused with both versions shown."""
    plan = get_plan_for_editor(request.user, slug)
    direction = get_object_or_404(plan.directions, number=number)
    return edit_versioned_page(
        request, direction, DirectionForm, "initiatives/direction_edit.html", {"plan": plan, "direction": direction},
        direction.get_absolute_url(), _("Ændringerne er gemt."),
    )


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
