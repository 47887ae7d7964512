"""The import's check and write run in the task worker, with a progress page that works
without JavaScript; the confirmation writes the checked workbook without reading the file."""

import os
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.module_loading import import_string

from initiatives.models import Initiative
from reporting.exchange import jobs
from tests.reporting.conftest import _reset_task_backends
from tests.reporting.test_excel_import import db_state, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued_tasks(settings, tmp_path):
    """Tasks wait in the database, as for `db_worker`, until the test runs them."""
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "reports"]}}
    _reset_task_backends()
    yield
    _reset_task_backends()


def run_worker() -> list[str]:
    """What `db_worker` does: run each waiting task once (here in the test's transaction)."""
    from django_tasks_db.models import DBTaskResult

    done = []
    for result in DBTaskResult.objects.order_by("enqueued_at"):
        task = import_string(result.task_path)
        task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        done.append(result.task_path.rsplit(".", 1)[-1])
        result.delete()
    return done


STATUS = reverse("plan_import_status", args=["testplan"])


def test_upload_is_checked_by_the_worker_with_a_progress_page_that_reloads_itself(client, editor, initiative):
    client.force_login(editor)
    before = db_state()
    waiting = upload(client)  # follows the redirect to the progress page
    assert waiting.redirect_chain == [(STATUS, 302)]
    page = waiting.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # no JavaScript needed
    assert f'href="{STATUS}"' in page and "Opdatér" in page
    assert "valid.xlsx kontrolleres" in page
    assert db_state() == before

    assert run_worker() == ["check_import"]
    preview = client.get(STATUS)
    assert "Forhåndsvisning af valid.xlsx" in preview.content.decode()
    assert "http-equiv" not in preview.content.decode()

    written = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": preview.context["token"]})
    assert written["Location"] == STATUS
    page = client.get(STATUS).content.decode()
    assert "Ændringerne fra valid.xlsx gemmes" in page and 'http-equiv="refresh"' in page
    assert db_state() == before  # nothing until the worker has written it all
    assert run_worker() == ["write_import"]
    done = client.get(STATUS, follow=True)
    assert done.redirect_chain[-1][0] == "/plans/testplan/"
    assert "Filen er indlæst." in done.content.decode()
    assert Initiative.objects.filter(plan__slug="testplan").count() == 2
    assert list(Path(jobs.pending_dir()).iterdir()) == []  # the upload and its result are forgotten


def test_progress_shows_rows_checked_and_written(client, editor, initiative):
    client.force_login(editor)
    upload(client)
    token = client.session[f"excel_import_{initiative.plan_id}"]["token"]
    jobs.progress_writer(token, "checking", 120)(45, 0)
    assert "Rækker kontrolleret: 45 af 120." in client.get(STATUS).content.decode()
    jobs.write_state(token, state="writing", total=120, checked=120, written=300)
    assert "Rækker gemt: 300." in client.get(STATUS).content.decode()


def test_confirming_writes_the_checked_workbook_without_reading_the_file_again(client, editor, initiative,
                                                                            monkeypatch):
    from reporting.exchange import tasks

    client.force_login(editor)
    upload(client)
    run_worker()
    token = client.get(STATUS).context["token"]
    jobs.upload_path(token).write_bytes(b"not a workbook any more")  # the file is not read again

    def no_parse(*args, **kwargs):
        raise AssertionError("the confirmation parsed the file again")

    monkeypatch.setattr(tasks, "load", no_parse)
    client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    run_worker()
    assert Initiative.objects.filter(plan__slug="testplan").count() == 2


def test_a_file_with_problems_shows_them_after_the_check_and_writes_nothing(client, editor, initiative):
    client.force_login(editor)
    before = db_state()
    upload(client, "year_outside_period.xlsx")
    run_worker()
    response = client.get(STATUS)
    assert response.status_code == 422
    assert "blev ikke indlæst" in response.content.decode()
    assert db_state() == before


def test_a_check_whose_worker_stopped_is_reported_not_waited_for(client, editor, initiative):
    client.force_login(editor)
    upload(client)
    token = client.session[f"excel_import_{initiative.plan_id}"]["token"]
    state = Path(jobs.pending_dir()) / f"{token}.json"
    then = time.time() - jobs.STALLED_AFTER - 60
    os.utime(state, (then, then))
    page = client.get(STATUS).content.decode()
    assert "Indlæsningen blev afbrudt" in page and "http-equiv" not in page


def test_confirming_before_the_check_is_done_is_refused(client, editor, initiative):
    client.force_login(editor)
    upload(client)
    token = client.session[f"excel_import_{initiative.plan_id}"]["token"]
    before = db_state()
    response = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    assert response.status_code == 400
    assert db_state() == before


def test_a_report_render_waits_on_its_own_queue_and_an_import_on_the_default_one(
        client, editor, initiative, django_capture_on_commit_callbacks):
    """Each queue has its own worker (dev.sh, README), so an import never waits behind a PDF."""
    from django_tasks_db.models import DBTaskResult

    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):  # the render is enqueued after the commit
        assert client.get(reverse("report_pdf", args=["testplan", 2025])).status_code == 302  # to the progress
    upload(client)
    queues = dict(DBTaskResult.objects.values_list("task_path", "queue_name"))
    assert queues == {"reporting.report.tasks.render_report": "reports",
                      "reporting.exchange.tasks.check_import": "default"}
