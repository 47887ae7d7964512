"""What the in-process benchmarks share: Django set up against the configured database
(DATABASE_URL, default the SQLite file), the demo and a synthetic plan made if
missing, and one way to time a page with django.test.Client."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from masterplan.models import Plan  # noqa: E402


def prepare(initiatives: int):
    """(slug of the synthetic plan, the demo superuser), making what is missing."""
    # Not setup_test_environment(): its template instrumentation would add to the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Keep one connection across requests (as the test runner does), so the query count
    # can be captured; the timings then leave out connecting, which is the same for all pages.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = open(os.devnull, "w")
    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(slug="svendborg-masterplan").exists():
        call_command("load_demo", stdout=quiet)
    synthetic = f"syntetisk-{initiatives}"
    if not Plan.objects.filter(slug=synthetic).exists():
        call_command("make_synthetic_plan", "--initiatives", str(initiatives), stdout=quiet)
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        sys.exit("Ingen superbruger: kør 'manage.py load_demo' først.")
    return synthetic, user


def measure(client, url: str, repeat: int, computed: bool = False):
    """(timings in ms of `repeat` requests, SQL queries of one request), after a warm-up.

    `computed`: the cache is emptied before each request (outside the timing), so a page kept
    per change of its plan is measured as the first view after a change computes it.
    """
    from django.core.cache import cache

    def get():
        if computed:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - start) * 1000

    for _ in range(2):  # warm up caches (templates, connection)
        get()
    with CaptureQueriesContext(connection) as ctx:
        get()
    queries = len(ctx.captured_queries)  # before the next request resets the query log
    return [get() for _ in range(repeat)], queries
