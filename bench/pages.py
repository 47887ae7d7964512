"""Server time and SQL queries of the main pages, Svendborg demo vs a 1000-initiative plan.

    .venv/bin/python bench/pages.py [--repeat 30] [--initiatives 1000]

Runs in-process with django.test.Client against the configured database (DATABASE_URL,
default the SQLite file), like bench/dashboard.py: the demo superuser for the plan pages,
an anonymous client for the login page (the floor: a page with no query at all). Loads
the demo and makes the synthetic plan first if they are missing. Prints per page the
median and p95 in ms, the query count of one request, and the median as a ratio to the
login page's median.
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
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), p95(timings), queries


def p95(timings):
    return statistics.quantiles(timings, n=20, method="inclusive")[18]


def plan_pages(plan):
    direction = plan.directions.order_by("number").first()
    initiative = plan.initiatives.order_by("order", "id").first()
    word = initiative.title.split()[0]
    return [
        ("home", "/"),
        ("plan", f"/plans/{plan.slug}/"),
        ("search + filter", f"/plans/{plan.slug}/?q={word}&direction={direction.number}"),
        ("direction", f"/plans/{plan.slug}/directions/{direction.number}/"),
        ("initiative", f"/initiatives/{initiative.pk}/"),
        ("dashboard", f"/plans/{plan.slug}/dashboard/"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--initiatives", type=int, default=1000)
    args = parser.parse_args()

    # Not setup_test_environment(): its template instrumentation would add to the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
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

    login_median, login_p95, login_queries = measure(Client(), "/accounts/login/", args.repeat)
    client = Client()
    client.force_login(user)
    print(f"database: {connection.vendor}, {args.repeat} requests per page, as '{user.get_username()}'")
    print("| plan | page | median ms | p95 ms | queries | × login |")
    print("|---|---|---|---|---|---|")
    print(f"| – | login (anonymous) | {login_median:.1f} | {login_p95:.1f} | {login_queries} | 1.0 |")
    for slug in ["svendborg-masterplan", synthetic]:
        plan = Plan.objects.get(slug=slug)
        label = f"{slug} ({plan.initiatives.count()})"
        for name, url in plan_pages(plan):
            median, high, queries = measure(client, url, args.repeat)
            print(f"| {label} | {name} | {median:.1f} | {high:.1f} | {queries} | {median / login_median:.1f} |")


if __name__ == "__main__":
    main()
