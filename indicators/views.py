"""Indicator pages: the plan's list, one indicator with its chart and measurements,
and the editors' forms. Every view fetches through `get_plan_for_user` /
`get_indicator_for_user`, so access is decided by `Plan.objects.visible_to` and
`editable_by` (404 outside one's municipality, 403 for readers who try to write).

Measurement edits work as plain forms (redirect back with a message) and, with htmx,
answer with the page's "measurements" fragment (chart, table and forms), so the chart
always shows what was just saved.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from initiatives.models import StaleEdit
from initiatives.views import conflict_context, last_change_by
from masterplan.views import get_plan_for_editor, get_plan_for_user

from . import charts
from .forms import IndicatorForm, MeasurementCsvForm, MeasurementForm
from .models import Indicator, IndicatorDirection, IndicatorInitiative, Measurement, MeasurementPeriod, apply_series

DETAIL = "indicators/indicator_detail.html"


def get_indicator_for_user(user, pk: int, *, for_edit: bool = False, for_measuring: bool = False) -> Indicator:
    """The indicator if the user may read its plan (else 404); with for_edit, 403 unless they
    may change the indicator itself (editors); with for_measuring, 403 unless they may write
    its measurements (editors, and owners of a linked initiative)."""
    indicator = get_object_or_404(Indicator.objects.visible_to(user).select_related("plan__organization"), pk=pk)
    if for_edit and not indicator.plan.is_editable_by(user):
        raise PermissionDenied
    if for_measuring and not may_measure(user, indicator):
        raise PermissionDenied
    return indicator


def may_measure(user, indicator) -> bool:
    return indicator.plan.is_editable_by(user) or Indicator.objects.measurable_by(user).filter(pk=indicator.pk).exists()


def get_measurement_for_measurer(user, pk: int) -> Measurement:
    measurement = get_object_or_404(
        Measurement.objects.filter(indicator__in=Indicator.objects.visible_to(user))
        .select_related("indicator__plan__organization"), pk=pk)
    if not may_measure(user, measurement.indicator):
        raise PermissionDenied
    return measurement


@login_required
@require_safe
def indicator_list(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    indicators = list(
        Indicator.objects.filter(plan=plan).with_latest()
        .prefetch_related(Prefetch("direction_links", IndicatorDirection.objects.select_related("direction__plan")),
                          Prefetch("initiative_links", IndicatorInitiative.objects.select_related("initiative")))
    )
    rows = [charts.summary(indicator, plan) for indicator in indicators]
    return render(request, "indicators/indicator_list.html", {
        "plan": plan, "rows": rows, "can_edit": plan.is_editable_by(request.user),
    })


def detail_context(request, indicator, **overrides) -> dict:
    measurements = list(indicator.measurements.select_related("author"))
    # can_edit: the measurements (editors and owners of a linked initiative);
    # can_edit_indicator: the indicator's own fields (editors).
    can_edit_indicator = indicator.plan.is_editable_by(request.user)
    can_edit = can_edit_indicator or may_measure(request.user, indicator)
    context = {
        "indicator": indicator, "plan": indicator.plan, "can_edit": can_edit, "can_edit_indicator": can_edit_indicator,
        "measurements": measurements,
        "summary": charts.summary(indicator, indicator.plan, measurements),
        "chart": charts.line_chart(indicator, measurements),
        "directions": [link.direction for link in indicator.direction_links.select_related("direction__plan")],
        "initiatives": [link.initiative for link in indicator.initiative_links.select_related("initiative")],
        "history": last_entries(indicator),
    }
    if can_edit:
        context["measurement_form"] = MeasurementForm(indicator=indicator, initial={
            "period": MeasurementPeriod.DATE})
        context["csv_form"] = MeasurementCsvForm()
    context.update(overrides)
    return context


def last_entries(indicator):
    from initiatives.models import AuditEntry

    # The indicator by id; its measurements by their text ("<name>: <when> = <value>"), which
    # outlives a deleted measurement. Not by the name alone: "Borgere med socialt frikort" is the
    # start of another indicator's name.
    return (AuditEntry.objects.filter(plan_pk=indicator.plan_id)
            .filter(Q(model="indicator", object_id=str(indicator.pk))
                    | Q(model="measurement", object_repr__startswith=f"{indicator.name}: "))
            .select_related("user")[:30])


def respond(request, indicator, message: str = "", status: int = 200, **overrides):
    """After a measurement edit: the fragment for htmx, else the page (errors) or a redirect."""
    if request.htmx:
        context = detail_context(request, indicator, confirmation=message, **overrides)
        return render(request, f"{DETAIL}#measurements", context, status=status)
    if status >= 400:
        return render(request, DETAIL, detail_context(request, indicator, **overrides), status=status)
    messages.success(request, message)
    return redirect(f"{indicator.get_absolute_url()}#measurements")


@login_required
@require_safe
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_indicator_for_user(request.user, pk)
    return render(request, DETAIL, detail_context(request, indicator))


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    form = IndicatorForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save(commit=False)
            indicator.order = plan.indicators.count() + 1
            indicator.save()
            indicator.set_links(form.cleaned_data["directions"], form.cleaned_data["initiatives"])
        messages.success(request, _("Indikatoren er oprettet."))
        return redirect(indicator)
    return render(request, "indicators/indicator_form.html", {"plan": plan, "form": form},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The indicator's own fields and links, saved as the next version (409 if stale)."""
    indicator = get_indicator_for_user(request.user, pk, for_edit=True)
    plan, conflict = indicator.plan, None
    if request.method == "POST":
        form = IndicatorForm(request.POST, instance=indicator, plan=plan)
        if form.is_valid():
            try:
                with transaction.atomic():
                    current = Indicator.apply(form)
                    current.set_links(form.cleaned_data["directions"], form.cleaned_data["initiatives"])
                messages.success(request, _("Indikatoren er gemt."))
                return redirect(current)
            except StaleEdit as stale:
                conflict = conflict_context(stale.current, form.cleaned_data, form._meta.fields)
                form = stale.rebound(partial(IndicatorForm, plan=plan), request.POST)
    else:
        form = IndicatorForm(instance=indicator, plan=plan, initial={"version": indicator.version})
    status = 409 if conflict else (422 if form.errors else 200)
    return render(request, "indicators/indicator_form.html",
                  {"plan": plan, "indicator": indicator, "form": form, "conflict": conflict}, status=status)


@login_required
@require_POST
def measurement_add(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_indicator_for_user(request.user, pk, for_measuring=True)
    form = MeasurementForm(request.POST, indicator=indicator)
    if not form.is_valid():
        return respond(request, indicator, status=422, measurement_form=form)
    form.instance.author = request.user
    try:
        measurement = Measurement.apply(form)
    except StaleEdit as stale:  # someone added the same date a moment earlier
        form.add_error("date", _("Der findes allerede en måling for %(when)s.") % {"when": stale.current.label})
        return respond(request, indicator, status=409, measurement_form=form)
    return respond(request, indicator, _("Målingen for %(when)s er gemt.") % {"when": measurement.label})


@login_required
@require_POST
def measurement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A pasted or uploaded series: all rows written, or none (every problem listed)."""
    indicator = get_indicator_for_user(request.user, pk, for_measuring=True)
    form = MeasurementCsvForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            created, updated = apply_series(indicator, form.cleaned_data["rows"], request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if not created and not updated:
                return respond(request, indicator, _("Intet at gemme: serien har de samme værdier som indikatorens målinger."))
            return respond(request, indicator, _("Målingerne er gemt: %(created)s, %(updated)s.") % {
                "created": ngettext("%(count)s ny", "%(count)s nye", created) % {"count": created},
                "updated": ngettext("%(count)s rettet", "%(count)s rettede", updated) % {"count": updated}})
    return respond(request, indicator, status=422, csv_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def measurement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct one measurement. Without JavaScript a page of its own; with htmx the
    form replaces the table row, and saving answers with the measurements fragment."""
    measurement = get_measurement_for_measurer(request.user, pk)
    indicator = measurement.indicator
    context = {"indicator": indicator, "plan": indicator.plan, "measurement": measurement}
    conflict = None
    if request.method == "POST":
        form = MeasurementForm(request.POST, instance=measurement, indicator=indicator)
        if form.is_valid():
            try:
                current = Measurement.apply(form)
                return respond(request, indicator, _("Målingen for %(when)s er rettet.") % {"when": current.label})
            except StaleEdit as stale:
                conflict = conflict_context(stale.current, form.cleaned_data, form._meta.fields)
                form = stale.rebound(partial(MeasurementForm, indicator=indicator), request.POST)
    else:
        form = MeasurementForm(instance=measurement, indicator=indicator, initial={"version": measurement.version})
    status = 409 if conflict else (422 if form.errors else 200)
    if request.htmx and request.method == "POST":
        # The section again, with this row still open as a form (and the conflict above it).
        return respond(request, indicator, status=status, editing=measurement, edit_form=form, conflict=conflict)
    template = "indicators/measurement_edit.html"
    return render(request, f"{template}#row_form" if request.htmx else template,
                  {**context, "form": form, "conflict": conflict}, status=status)


@login_required
@require_POST
def measurement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measurement = get_measurement_for_measurer(request.user, pk)
    indicator, label = measurement.indicator, measurement.label
    measurement.delete()
    return respond(request, indicator, _("Målingen for %(when)s er slettet.") % {"when": label})
