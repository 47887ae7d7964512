"""Follow-up tests: tasks run immediately, and on-commit callbacks run at once, so a
mail made due by a web action is sent (to Django's test outbox) within the request."""

import datetime

import pytest
from asgiref.local import Local
from django.tasks import task_backends

from followup.models import FollowUpRound


def _reset_task_backends():
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "reports"]}}
    settings.PORTAL_BASE_URL = "https://portal.example.dk"
    _reset_task_backends()
    yield
    _reset_task_backends()


@pytest.fixture
def commits(monkeypatch):
    """Send at once, as after a request's commit (the test's transaction never commits)."""
    from followup import tasks

    monkeypatch.setattr(tasks.transaction, "on_commit", lambda func, *args, **kwargs: func())


@pytest.fixture
def soon():
    return datetime.date.today() + datetime.timedelta(days=14)


@pytest.fixture
def round_(plan, initiative, owner, other_owner, editor, soon):
    """The 2025 round of the test plan, opened by the editor: requests for 1.1 (owner)
    and 2.1 (other_owner)."""
    return FollowUpRound.open(plan, 2025, soon, "Skriv kort og konkret.", editor)
