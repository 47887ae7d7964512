"""The Excel import's check and write in the task worker (`manage.py db_worker`).

The web request stores the upload and enqueues one of these; the progress page reads the
state they leave in `jobs` (rows checked, rows written, the result).
"""

from django.contrib.auth import get_user_model
from django.tasks import task
from django.utils.translation import gettext as _

from masterplan.models import Plan

from . import jobs
from .files import ImportFailed, load
from .importer import import_plan


def _problems(failed: ImportFailed) -> list[dict]:
    return [{"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message} for p in failed.problems]


def _total(parsed) -> int:
    return 1 + sum(len(rows) for rows in parsed.sheets.values())


def _failed(token: str, problems: list[dict]) -> str:
    jobs.write_state(token, state="failed", problems=problems)
    return "failed"


@task
def check_import(token: str, plan_pk: int, user_pk: int, name: str) -> str:
    """Read and check the upload, as the write will (rolled back), and keep the result."""
    plan = Plan.objects.select_related("organization").get(pk=plan_pk)
    user = get_user_model().objects.get(pk=user_pk)
    try:
        with open(jobs.upload_path(token), "rb") as handle:
            parsed = load(handle, name=name)
        total = _total(parsed)
        jobs.write_state(token, state="checking", total=total, checked=0, written=0)
        summary = import_plan(parsed, plan=plan, user=user, commit=False,
                              progress=jobs.progress_writer(token, "checking", total))
    except ImportFailed as failed:
        return _failed(token, _problems(failed))
    except OSError:
        return _failed(token, [{"message": _("Filen er væk. Indlæs den igen.")}])
    jobs.save_checked(token, parsed, summary)
    jobs.write_state(token, state="checked", total=total, checked=total, written=0)
    return "checked"


@task
def write_import(token: str, plan_pk: int, user_pk: int, overwrite: list, file_order: bool) -> str:
    """Write the checked workbook (kept by `check_import`, not read again), all or nothing."""
    plan = Plan.objects.select_related("organization").get(pk=plan_pk)
    user = get_user_model().objects.get(pk=user_pk)
    parsed, _summary = jobs.load_checked(token)
    if parsed is None:
        return _failed(token, [{"message": _("Forhåndsvisningen er udløbet eller hører ikke til dig. "
                                             "Indlæs filen igen.")}])
    total = _total(parsed)
    try:
        summary = import_plan(parsed, plan=plan, user=user, commit=True, overwrite=overwrite,
                              file_order=file_order, progress=jobs.progress_writer(token, "writing", total))
    except ImportFailed as failed:
        return _failed(token, _problems(failed))
    skipped = [c.label for c in summary.conflicts if not c.chosen]
    jobs.write_state(token, state="done", total=total, checked=total, lines=summary.lines(), skipped=skipped)
    return "done"
