"""Editors moderate citizens' feedback: approve, answer or delete. Nothing a citizen
sent is public before it is approved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from initiatives.models import StaleEdit
from masterplan.models import Plan
from masterplan.views import get_plan_for_editor

from .forms import AnswerForm, ModerationForm
from .models import Feedback


def get_feedback_for_editor(user, pk: int) -> Feedback:
    """The feedback if the user may moderate it: 404 if its plan is out of their sight,
    403 if they may read the plan but not change it."""
    feedback = get_object_or_404(
        Feedback.objects.select_related("initiative__plan"), pk=pk,
        initiative__plan__in=Plan.objects.visible_to(user),
    )
    if not feedback.initiative.plan.is_editable_by(user):
        raise PermissionDenied
    return feedback


@login_required
@require_GET
def feedback_list(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    items = (Feedback.objects.filter(initiative__plan=plan).select_related("initiative", "moderated_by")
             .order_by("state", "-created_at", "-id"))
    state = request.GET.get("state", "")
    if state in Feedback.State.values:
        items = items.filter(state=state)
    return render(request, "reporting/public/moderation.html", {
        "plan": plan, "items": list(items), "state": state, "states": Feedback.State.choices,
        "pending_count": Feedback.objects.filter(initiative__plan=plan, state=Feedback.State.PENDING).count(),
    })


def _back(feedback):
    return redirect("feedback_list", feedback.initiative.plan.slug)


def _stale(request, feedback):
    messages.error(request, _("En kollega har ændret kommentaren, mens du så på den. Se den nye udgave og "
                              "prøv igen."))
    return _back(feedback)


@login_required
@require_POST
def feedback_approve(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_feedback_for_editor(request.user, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["version"][0])
        return _back(feedback)
    try:
        with transaction.atomic():
            current = Feedback.lock(feedback.pk, form.cleaned_data["version"])
            current.state = Feedback.State.APPROVED
            current.moderated_by, current.moderated_at = request.user, timezone.now()
            current.save_next_version()
    except StaleEdit:
        return _stale(request, feedback)
    messages.success(request, _("Kommentaren er godkendt og vises nu på det offentlige site."))
    return _back(feedback)


@login_required
@require_POST
def feedback_answer(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_feedback_for_editor(request.user, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return _back(feedback)
    try:
        with transaction.atomic():
            current = Feedback.lock(feedback.pk, form.cleaned_data["version"])
            current.answer = form.cleaned_data["answer"].strip()
            current.answered_at = timezone.now() if current.answer else None
            current.moderated_by, current.moderated_at = request.user, timezone.now()
            current.save_next_version()
    except StaleEdit:
        return _stale(request, feedback)
    messages.success(request, _("Svaret er gemt.") if current.answer else _("Svaret er fjernet."))
    return _back(feedback)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Deleting is irreversible: a confirmation page first, which works without JavaScript."""
    feedback = get_feedback_for_editor(request.user, pk)
    if request.method == "POST":
        with transaction.atomic():
            Feedback.objects.select_for_update().filter(pk=feedback.pk).first()
            feedback.delete()
        messages.success(request, _("Kommentaren er slettet."))
        return _back(feedback)
    return render(request, "reporting/public/feedback_delete.html",
                  {"plan": feedback.initiative.plan, "feedback": feedback})
