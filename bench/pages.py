"""Server time and SQL queries of the main pages, Svendborg demo vs a 1000-initiative plan.

    .venv/bin/python bench/pages.py [--repeat 30] [--initiatives 1000]

Runs in-process with django.test.Client against the configured database (DATABASE_URL,
default the SQLite file), like bench/dashboard.py: the demo superuser for the plan pages,
an anonymous client for the login page (the floor: a page with no query at all). Loads
the demo and makes the synthetic plan first if they are missing. Prints per page the
median and p95 in ms, the query count of one request, and the median as a ratio to the
login page's median. The direction page and the dashboard, which are kept in the cache per
change of their plan, are measured as served and as computed (the cache emptied before each
request: the first view after a change); the report preview's page 1 and middle page.
"""

import argparse
import re
import statistics

from common import measure, prepare  # sets Django up: import it first
from django.db import connection
from django.test import Client

from masterplan.models import Plan


def p95(timings):
    return statistics.quantiles(timings, n=20, method="inclusive")[18]


def report_pages(client, plan):
    """The report preview's page 1 and its middle page (the same page for a report of one)."""
    year = 2025 if plan.contains_year(2025) else plan.report_year()
    url = f"/plans/{plan.slug}/reports/{year}/"
    found = re.search(r"Side 1 af (\d+)", client.get(url).content.decode())
    middle = (int(found.group(1)) + 1) // 2 if found else 1
    return [("report preview p1", url), (f"report preview p{middle}", f"{url}?side={middle}")]


def plan_pages(client, plan):
    direction = plan.directions.order_by("number").first()
    initiative = plan.initiatives.order_by("order", "id").first()
    word = initiative.title.split()[0]
    direction_url, dashboard_url = f"/plans/{plan.slug}/directions/{direction.number}/", f"/plans/{plan.slug}/dashboard/"
    # (name, url, computed): pages kept per change of the plan are measured both as served
    # from the cache and as the first view after a change computes them.
    return [
        ("home", "/", False),
        ("plan", f"/plans/{plan.slug}/", False),
        ("search + filter", f"/plans/{plan.slug}/?q={word}&direction={direction.number}", False),
        ("direction", direction_url, False),
        ("direction (computed)", direction_url, True),
        ("initiative", f"/initiatives/{initiative.pk}/", False),
        ("dashboard", dashboard_url, False),
        ("dashboard (computed)", dashboard_url, True),
        *((name, url, False) for name, url in report_pages(client, plan)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--initiatives", type=int, default=1000)
    args = parser.parse_args()

    synthetic, user = prepare(args.initiatives)

    login_timings, login_queries = measure(Client(), "/accounts/login/", args.repeat)
    login_median, login_p95 = statistics.median(login_timings), p95(login_timings)
    client = Client()
    client.force_login(user)
    print(f"database: {connection.vendor}, {args.repeat} requests per page, as '{user.get_username()}'")
    print("| plan | page | median ms | p95 ms | queries | × login |")
    print("|---|---|---|---|---|---|")
    print(f"| – | login (anonymous) | {login_median:.1f} | {login_p95:.1f} | {login_queries} | 1.0 |")
    for slug in ["svendborg-masterplan", synthetic]:
        plan = Plan.objects.get(slug=slug)
        label = f"{slug} ({plan.initiatives.count()})"
        for name, url, computed in plan_pages(client, plan):
            timings, queries = measure(client, url, args.repeat, computed=computed)
            median, high = statistics.median(timings), p95(timings)
            print(f"| {label} | {name} | {median:.1f} | {high:.1f} | {queries} | {median / login_median:.1f} |")


if __name__ == "__main__":
    main()
