"""Import from Word in the browser: upload → what the document was read as → confirm.

The preview shows the recognised plan as a tree (directions, initiatives, activities,
cross-links, budget lines, each with where in the document it came from), what could
not be placed, and what the write would change (the Excel import's summary, from a
rolled-back run). The checked file waits in the Excel import's private directory under
a random token kept in the uploader's session for that plan; the confirmation reads it
again and writes it in one transaction, audited as "word".
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from masterplan.views import get_plan_for_editor

from .files import MAX_UPLOAD_BYTES, ImportFailed, too_large_message
from .importer import PREVIEW_ROWS
from . import jobs, views
from .word import WordImportFailed, import_word, load_docx
from .workbook import SHEET_DIRECTIONS, SHEET_INITIATIVES, SHEET_STATUS

TEMPLATE = "reporting/exchange/word_import.html"
MAX_SHOWN = 1000


class WordUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Word-dokument (.docx)"), error_messages={
        "required": gettext_lazy("Vælg en fil."), "empty": gettext_lazy("Filen er tom."),
    })


def pending_upload(request, plan, token: str):
    """(path, file name) of this user's document for this plan, if `token` names it and it is fresh."""
    mine, name = views.pending_upload(request, plan, token, kind="word")
    return (jobs.upload_path(mine, ".docx"), name) if mine else (None, "")


def import_page(request, plan, status: int = 200, **context) -> HttpResponse:
    context.setdefault("form", WordUploadForm())
    summary = context.get("summary")
    if summary is not None:  # a document has no status history: the import never touches it
        # A document has no sheets: its parts are named in the plan's own words ("Fokusområder").
        names = {SHEET_DIRECTIONS: plan.direction_label_plural, SHEET_INITIATIVES: plan.initiative_label_plural}
        parts = [(names.get(t, t), c) for t, c in summary.sheets.items() if t != SHEET_STATUS]
        context["changed_parts"] = parts
        context["sections"] = [
            (title, [(word, rows[:PREVIEW_ROWS], rows[PREVIEW_ROWS:MAX_SHOWN])
                     for word, rows in ((_("Nye"), changes.new), (_("Ændrede"), changes.changed),
                                        (_("Slettes"), changes.removed)) if rows])
            for title, changes in parts if changes
        ]
    word = context.get("word")
    if word is not None:
        # A new plan takes the document's labels; an existing plan keeps its own.
        context["labels"] = {
            "direction": plan.direction_label, "directions": plan.direction_label_plural,
            "initiative": plan.initiative_label, "initiatives": plan.initiative_label_plural,
        }
    return render(request, TEMPLATE, {"plan": plan, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), **context},
                  status=status)


@views.upload_view(import_page)
def plan_import_word(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    if request.method == "GET":
        return import_page(request, plan)
    form = WordUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return import_page(request, plan, 400, form=form)
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MAX_UPLOAD_BYTES:
        return import_page(request, plan, 413, refusal=too_large_message())
    try:
        word = load_docx(uploaded.file, name=uploaded.name, size=uploaded.size)
    except ImportFailed as failed:
        return import_page(request, plan, 422, refusal=failed.problems[0].message, file_name=uploaded.name)
    try:
        summary = import_word(word, plan=plan, user=request.user, commit=False)
    except WordImportFailed as failed:
        return import_page(request, plan, 422, problems=failed.problems, word=word, file_name=uploaded.name)
    token = views.store_upload(request, plan, uploaded, kind="word")
    return import_page(request, plan, word=word, summary=summary, token=token, file_name=uploaded.name)


@login_required
@require_POST
def plan_import_word_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for_editor(request.user, slug)
    path, name = pending_upload(request, plan, request.POST.get("token", ""))
    if path is None:
        return import_page(request, plan, 400, refusal=_(
            "Forhåndsvisningen er udløbet eller hører ikke til dig. Indlæs dokumentet igen."))
    try:
        with open(path, "rb") as handle:
            word = load_docx(handle, name=name)
        summary = import_word(word, plan=plan, user=request.user, commit=True)
    except ImportFailed as failed:
        views.forget_upload(request, plan, kind="word")
        return import_page(request, plan, 422, refusal=failed.problems[0].message, file_name=name)
    except WordImportFailed as failed:
        views.forget_upload(request, plan, kind="word")
        return import_page(request, plan, 422, problems=failed.problems, word=word, file_name=name)
    views.forget_upload(request, plan, kind="word")
    messages.success(request, _("Dokumentet er indlæst. %(changes)s.") % {"changes": "; ".join(summary.lines())})
    return redirect(plan.get_absolute_url())
