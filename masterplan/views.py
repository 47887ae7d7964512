from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .models import AccessibilityStatement, Plan


def get_plan_for_user(user, slug: str, **annotations) -> Plan:
    """The plan, if the user may read it; 404 otherwise (never a hint that it exists).
    `annotations` are read in the same query (e.g. the plan's latest change)."""
    plans = Plan.objects.visible_to(user).select_related("organization")
    return get_object_or_404(plans.annotate(**annotations) if annotations else plans, slug=slug)


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
