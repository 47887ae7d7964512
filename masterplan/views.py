from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Direction, Plan


def get_plan_for_user(user, slug: str) -> Plan:
    """The plan, if the user may read it; 404 otherwise (never a hint that it exists)."""
    return get_object_or_404(Plan.objects.visible_to(user).select_related("organization"), slug=slug)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    plans = (
        Plan.objects.visible_to(request.user)
        .select_related("organization")
        .annotate(direction_count=Count("directions", distinct=True),
                  initiative_count=Count("initiatives", distinct=True))
        .order_by("organization__name", "-period_start", "title")
    )
    return render(request, "masterplan/home.html", {"plans": plans})


@login_required
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    from initiatives.models import Initiative  # initiatives depends on masterplan, not the reverse at import

    initiatives = Initiative.objects.only(
        "id", "direction_id", "number", "title", "status", "phase", "responsible", "order", "plan_id"
    ).annotate(activity_count=Count("activities"))
    directions = plan.directions.prefetch_related(
        Prefetch("initiatives", queryset=initiatives.order_by("order", "id")),
    )
    return render(request, "masterplan/plan_detail.html", {"plan": plan, "directions": directions})
