from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Activity, CrossLink, Initiative


def get_initiative_for_user(user, pk: int) -> Initiative:
    """The initiative, if the user may read its plan; 404 otherwise."""
    queryset = Initiative.objects.visible_to(user).select_related("plan__organization", "direction")
    return get_object_or_404(queryset, pk=pk)


@login_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk)
    activities = list(initiative.activities.all())
    activities_by_year = [
        (year, [a for a in activities if a.year == year]) for year in initiative.plan.years
    ]
    cross_links = CrossLink.objects.filter(initiative=initiative).select_related("direction")
    context = {
        "initiative": initiative,
        "plan": initiative.plan,
        "activities_by_year": activities_by_year,
        "cross_links": cross_links,
        "budget_lines": initiative.budget_lines.all(),
        "status_updates": initiative.status_updates.select_related("author")[:20],
    }
    return render(request, "initiatives/initiative_detail.html", context)
