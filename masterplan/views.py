import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.compiled import CompiledQuery

from .models import EVERY_PLAN, AccessibilityStatement, Plan, reads_as


# Every page of a plan starts by reading it with the access check: a query compiled once per
# kind of reader and set of annotations (config.compiled), as building and compiling it took
# longer than running it. Annotations are told apart as the ORM compares expressions (by class
# and arguments), so a view's `last_change_of()` is one entry however often it is made. One
# whose SQL takes values (which compare loosely: Value(1) == Value(True)), or a shape past the
# first few, is read by the ORM instead.
_SLUG, _USER_ID = "\x00slug\x00", -(2**62)
_MOST_SHAPES = 16
_plan_queries: dict = {}


def _plans(annotations: dict, slug, user_id=None):
    plans = Plan.objects.select_related("organization")
    if user_id is not None:
        plans = plans.visible_to_member(user_id)
    return plans.filter(slug=slug).annotate(**annotations)


def _plan_query(every_plan: bool, annotations: dict) -> CompiledQuery | None:
    shape = (every_plan, frozenset(annotations.items()))
    if shape in _plan_queries:
        return _plan_queries[shape]
    if len(_plan_queries) >= _MOST_SHAPES:
        return None
    query = None
    if not _takes_values(annotations):
        markers = (_SLUG,) if every_plan else (_SLUG, _USER_ID)
        query = CompiledQuery(functools.partial(_plans, annotations), *markers)
    _plan_queries[shape] = query
    return query


def _takes_values(annotations: dict) -> bool:
    """Whether the annotations' SQL has parameters of its own."""
    if not annotations:
        return False
    with_them = _plans(annotations, _SLUG, _USER_ID).query.sql_with_params()[1]
    return len(with_them) != len(_plans({}, _SLUG, _USER_ID).query.sql_with_params()[1])


def get_plan_for_user(user, slug: str, **annotations) -> Plan:
    """The plan, if the user may read it; 404 otherwise (never a hint that it exists).
    `annotations` are read in the same query (e.g. the plan's latest change). Who may read
    which plan is `reads_as`, the rule of `Plan.objects.visible_to` (tests/test_compiled.py)."""
    reader = reads_as(user)
    if reader is None:
        raise Http404
    every_plan = reader is EVERY_PLAN
    values = (slug,) if every_plan else (slug, reader)
    query = _plan_query(every_plan, annotations)
    plans = list(_plans(annotations, *values)) if query is None else query(*values)
    if not plans:
        raise Http404
    return plans[0]


def get_plan_for_editor(user, slug: str) -> Plan:
    """The plan, if the user may change it: 404 if they may not even read it, 403 if
    they may read but not write (a reader or manager of its municipality)."""
    plan = get_plan_for_user(user, slug)
    if not plan.is_editable_by(user):
        raise PermissionDenied
    return plan


def _count_per_plan(relation: str):
    """A plan's number of related rows, counted on their own: joining directions and initiatives
    in one query and counting distinct ids made directions × initiatives rows per plan."""
    rows = Plan.objects.filter(pk=OuterRef("pk")).order_by().values("pk").annotate(n=Count(relation))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    plans = (
        Plan.objects.visible_to(request.user)
        .select_related("organization")
        .annotate(direction_count=_count_per_plan("directions"),
                  initiative_count=_count_per_plan("initiatives"))
        .order_by("organization__name", "-period_start", "title")
    )
    return render(request, "masterplan/home.html", {"plans": plans})


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: public, filled in by the municipality in the admin."""
    return render(request, "accessibility.html", {"statement": AccessibilityStatement.current()})
