"""The annual report: HTML preview, PDF download and the editions' life cycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from initiatives.audit import change_key, last_change_of
from initiatives.models import StaleEdit
from masterplan.views import get_plan_for_editor, get_plan_for_user

from ..models import ReportEdition, ReportRender
from .content import build_snapshot, content_hash
from .forms import ReportEditionForm
from .paging import page_number, render_pages
from .tasks import start_render


def _editions(plan, year):
    return (
        ReportEdition.objects.filter(plan=plan, year=year)
        .defer("pdf")
        .annotate(has_pdf=ExpressionWrapper(Q(pdf__isnull=False), output_field=BooleanField()))
        .order_by("-created_at", "-id")
    )


def _check_year(plan, year: int):
    if not plan.contains_year(year):
        raise Http404(_("Året ligger uden for planens periode."))


def _current(plan, year):
    """The shown edition (newest saved one, or the unsaved default), its snapshot and hash."""
    edition = _editions(plan, year).first() or ReportEdition.unsaved_default(plan, year)
    if edition.is_final:
        return edition, edition.snapshot, edition.content_hash
    snapshot = build_snapshot(plan, edition)
    return edition, snapshot, content_hash(snapshot)


def _preview_url(plan, year):
    return reverse("report_preview", args=[plan.slug, year])


def _pdf_response(pdf: bytes, plan, year, final: bool) -> HttpResponse:
    name = f"{slugify(plan.slug)}-opfoelgning-{year}{'' if final else '-kladde'}.pdf"
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def report_preview(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug, last_change=last_change_of())
    _check_year(plan, year)
    return _preview_page(request, plan, year)


# Bounds the cache's memory only: a change to the plan makes a new key at once.
PREVIEW_CACHE_SECONDS = 600


def _preview_content(plan, year, side):
    """(shown edition, content hash, page `side`'s HTML, that Page) for the preview.

    The report of a large plan takes a second to gather and render, so its hash, its
    number of pages and every page's HTML are kept per change of the plan (`change_key`:
    the edition, the round's approved reports and all plan data are audited under it),
    the year and the language. All
    pages are rendered at once from the one snapshot, so paging through them never
    gathers it again. The edition itself is read on every view.
    """
    edition = _editions(plan, year).first() or ReportEdition.unsaved_default(plan, year)
    # Also what the report shows that is not the plan's audited data: the municipality's name
    # and logo on the cover, and today (a draft's "Data pr.").
    organization = plan.organization
    key = change_key("report-preview", plan, year, get_language(), timezone.localdate(), organization.name,
                     organization.logo.name)
    meta = cache.get(key)  # (content hash, number of pages)
    body = None
    if meta is not None:
        number = page_number(side, meta[1])
        body = cache.get(f"{key}:{number}")
    if body is None:
        snapshot = edition.snapshot if edition.is_final else build_snapshot(plan, edition)
        digest = edition.content_hash if edition.is_final else content_hash(snapshot)
        pages = render_pages(snapshot, {"plan": plan, "year": year})
        meta = (digest, len(pages))
        cache.set_many({key: meta, **{f"{key}:{n}": html for n, html in enumerate(pages, 1)}}, PREVIEW_CACHE_SECONDS)
        number = page_number(side, len(pages))
        body = pages[number - 1]
    page = Paginator(range(meta[1]), 1).page(number)
    return edition, meta[0], mark_safe(body), page  # rendered by our own template, escaped there


def _preview_page(request, plan, year, *, status: int = 200, edition=None, form=None) -> HttpResponse:
    """The preview page `?side=N`; after a refused save, page 1 with `form` as the editor
    submitted it. The edition form edits the cover and introduction, so it is on page 1,
    with them; the PDF, finalising and new editions concern the whole report: every page."""
    shown, digest, body, page = _preview_content(plan, year, request.GET.get("side"))
    edition = edition or shown
    can_edit = plan.is_editable_by(request.user)
    if form is None and can_edit and not edition.is_final and page.number == 1:
        form = ReportEditionForm(instance=edition, initial={"version": edition.version})
    query = request.GET.copy()
    query.pop("side", None)
    context = {
        "plan": plan, "year": year, "edition": edition, "report_body": body, "can_edit": can_edit,
        "preview": True, "form": form, "page": page, "query": query.urlencode(),
        "render": ReportRender.objects.defer("pdf", "snapshot").filter(content_hash=digest).first(),
        "finals": [e for e in _editions(plan, year) if e.is_final and e.pk != edition.pk],
    }
    if request.htmx and status == 200:
        return render(request, "reporting/report/preview.html#pdf_status", context)
    return render(request, "reporting/report/preview.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_pdf(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The PDF if it is ready; otherwise start rendering it and show the progress page.

    POST asks to try again after a failed render.
    """
    plan = get_plan_for_user(request.user, slug)
    _check_year(plan, year)
    edition, snapshot, digest = _current(plan, year)
    if edition.is_final and edition.has_pdf:
        return _pdf_response(ReportEdition.objects.values_list("pdf", flat=True).get(pk=edition.pk), plan, year, True)
    render_job = start_render(plan, year, snapshot, digest, retry=request.method == "POST")
    if render_job.is_done:
        if edition.is_final:
            edition.store_pdf(render_job.pdf)
        return _pdf_response(render_job.pdf, plan, year, edition.is_final)
    if render_job.is_failed:
        messages.error(request, render_job.error)
    return redirect(_preview_url(plan, year) + "#pdf-status")


@login_required
@require_GET
def edition_pdf(request: HttpRequest, slug: str, year: int, pk: int) -> HttpResponse:
    """An earlier final edition's PDF, exactly as it was stored."""
    plan = get_plan_for_user(request.user, slug)
    edition = get_object_or_404(
        ReportEdition.objects.filter(plan=plan, year=year, state=ReportEdition.State.FINAL, pdf__isnull=False), pk=pk
    )
    return _pdf_response(edition.pdf, plan, year, True)


@login_required
@require_POST
def edition_save(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    _check_year(plan, year)
    edition = _editions(plan, year).first() or ReportEdition.unsaved_default(plan, year)
    if edition.is_final:
        messages.error(request, _("En endelig opfølgning kan ikke ændres. Opret en ny udgave i stedet."))
        return redirect(_preview_url(plan, year))
    form = ReportEditionForm(request.POST, instance=edition)
    if not form.is_valid():
        return _preview_page(request, plan, year, status=400, edition=edition, form=form)
    try:
        ReportEdition.apply(form)
    except StaleEdit as stale:
        # Keep this editor's input, at the version the other editor saved (also when
        # both made the year's first save at once).
        form = stale.rebound(ReportEditionForm, request.POST)
        messages.error(request, _(
            "Din ændring er ikke gemt, fordi en anden har gemt opfølgningen, efter du åbnede den. "
            "Formularen viser stadig dine ændringer; gem igen for at bruge dem."))
        return _preview_page(request, plan, year, status=409, edition=stale.current, form=form)
    messages.success(request, _("Opfølgningen er gemt."))
    return redirect(_preview_url(plan, year))


@login_required
@require_http_methods(["GET", "POST"])
def edition_finalise(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """GET: the confirmation page (it cannot be undone). POST: freeze what the report
    shows now; its PDF is rendered in the background and kept.

    Of two finalisations at once, one wins and the other is refused (409): the row is
    locked and its state checked inside the lock (ReportEdition.finalise).
    """
    plan = get_plan_for_editor(request.user, slug)
    _check_year(plan, year)
    if request.method == "GET":
        return render(request, "confirm.html", {
            "plan": plan, "current": _("Gør opfølgningen endelig"),
            "heading": _("Gør opfølgningen endelig"),
            "question": _("Vil du gøre opfølgningen for %(year)s endelig? Det kan ikke fortrydes.") % {"year": year},
            "details": [_("Indholdet fastfryses, som det ser ud nu, og PDF'en gemmes."),
                        _("Senere ændringer i planen kommer ikke med. Skal noget rettes, opretter du en ny udgave.")],
            "action": request.path, "submit_label": _("Gør endelig"),
            "cancel_url": _preview_url(plan, year),
        })
    edition = _editions(plan, year).first()
    if edition is None:
        edition = ReportEdition.unsaved_default(plan, year)
        try:
            with transaction.atomic():
                edition.save()
        except IntegrityError:  # another editor's first save of the year came first
            edition = edition.first_save_winner() or _editions(plan, year).first()
    snapshot = build_snapshot(plan, edition, final=True)
    digest = content_hash(snapshot)
    try:
        edition.finalise(snapshot, digest, request.user)
    except ValidationError:
        messages.error(request, _("Opfølgningen er allerede endelig."))
        return _preview_page(request, plan, year, status=409)
    except StaleEdit:
        messages.error(request, _("Opfølgningen blev ændret, mens du gjorde den endelig. "
                                  "Se den igennem igen, og gør den derefter endelig."))
        return _preview_page(request, plan, year, status=409)
    start_render(plan, year, snapshot, digest)
    messages.success(request, _("Opfølgningen er gjort endelig. Den endelige PDF dannes nu og ændres ikke siden."))
    return redirect(_preview_url(plan, year) + "#pdf-status")


@login_required
@require_POST
def edition_new(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """A new draft that supersedes the final edition (which stays downloadable)."""
    plan = get_plan_for_editor(request.user, slug)
    _check_year(plan, year)
    edition = _editions(plan, year).first()
    if edition is None or not edition.is_final:
        messages.error(request, _("Der findes allerede en kladde til denne opfølgning."))
        return redirect(_preview_url(plan, year))
    edition.new_draft()
    messages.success(request, _("Der er oprettet en ny kladde. Den endelige udgave kan stadig hentes."))
    return redirect(_preview_url(plan, year))
