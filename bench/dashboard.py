"""Median render time of the manager dashboard: Svendborg demo vs a 1000-initiative plan.

    .venv/bin/python bench/dashboard.py [--repeat 20] [--initiatives 1000]

Runs in-process with django.test.Client against the configured database
(DATABASE_URL, default the SQLite file), as the demo superuser. Loads the demo and
makes the synthetic plan first if they are missing. Prints the median (and min/max)
per plan, the SQL query count per request, and the ratio of the medians.
"""

import argparse
import os
import statistics
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from masterplan.models import Plan  # noqa: E402


def measure(client, url, repeat):
    for _ in range(2):  # warm up caches (templates, connection)
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)  # before the next request resets the query log
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--initiatives", type=int, default=1000)
    args = parser.parse_args()

    # Not setup_test_environment(): its template instrumentation would add to the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Keep one connection across requests (as the test runner does), so the query count
    # can be captured; the timings then leave out connecting, which is the same for both plans.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = open(os.devnull, "w")
    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(slug="svendborg-masterplan").exists():
        call_command("load_demo", stdout=quiet)
    synthetic = f"syntetisk-{args.initiatives}"
    if not Plan.objects.filter(slug=synthetic).exists():
        call_command("make_synthetic_plan", "--initiatives", str(args.initiatives), stdout=quiet)
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        sys.exit("Ingen superbruger: kør 'manage.py load_demo' først.")

    client = Client()
    client.force_login(user)
    print(f"database: {connection.vendor}, {args.repeat} requests per plan, as '{user.get_username()}'")
    medians = {}
    for slug in ["svendborg-masterplan", synthetic]:
        plan = Plan.objects.get(slug=slug)
        timings, queries = measure(client, f"/plans/{slug}/dashboard/", args.repeat)
        medians[slug] = statistics.median(timings)
        print(f"{slug:24} {plan.initiatives.count():5} initiativer  median {medians[slug]:7.1f} ms  "
              f"(min {min(timings):.1f}, max {max(timings):.1f})  {queries} queries")
    print(f"ratio {synthetic} / svendborg-masterplan: {medians[synthetic] / medians['svendborg-masterplan']:.2f}")


if __name__ == "__main__":
    main()
