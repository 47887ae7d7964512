"""Background rendering of report PDFs (Django's tasks framework).

Arguments are primary keys (JSON-serialisable); the web request only enqueues,
the worker (`manage.py db_worker`) renders in a capped child process.
"""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from ..models import ReportEdition, ReportRender
from .pdf import RenderFailed, RenderLimitExceeded
from .content import limit_message, render_pdf


@task(queue_name="reports")  # its own worker: a long render never holds up an import or a mail
def render_report(render_id: int) -> str:
    """Render one ReportRender's snapshot to PDF; copy it onto a final edition that waits for it."""
    claimed = ReportRender.objects.filter(
        pk=render_id, state__in=[ReportRender.State.PENDING, ReportRender.State.FAILED]
    ).update(state=ReportRender.State.RUNNING, started_at=timezone.now(), error="")
    if not claimed:
        return "skipped"
    render = ReportRender.objects.get(pk=render_id)
    try:
        pdf = render_pdf(render.snapshot)
    except RenderLimitExceeded as exceeded:
        _fail(render_id, limit_message(exceeded.kind))
        return "failed"
    except RenderFailed:
        _fail(render_id, str(_generic_error()))
        raise
    ReportRender.objects.filter(pk=render_id).update(
        state=ReportRender.State.DONE, pdf=pdf, finished_at=timezone.now()
    )
    for edition in ReportEdition.objects.filter(
        content_hash=render.content_hash, state=ReportEdition.State.FINAL, pdf__isnull=True
    ):
        edition.store_pdf(pdf)
    return "done"


def _generic_error():
    from django.utils.translation import gettext as _

    return _("PDF'en kunne ikke dannes på grund af en fejl. Prøv igen, eller kontakt en administrator.")


def _fail(render_id, message):
    ReportRender.objects.filter(pk=render_id).update(
        state=ReportRender.State.FAILED, error=message, finished_at=timezone.now()
    )


def start_render(plan, year: int, snapshot: dict, content_hash: str, *, retry: bool = False) -> ReportRender:
    """The render for this content: cached if it exists, otherwise created and enqueued.

    A lost job (stale) is enqueued again; a failed one only when `retry` is asked for.
    """
    render, created = ReportRender.objects.get_or_create(
        content_hash=content_hash, defaults={"plan": plan, "year": year, "snapshot": snapshot}
    )
    if not created and (render.is_stale() or (retry and render.is_failed)):
        ReportRender.objects.filter(pk=render.pk).update(state=ReportRender.State.PENDING, error="",
                                                         created_at=timezone.now(), started_at=None)
        created = True
    if created:
        transaction.on_commit(lambda: render_report.enqueue(render.pk))
        prune_renders(plan, year, keep=content_hash)
    render.refresh_from_db()
    return render


def prune_renders(plan, year: int, *, keep: str) -> int:
    """Delete the year's finished renders of older content: a draft's PDF is only ever
    served for its current content, and a final edition keeps its own copy. A render a
    final edition still waits for is kept."""
    waiting = ReportEdition.objects.filter(plan=plan, year=year, state=ReportEdition.State.FINAL,
                                           pdf__isnull=True).values("content_hash")
    deleted, _counts = (ReportRender.objects.filter(plan=plan, year=year,
                                                    state__in=[ReportRender.State.DONE, ReportRender.State.FAILED])
                        .exclude(content_hash=keep).exclude(content_hash__in=waiting).delete())
    return deleted
