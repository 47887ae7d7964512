"""Excel export, template and the two-step import (upload → preview → confirm).

The preview lists every change (old → new), the rows changed in the portal since
the export (conflicts: kept as the portal has them unless the user ticks them),
the admin-only fields an editor's file cannot change, and whether the file's row
order differs (kept unless the user asks for the file's). The uploaded file waits for the confirmation in a private directory under a
random token that is remembered in the uploader's session for that plan, so only
the same user can confirm it, and only for the plan it was checked against. The
confirmation reads and validates the file again and writes it in one
transaction: all or nothing.
"""

import io
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from masterplan.views import get_plan_for_editor, get_plan_for_user

from .export import XLSX_CONTENT_TYPE, ExportFilter, build_workbook, export_filename
from .template import build_template
from .files import MAX_UPLOAD_BYTES, ImportFailed, too_large_message
from .importer import PREVIEW_ROWS, import_plan, load

TEMPLATE = "reporting/exchange/plan_import.html"
PENDING_MAX_AGE = 60 * 60  # seconds a checked upload waits for its confirmation
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


def pending_dir() -> Path:
    path = Path(getattr(settings, "EXCEL_IMPORT_DIR", "") or Path(tempfile.gettempdir()) / "masterplan-excel-import")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _session_key(plan) -> str:
    return f"excel_import_{plan.pk}"


def store_upload(request, plan, uploaded) -> str:
    directory = pending_dir()
    for old in directory.glob("*.xlsx"):  # forget uploads nobody confirmed
        if time.time() - old.stat().st_mtime > PENDING_MAX_AGE:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    with open(directory / f"{token}.xlsx", "wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    request.session[_session_key(plan)] = {"token": token, "name": uploaded.name[:200]}
    return token


def pending_upload(request, plan, token: str) -> tuple[Path | None, str]:
    """The stored file for this user, plan and token, if it is still there."""
    pending = request.session.get(_session_key(plan)) or {}
    # Compare bytes: compare_digest refuses non-ASCII str, and a tampered token may be anything.
    if not token or not secrets.compare_digest(str(pending.get("token", "")).encode(), token.encode()):
        return None, ""
    path = pending_dir() / f"{pending['token']}.xlsx"
    if not path.is_file() or time.time() - path.stat().st_mtime > PENDING_MAX_AGE:
        return None, ""
    return path, pending.get("name", "")


def forget_upload(request, plan):
    pending = request.session.pop(_session_key(plan), None) or {}
    if pending.get("token"):
        (pending_dir() / f"{pending['token']}.xlsx").unlink(missing_ok=True)


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


@csrf_exempt  # the size is checked before the body is read; csrf_protect below checks the token
@login_required
def plan_import(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_UPLOAD_BYTES + 64 * 1024:  # the form's own fields fit in 64 KB
            plan = get_plan_for_editor(request.user, slug)
            return import_page(request, plan, 413, refusal=too_large_message())
    return _plan_import(request, slug)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _plan_import(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    if request.method == "GET":
        return import_page(request, plan)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return import_page(request, plan, 400, form=form)
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MAX_UPLOAD_BYTES:
        return import_page(request, plan, 413, refusal=too_large_message())
    try:
        parsed = load(uploaded.file, name=uploaded.name, size=uploaded.size)
        summary = import_plan(parsed, plan=plan, user=request.user, commit=False)
    except ImportFailed as failed:
        return import_page(request, plan, 422, problems=failed.problems, file_name=uploaded.name)
    token = store_upload(request, plan, uploaded)
    return import_page(request, plan, summary=summary, token=token, file_name=uploaded.name)


@login_required
@require_POST
def plan_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    path, name = pending_upload(request, plan, request.POST.get("token", ""))
    if path is None:
        return import_page(request, plan, 400, refusal=_(
            "Forhåndsvisningen er udløbet eller hører ikke til dig. Indlæs filen igen."))
    try:
        with open(path, "rb") as handle:
            parsed = load(handle, name=name)
        summary = import_plan(parsed, plan=plan, user=request.user, commit=True,
                              overwrite=request.POST.getlist("overwrite"),
                              file_order=request.POST.get("file_order") == "1")
    except ImportFailed as failed:
        forget_upload(request, plan)
        return import_page(request, plan, 422, problems=failed.problems, file_name=name)
    forget_upload(request, plan)
    messages.success(request, _("Filen er indlæst. %(changes)s.") % {"changes": "; ".join(summary.lines())})
    skipped = [c for c in summary.conflicts if not c.chosen]
    if skipped:
        messages.warning(request, _("Portalens version er beholdt for rækker ændret efter eksporten: "
                                    "%(rows)s.") % {"rows": ", ".join(c.label for c in skipped[:20])})
    return redirect(plan.get_absolute_url())
