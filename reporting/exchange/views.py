"""Excel export, template and the two-step import (upload → preview → confirm).

The preview lists every change (old → new), the rows changed in the portal since
the export (conflicts: kept as the portal has them unless the user ticks them),
the admin-only fields an editor's file cannot change, and whether the file's row
order differs (kept unless the user asks for the file's). The uploaded file waits for
the confirmation in a private directory under a random token that is remembered in the
uploader's session for that plan, so only the same user can confirm it, and only for the
plan it was checked against.

The check and the write run in the task worker (`tasks`), never in a web request: the
upload and the confirmation each enqueue one and send the browser to the progress page
(`plan_import_status`: rows checked and written, reloading itself with a meta refresh,
so it works without JavaScript), which then shows the preview, the problems, or the plan.
The confirmation writes the workbook the check kept (`jobs`), validating each row again
in one transaction: all or nothing.
"""

import functools
import io
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from masterplan.views import get_plan_for_editor, get_plan_for_user

from .export import XLSX_CONTENT_TYPE, ExportFilter, build_workbook, export_filename
from .template import build_template
from . import jobs
from .files import MAX_UPLOAD_BYTES, Problem, too_large_message, upload_too_large
from .importer import PREVIEW_ROWS
from .jobs import PENDING_MAX_AGE  # noqa: F401 (the upload expiry test reads it here)
from .tasks import check_import, write_import

TEMPLATE = "reporting/exchange/plan_import.html"
MAX_SHOWN = 1000  # changed rows listed per sheet and kind in the preview


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel-fil (.xlsx)"), error_messages={
        "required": gettext_lazy("Vælg en fil."), "empty": gettext_lazy("Filen er tom."),
    })


def xlsx_response(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def plan_export(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_user(request.user, slug)
    return xlsx_response(build_workbook(plan, ExportFilter.from_query(request.GET, plan)), export_filename(plan))


@login_required
@require_GET
def plan_import_template(request: HttpRequest, slug: str) -> HttpResponse:
    get_plan_for_editor(request.user, slug)
    return xlsx_response(build_template(), "skabelon-masterplan.xlsx")


# --- pending uploads ----------------------------------------------------------------


# The user's waiting upload per plan and kind, in their session: its token and file name.
UPLOAD_SUFFIX = {"excel": ".xlsx", "word": ".docx"}


def _session_key(plan, kind: str) -> str:
    return f"{kind}_import_{plan.pk}"


def store_upload(request, plan, uploaded, kind: str = "excel") -> str:
    jobs.prune()
    token = secrets.token_urlsafe(24)
    with open(jobs.upload_path(token, UPLOAD_SUFFIX[kind]), "wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    request.session[_session_key(plan, kind)] = {"token": token, "name": uploaded.name[:200]}
    return token


def pending_upload(request, plan, token: str | None = None, kind: str = "excel") -> tuple[str | None, str]:
    """(token, file name) of this user's upload for this plan, if it is still there; with
    `token`, only if it is that one (the confirmation form names the upload it confirms)."""
    pending = request.session.get(_session_key(plan, kind)) or {}
    mine = str(pending.get("token", ""))
    # Compare bytes: compare_digest refuses non-ASCII str, and a tampered token may be anything.
    if not mine or (token is not None and not secrets.compare_digest(mine.encode(), token.encode())):
        return None, ""
    if not jobs.is_fresh(mine, UPLOAD_SUFFIX[kind]):
        return None, ""
    return mine, pending.get("name", "")


def forget_upload(request, plan, kind: str = "excel"):
    pending = request.session.pop(_session_key(plan, kind), None) or {}
    if pending.get("token"):
        jobs.forget(pending["token"])


# --- import -------------------------------------------------------------------------


def import_page(request, plan, status: int = 200, **context) -> HttpResponse:
    context.setdefault("form", UploadForm())
    summary = context.get("summary")
    if summary is not None:  # the first rows of each list, the rest (up to MAX_SHOWN) behind "Vis"
        context["sections"] = [
            (title, changes, [
                (word, rows[:PREVIEW_ROWS], rows[PREVIEW_ROWS:MAX_SHOWN], max(len(rows) - MAX_SHOWN, 0))
                for word, rows in ((_("Nye"), changes.new), (_("Ændrede"), changes.changed),
                                   (_("Slettes"), changes.removed)) if rows
            ])
            for title, changes in summary.sheets.items()
        ]
    return render(request, TEMPLATE, {"plan": plan, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), **context},
                  status=status)


def expired(request, plan) -> HttpResponse:
    return import_page(request, plan, 400, refusal=_(
        "Forhåndsvisningen er udløbet eller hører ikke til dig. Indlæs filen igen."))


def upload_view(page):
    """An upload page's view (GET shows it, POST uploads), whose body is refused with a 413
    rendered by `page` when it says it is larger than an upload may be: checked before the
    body is read, so outside CSRF's check (which reads it); the view itself is CSRF-protected."""
    def decorate(view):
        protected = csrf_protect(require_http_methods(["GET", "POST"])(view))

        @csrf_exempt
        @login_required
        @functools.wraps(view)
        def entry(request: HttpRequest, slug: str) -> HttpResponse:
            if upload_too_large(request):
                return page(request, get_plan_for_editor(request.user, slug), 413, refusal=too_large_message())
            return protected(request, slug)
        return entry
    return decorate


@upload_view(import_page)
def plan_import(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    if request.method == "GET":
        return import_page(request, plan)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return import_page(request, plan, 400, form=form)
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MAX_UPLOAD_BYTES:
        return import_page(request, plan, 413, refusal=too_large_message())
    forget_upload(request, plan)  # an earlier upload of this user for this plan is replaced
    token = store_upload(request, plan, uploaded)
    jobs.write_state(token, state="checking", total=0, checked=0, written=0)
    # The worker reads and checks it (no row is written, so nothing waits for a commit).
    check_import.enqueue(token, plan.pk, request.user.pk, uploaded.name[:200])
    return redirect("plan_import_status", plan.slug)


@login_required
@require_safe
def plan_import_status(request: HttpRequest, slug: str) -> HttpResponse:
    """The upload's check or write as it goes (the page reloads itself, also without
    JavaScript), then the preview to confirm, or the problems; when written, the plan."""
    plan = get_plan_for_editor(request.user, slug)
    token, name = pending_upload(request, plan)
    state = jobs.read_state(token) if token else None
    if state is None:
        return expired(request, plan)
    if state["stalled"]:
        forget_upload(request, plan)
        return import_page(request, plan, 200, refusal=_(
            "Indlæsningen blev afbrudt, før den var færdig. Intet er ændret. Indlæs filen igen."))
    if state["state"] == "failed":
        forget_upload(request, plan)
        problems = [Problem(p.get("sheet", ""), p.get("row"), p.get("column", ""), p.get("message", ""))
                    for p in state.get("problems", [])]
        return import_page(request, plan, 422, problems=problems, file_name=name)
    if state["state"] == "done":
        forget_upload(request, plan)
        messages.success(request, _("Filen er indlæst. %(changes)s.") % {"changes": "; ".join(state["lines"])})
        if state.get("skipped"):
            messages.warning(request, _("Portalens version er beholdt for rækker ændret efter eksporten: "
                                        "%(rows)s.") % {"rows": ", ".join(state["skipped"][:20])})
        return redirect(plan.get_absolute_url())
    if state["state"] == "checked":
        _parsed, summary = jobs.load_checked(token)
        if summary is None:
            return expired(request, plan)
        return import_page(request, plan, summary=summary, token=token, file_name=name)
    return import_page(request, plan, job=state, file_name=name)  # checking or writing


@login_required
@require_POST
def plan_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    token, _name = pending_upload(request, plan, request.POST.get("token", ""))
    state = jobs.read_state(token) if token else None
    if state is None or state["state"] != "checked":
        return expired(request, plan)
    jobs.write_state(token, state="writing", total=state.get("total", 0), checked=0, written=0)
    write_import.enqueue(token, plan.pk, request.user.pk, request.POST.getlist("overwrite"),
                         request.POST.get("file_order") == "1")
    return redirect("plan_import_status", plan.slug)
