"""The consultant workspace: read and edit an initiative, its activities, status and
cross-links. Every view fetches its object through `get_initiative_for_user` (or the
plan's equivalent), so access is decided by `Plan.objects.visible_to/editable_by`.

Edits are POSTs that work without JavaScript (redirect back with a message); with
htmx they answer with the changed fragment of `initiative_detail.html` plus the
history, swapped out of band. A stale form is refused with 409 and the other
person's version shown beside the user's own input.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masterplan.views import get_plan_for_editor, get_plan_for_user

from .forms import ActivityForm, CrossLinkForm, InitiativeForm, NewInitiativeForm, StatusForm
from .models import Activity, AuditEntry, CrossLink, Initiative, StaleEdit

TEMPLATE = "initiatives/initiative_detail.html"


def get_initiative_for_user(user, pk: int, *, for_edit: bool = False, for_update: bool = False) -> Initiative:
    """The initiative if the user may read its plan (else 404); with for_edit, 403
    unless the user may change the plan; with for_update, 403 unless the user may
    update its status and activities (editors, and its owner)."""
    queryset = Initiative.objects.visible_to(user).select_related("plan__organization", "direction")
    initiative = get_object_or_404(queryset, pk=pk)
    if for_edit and not initiative.plan.is_editable_by(user):
        raise PermissionDenied
    if for_update and not initiative.is_updatable_by(user):
        raise PermissionDenied
    return initiative


def get_activity_for_editor(user, pk: int) -> Activity:
    """The activity if the user may read it (else 404) and update its initiative (else 403)."""
    activity = get_object_or_404(
        Activity.objects.filter(initiative__in=Initiative.objects.visible_to(user)).select_related(
            "initiative__plan", "initiative__direction"
        ),
        pk=pk,
    )
    if not activity.initiative.is_updatable_by(user):
        raise PermissionDenied
    return activity


def last_change_by(obj) -> AuditEntry | None:
    return AuditEntry.objects.filter(model=obj._meta.model_name, object_id=str(obj.pk)).first()


def detail_context(request, initiative, **overrides) -> dict:
    can_edit = initiative.plan.is_editable_by(request.user)
    # Owners update status and activities only; editors everything.
    can_update = can_edit or initiative.is_updatable_by(request.user)
    activities = list(initiative.activities.all())
    context = {
        "initiative": initiative,
        "plan": initiative.plan,
        "can_edit": can_edit,
        "can_update": can_update,
        "activities_by_year": [
            (year, [a for a in activities if a.year == year]) for year in initiative.plan.years
        ],
        "cross_links": CrossLink.objects.filter(initiative=initiative).select_related("direction"),
        "budget_lines": initiative.budget_lines.all(),
        "status_updates": initiative.status_updates.select_related("author")[:20],
        "history": AuditEntry.objects.filter(initiative_pk=initiative.pk).select_related("user")[:50],
    }
    if can_update:
        context.update(
            status_form=StatusForm(initial={
                "status": initiative.status, "phase": initiative.phase, "version": initiative.version,
            }),
            activity_form=ActivityForm(initiative=initiative, initial={"year": remembered_year(request, initiative)}),
        )
    if can_edit:
        context.update(
            cross_link_form=CrossLinkForm(initiative=initiative, initial={
                "directions": [link.direction_id for link in context["cross_links"]],
                "version": initiative.version,
            }),
        )
    context.update(overrides)
    return context


def remembered_year(request, initiative) -> int:
    """The year the user last added an activity to (so "Tilføj aktivitet" keeps it), else this year
    (within the plan's period): a consultant adds this year's activities far more than the first year's."""
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    plan = initiative.plan
    if plan.contains_year(year):
        return year
    return min(max(timezone.localdate().year, plan.period_start), plan.period_end)


def respond(request, initiative, section: str, message: str = "", status: int = 200, **overrides):
    """After an edit: the changed section (+ history) for htmx, else the whole page or a redirect."""
    if request.htmx:
        context = detail_context(request, initiative, confirmation=message, swapped=section, **overrides)
        response = render(request, f"{TEMPLATE}#{section}", context, status=status)
        if status < 400:
            # The history, and the version fields of the page's other forms, so the
            # user's next edit in another section is not refused as stale.
            context["history_oob"] = True
            response.content += render(request, f"{TEMPLATE}#history", context).content
            response.content += render(request, f"{TEMPLATE}#version_oob", context).content
        return response
    if status >= 400:
        return render(request, TEMPLATE, detail_context(request, initiative, **overrides), status=status)
    messages.success(request, message)
    return redirect(f"{initiative.get_absolute_url()}#{section}")


@login_required
@require_safe
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk)
    return render(request, TEMPLATE, detail_context(request, initiative))


@login_required
@require_POST
def initiative_status(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk, for_update=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return respond(request, initiative, "status", status=422, status_form=form)
    try:
        with transaction.atomic():
            current = Initiative.lock(initiative.pk, form.cleaned_data["version"])
            current.change_status(
                request.user, form.cleaned_data["status"], form.cleaned_data["phase"], form.cleaned_data["note"]
            )
    except StaleEdit as stale:
        return stale_response(request, stale.current, "status", status_form=StatusForm(
            initial={**form.cleaned_data, "version": stale.current.version}
        ))
    return respond(request, current, "status", _("Status er gemt."))


@login_required
@require_POST
def cross_links_update(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk, for_edit=True)
    form = CrossLinkForm(request.POST, initiative=initiative)
    if not form.is_valid():
        return respond(request, initiative, "crosslinks", status=422, cross_link_form=form)
    try:
        with transaction.atomic():
            current = Initiative.lock(initiative.pk, form.cleaned_data["version"])
            current.set_cross_links(list(form.cleaned_data["directions"]))
    except StaleEdit as stale:
        return stale_response(request, stale.current, "crosslinks", cross_link_form=CrossLinkForm(
            initiative=stale.current,
            initial={"directions": form.cleaned_data["directions"], "version": stale.current.version},
        ))
    return respond(request, current, "crosslinks", _("Understøttede %(directions)s er gemt.") % {
        "directions": initiative.plan.direction_noun.plural})


def edit_versioned_page(request, obj, make_form, template: str, context: dict, done_url: str, done_message: str):
    """GET: the object's edit form. POST: save it as the next version; or, if someone
    saved it since the form was loaded, refuse (409) and show their values beside
    the user's, with the form still holding the user's input at the new version."""
    conflict = None
    if request.method == "POST":
        form = make_form(request.POST, instance=obj)
        if form.is_valid():
            try:
                type(obj).apply(form)
                messages.success(request, done_message)
                return redirect(done_url)
            except StaleEdit as stale:
                conflict = conflict_context(stale.current, form.cleaned_data, form._meta.fields)
                form = stale.rebound(make_form, request.POST)
    else:
        form = make_form(instance=obj, initial={"version": obj.version})
    status = 409 if conflict else (422 if form.errors else 200)
    return render(request, template, {**context, "form": form, "conflict": conflict}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk, for_edit=True)
    return edit_versioned_page(
        request, initiative, InitiativeForm, "initiatives/initiative_edit.html",
        {"initiative": initiative, "plan": initiative.plan},
        initiative.get_absolute_url(), _("Ændringerne er gemt."),
    )


def conflict_context(current, submitted: dict, fields) -> dict:
    """What the other person saved, beside what this user tried to save."""
    rows = []
    for name in fields:
        field = current._meta.get_field(name)
        theirs, mine = getattr(current, name), submitted.get(name)
        if theirs != mine:
            rows.append({"label": field.verbose_name, "theirs": _shown(theirs), "mine": _shown(mine)})
    return {"entry": last_change_by(current), "rows": rows}


def _shown(value):
    """A value as the conflict table shows it: a list of texts as one line."""
    return "; ".join(value) if isinstance(value, list) else value


def stale_response(request, current, section, **forms):
    conflict = {"entry": last_change_by(current), "rows": []}
    message = _("Din ændring blev ikke gemt, fordi en anden har gemt en nyere version. "
                "Se den nye version nedenfor, og gem igen, hvis din ændring stadig skal med.")
    return respond(request, current, section, status=409, conflict=conflict, conflict_message=message, **forms)


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_initiative_for_user(request.user, pk, for_update=True)
    form = ActivityForm(request.POST, initiative=initiative)
    if not form.is_valid():
        return respond(request, initiative, "activities", status=422, activity_form=form)
    activity = form.save(commit=False)
    # At the end of its year, whatever order numbers the year's activities already have.
    last = initiative.activities.filter(year=activity.year).aggregate(last=Max("order"))["last"] or 0
    activity.order = last + 1
    activity.save()
    message = _("Aktiviteten er tilføjet til %(year)s.") % {"year": activity.year}
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{initiative.get_absolute_url()}?year={activity.year}#activities")
    return respond(request, initiative, "activities", message)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_editor(request.user, pk)
    initiative = activity.initiative
    return edit_versioned_page(
        request, activity, partial(ActivityForm, initiative=initiative), "initiatives/activity_edit.html",
        {"activity": activity, "initiative": initiative, "plan": initiative.plan},
        f"{initiative.get_absolute_url()}#activities", _("Aktiviteten er gemt."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page (deleting cannot be undone). POST: delete."""
    activity = get_activity_for_editor(request.user, pk)
    initiative = activity.initiative
    if request.method == "GET":
        return render(request, "confirm.html", {
            "plan": initiative.plan, "initiative": initiative, "current": _("Slet aktivitet"),
            "heading": _("Slet aktivitet"),
            "question": _("Vil du slette denne aktivitet? Det kan ikke fortrydes."),
            "details": [f"{activity.year}, {activity.get_period_display()}: {activity.text}"],
            "action": request.path, "submit_label": _("Slet aktiviteten"),
            "cancel_url": f"{initiative.get_absolute_url()}#aktivitet-{activity.pk}",
        })
    activity.delete()
    return respond(request, initiative, "activities", _("Aktiviteten er slettet."))


@login_required
@require_POST
def activity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an activity one place up or down within its year."""
    activity = get_activity_for_editor(request.user, pk)
    initiative = activity.initiative
    step = -1 if request.POST.get("move") == "up" else 1
    with transaction.atomic():
        siblings = list(initiative.activities.select_for_update().filter(year=activity.year))
        index = next(i for i, a in enumerate(siblings) if a.pk == activity.pk)
        target = index + step
        if 0 <= target < len(siblings):
            siblings[index], siblings[target] = siblings[target], siblings[index]
            for order, sibling in enumerate(siblings, start=1):
                if sibling.order != order:
                    sibling.order = order
                    sibling.save(update_fields=["order"])
    return respond(request, initiative, "activities", _("Rækkefølgen er gemt."))


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    form = NewInitiativeForm(request.POST or None, plan=plan, initial={"direction": request.GET.get("direction")})
    if request.method == "POST" and form.is_valid():
        initiative = form.save(commit=False)
        initiative.order = initiative.direction.initiatives.count() + 1
        initiative.save()
        messages.success(request, _("%(label)s %(number)s er oprettet.") % {
            "label": plan.initiative_label, "number": initiative.number})
        return redirect(initiative)
    return render(request, "initiatives/initiative_new.html", {"plan": plan, "form": form},
                  status=422 if form.errors else 200)


@login_required
@require_safe
def plan_history(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    entries = AuditEntry.objects.filter(plan_pk=plan.pk).select_related("user")[:200]
    return render(request, "initiatives/plan_history.html", {"plan": plan, "history": entries})
