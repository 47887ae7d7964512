"""Report tests run background tasks immediately (Django's ImmediateBackend)."""

import pytest
from asgiref.local import Local
from django.tasks import task_backends


def _reset_task_backends():
    # django.tasks caches its configured backends and does not listen for setting changes.
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    # Render in-process (no capped child process) except where a test asks for it.
    settings.REPORT_RENDER_ISOLATED = False
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "reports"]}}
    _reset_task_backends()
    yield
    _reset_task_backends()


@pytest.fixture
def run_on_commit(monkeypatch):
    """Enqueue renders at once, as in a request's autocommit (the test's transaction never commits)."""
    from reporting.report import tasks

    monkeypatch.setattr(tasks.transaction, "on_commit", lambda func, *args, **kwargs: func())



@pytest.fixture
def published(plan):
    plan.published = True
    plan.save()
    return plan


@pytest.fixture
def empty_cache():
    """The public pages and rate limits live in the cache: start each test without them."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()
