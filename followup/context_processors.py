"""What the portal's pages may show of a user's follow-up work, read only where a template
asks for it (the home page): masterplan's views know nothing of rounds."""

from django.db.models import Count, Min
from django.utils.functional import SimpleLazyObject

from masterplan.models import Plan

from .models import UpdateRequest


def waiting_requests(request):
    """`my_waiting_requests`: per plan, how many of the user's requests wait for them and the
    nearest deadline, nearest first. A lazy list: no query on a page that does not use it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def rows():
        return list(UpdateRequest.objects.waiting()
                    .filter(owner=user, round__plan__in=Plan.objects.visible_to(user))
                    .values("round__plan__slug", "round__plan__title")
                    .annotate(count=Count("id"), deadline=Min("round__deadline"))
                    .order_by("deadline", "round__plan__title"))

    return {"my_waiting_requests": SimpleLazyObject(rows)}
