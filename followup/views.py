"""The follow-up round's pages. Access: the plan through `get_plan_for_user` /
`get_plan_for_editor` (404 outside the user's reach, 403 for readers), the requests
through `UpdateRequest.objects.for_user` and `get_request_for_user` (an owner acts
only on their own requests, editors on all of the plan's).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from initiatives.models import Activity, AuditEntry, Initiative, StaleEdit, StatusUpdate
from masterplan.views import get_plan_for_editor, get_plan_for_user

from .forms import BulkApproveForm, MailPreferenceForm, OpenRoundForm, RequestFilterForm, ReviewForm, UpdateRequestForm
from .models import FollowUpRound, MailPreference, UpdateRequest, add_activity
from .tasks import send_mails_soon

PAGE_SIZE = 100
State = UpdateRequest.State


def _check_year(plan, year: int):
    if not plan.contains_year(year):
        raise Http404(_("Året ligger uden for planens periode."))


def get_request_for_user(user, plan, year: int, pk: int) -> UpdateRequest:
    """The request of this plan and year (else 404); 403 unless it is the user's own
    or the user is one of the plan's editors."""
    request_obj = get_object_or_404(
        UpdateRequest.objects.filter(round__plan=plan, round__year=year)
        .select_related("round__plan__organization", "initiative__direction", "owner", "reviewed_by"), pk=pk)
    if not request_obj.may_act(user):
        raise PermissionDenied(_("Indberetningen er ikke din."))
    return request_obj


def round_context(request, plan, year, round_, **overrides) -> dict:
    can_review = plan.is_editable_by(request.user)
    today = timezone.localdate()
    context = {"plan": plan, "year": year, "round": round_, "can_review": can_review, "today": today}
    if round_ is None:
        if can_review:
            context["open_form"] = OpenRoundForm(plan=plan, year=year)
        context.update(overrides)
        return context
    requests = (UpdateRequest.objects.for_user(request.user, plan).filter(round=round_)
                .select_related("initiative__direction", "owner"))
    directions = list(plan.directions.only("id", "number", "title", "statement"))
    owner_ids = round_.requests.order_by().values("owner_id").distinct()
    owners = list(get_user_model().objects.filter(pk__in=owner_ids).order_by("first_name", "username"))
    filter_form = RequestFilterForm(request.GET or None, plan=plan, directions=directions, owners=owners)
    filters = filter_form.valid_filters()
    if filters.get("state") == "overdue":
        requests = requests.waiting() if round_.is_overdue(today) else requests.none()
    elif filters.get("state"):
        requests = requests.filter(state=filters["state"])
    if filters.get("direction"):
        requests = requests.filter(initiative__direction__number=filters["direction"])
    if filters.get("owner"):
        requests = requests.filter(owner_id=filters["owner"])
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    context.update({
        "page": page, "requests": list(page.object_list), "filter_form": filter_form, "query": query.urlencode(),
        "progress": round_.progress(today), "overdue": round_.is_overdue(today),
        "bulk_form": BulkApproveForm(round_=round_) if can_review else None,
        "missing_count": round_.missing_initiatives().count() if can_review and round_.is_newest() else 0,
    })
    context.update(overrides)
    return context


def render_round(request, plan, year, round_, status=200, **overrides):
    context = round_context(request, plan, year, round_, **overrides)
    template = "followup/round_detail.html#requests" if request.htmx and round_ else "followup/round_detail.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def round_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The round: editors see every request with progress and filters, owners their own."""
    plan = get_plan_for_user(request.user, slug)
    _check_year(plan, year)
    round_ = FollowUpRound.objects.filter(plan=plan, year=year).select_related("opened_by").first()
    return render_round(request, plan, year, round_)


@login_required
@require_POST
def round_open(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    form = OpenRoundForm(request.POST, plan=plan, year=year)
    if not form.is_valid():
        existing = FollowUpRound.objects.filter(plan=plan, year=year).first()
        return render(request, "followup/round_detail.html",
                      {**round_context(request, plan, year, existing), "round": None, "open_form": form},
                      status=422)
    round_ = FollowUpRound.open(plan, year, form.cleaned_data["deadline"], form.cleaned_data["message"],
                                request.user)
    messages.success(request, _("Opfølgningsrunden for %(year)s er åbnet med %(count)s indberetninger. "
                                "Tovholderne får en mail.") % {"year": year, "count": round_.requests.count()})
    return redirect(round_)


@login_required
@require_POST
def round_request_missing(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Requests for the initiatives added after the round opened, to their owners."""
    plan = get_plan_for_editor(request.user, slug)
    round_ = get_object_or_404(FollowUpRound, plan=plan, year=year)
    if not round_.is_newest():
        messages.error(request, _("Kun den nyeste opfølgningsrunde kan få indberetninger for nye %(nouns)s.") % {
            "nouns": plan.initiative_noun.plural})
        return render_round(request, plan, year, round_, status=409)
    made = round_.request_missing(request.user)
    if made:
        messages.success(request, ngettext(
            "Der er oprettet %(count)s ny indberetning. Tovholderen ser den under »Mine %(nouns)s« og får den "
            "med i påmindelserne.",
            "Der er oprettet %(count)s nye indberetninger. Tovholderne ser dem under »Mine %(nouns)s« og får dem "
            "med i påmindelserne.", made) % {"count": made, "nouns": plan.initiative_noun.plural})
    else:
        messages.info(request, _("Alle %(nouns)s har allerede en indberetning i runden.") % {
            "nouns": plan.initiative_noun.plural})
    return redirect(round_)


@login_required
@require_POST
def round_approve(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Approve several submitted requests at once."""
    plan = get_plan_for_editor(request.user, slug)
    round_ = get_object_or_404(FollowUpRound, plan=plan, year=year)
    form = BulkApproveForm(request.POST, round_=round_)
    if not form.is_valid():
        return render_round(request, plan, year, round_, status=422, bulk_form=form)
    approved = 0
    with transaction.atomic():
        for current in UpdateRequest.objects.select_for_update().filter(
                pk__in=[r.pk for r in form.cleaned_data["requests"]], state=State.SUBMITTED).select_related("round"):
            current.approve(request.user)
            approved += 1
    messages.success(request, _("%(count)s indberetninger er godkendt.") % {"count": approved})
    return redirect(round_)


def request_context(request, request_obj, **overrides) -> dict:
    round_ = request_obj.round
    initiative = request_obj.initiative
    activities = Activity.objects.filter(initiative=initiative, year=round_.year).order_by("order", "id")
    previous = (UpdateRequest.objects.filter(initiative=initiative, round__year=round_.year - 1, state=State.APPROVED)
                .select_related("round").first())
    can_review = round_.plan.is_editable_by(request.user)
    context = {
        "plan": round_.plan, "round": round_, "year": round_.year, "req": request_obj, "initiative": initiative,
        "previous": previous, "can_review": can_review, "activities": list(activities),
        "last_status": initiative.status_updates.select_related("author").first(),
        "history": request_history(request_obj),
        "overdue": request_obj.is_overdue(),
    }
    if request_obj.owner_may_edit:
        context["form"] = UpdateRequestForm(request_obj=request_obj, activities=activities, initial={
            "status": request_obj.status, "phase": request_obj.phase, "year_text": request_obj.year_text,
            "next_steps": request_obj.next_steps, "note": request_obj.note, "version": request_obj.version,
            "done": [a.pk for a in activities if a.done], "new_activity_year": round_.year,
        })
    if can_review and request_obj.state == State.SUBMITTED:
        context["review_form"] = ReviewForm(initial={"version": request_obj.version})
    context.update(overrides)
    return context


def request_history(request_obj) -> list[dict]:
    """Who moved the request from which state to which (from the audit log)."""
    labels = dict(State.choices)
    rows = []
    for entry in AuditEntry.objects.filter(model="updaterequest", object_id=str(request_obj.pk))[:30]:
        old, new = entry.changes.get("state", [None, None])
        if entry.action == AuditEntry.Action.CREATE:
            old, new = None, new or State.NOT_STARTED
        if new is not None and old != new:
            rows.append({"timestamp": entry.timestamp, "user_name": entry.user_name,
                         "old": labels.get(old, ""), "new": labels.get(new, new)})
    return rows


def render_request(request, request_obj, status=200, **overrides):
    return render(request, "followup/request_detail.html", request_context(request, request_obj, **overrides),
                  status=status)


STALE_MESSAGE = gettext_lazy("Din ændring blev ikke gemt, fordi en anden har gemt indberetningen, efter du åbnede den. "
                  "Formularen viser stadig dit input; se den nye version og gem igen.")


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, slug: str, year: int, pk: int) -> HttpResponse:
    """The owner's form (save as draft, or submit), beside last year's approved report."""
    plan = get_plan_for_user(request.user, slug)
    request_obj = get_request_for_user(request.user, plan, year, pk)
    if request.method == "GET":
        return render_request(request, request_obj)
    if not request_obj.owner_may_edit:
        return render_request(request, request_obj, status=409, error=_(
            "Indberetningen er %(state)s og kan ikke ændres nu.") % {"state": request_obj.get_state_display().lower()})
    activities = Activity.objects.filter(initiative=request_obj.initiative, year=year).order_by("order", "id")
    form = UpdateRequestForm(request.POST, request_obj=request_obj, activities=activities)
    if not form.is_valid():
        return render_request(request, request_obj, status=422, form=form)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            current = UpdateRequest.lock(request_obj.pk, data["version"])
            if current.state not in UpdateRequest.WAITING:
                raise StaleEdit(current)
            done = {a.pk for a in data["done"]}
            for activity in Activity.objects.select_for_update().filter(pk__in=[a.pk for a in activities]):
                if activity.done != (activity.pk in done):
                    activity.done = activity.pk in done
                    activity.save_next_version()
            if data["new_activity"].strip():
                add_activity(Initiative.objects.get(pk=current.initiative_id), data["new_activity_year"],
                             data["new_activity_period"], data["new_activity"].strip())
            current.write(data, submit=form.submitting)
    except StaleEdit as stale:
        bound = request.POST.copy()
        bound["version"] = stale.current.version
        stale_form = UpdateRequestForm(bound, request_obj=stale.current, activities=activities)
        stale_form.is_valid()
        return render_request(request, stale.current, status=409, form=stale_form, error=STALE_MESSAGE)
    if form.submitting:
        send_mails_soon()  # the last one in tells the editors
        messages.success(request, _("Tak. Din indberetning for %(number)s er sendt til konsulenten.") % {
            "number": request_obj.initiative.number})
        return redirect(request_obj.round)
    messages.success(request, _("Kladden er gemt. Du kan skrive videre senere og indsende, når du er klar."))
    return redirect(request_obj)


@login_required
@require_POST
def request_review(request: HttpRequest, slug: str, year: int, pk: int) -> HttpResponse:
    """Approve one submitted request, or send it back with a comment."""
    plan = get_plan_for_editor(request.user, slug)
    request_obj = get_request_for_user(request.user, plan, year, pk)
    form = ReviewForm(request.POST)
    if request_obj.state != State.SUBMITTED:
        return render_request(request, request_obj, status=409, error=_(
            "Kun en indsendt indberetning kan godkendes eller sendes retur."))
    if not form.is_valid():
        return render_request(request, request_obj, status=422, review_form=form)
    try:
        with transaction.atomic():
            current = UpdateRequest.lock(request_obj.pk, form.cleaned_data["version"])
            if form.cleaned_data["decision"] == "approve":
                current.approve(request.user, form.cleaned_data["comment"])
                message = _("%(number)s er godkendt, og status er opdateret.")
            else:
                current.send_back(request.user, form.cleaned_data["comment"])
                send_mails_soon()
                message = _("%(number)s er sendt retur til tovholderen.")
    except StaleEdit as stale:
        return render_request(request, stale.current, status=409, error=STALE_MESSAGE)
    messages.success(request, message % {"number": request_obj.initiative.number})
    return redirect(request_obj.round)


@login_required
@require_GET
def my_initiatives(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner's own initiatives in the plan, their open requests and the reminder setting."""
    plan = get_plan_for_user(request.user, slug)
    last = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-created_at", "-id")
    initiatives = list(plan.initiatives.filter(responsible_user=request.user).select_related("direction")
                       .annotate(last_update=Subquery(last.values("created_at")[:1])))
    open_requests = list(UpdateRequest.objects.filter(owner=request.user, round__plan=plan)
                         .waiting().select_related("round", "initiative"))
    preference = MailPreference.objects.filter(user=request.user).first() or MailPreference(user=request.user)
    return render(request, "followup/my_initiatives.html", {
        "plan": plan, "initiatives": initiatives, "open_requests": open_requests,
        "preference_form": MailPreferenceForm(instance=preference),
    })


@login_required
@require_POST
def my_reminders(request: HttpRequest, slug: str) -> HttpResponse:
    """Turn one's own reminder mails on or off."""
    plan = get_plan_for_user(request.user, slug)
    preference = MailPreference.objects.filter(user=request.user).first() or MailPreference(user=request.user)
    form = MailPreferenceForm(request.POST, instance=preference)
    form.is_valid()  # a lone checkbox cannot be invalid
    form.save()
    messages.success(request, _("Påmindelser er slået til.") if preference.reminders
                     else _("Påmindelser er slået fra. Du får stadig mails om nye runder og om indberetninger, "
                            "der sendes retur."))
    return redirect("my_initiatives", plan.slug)
