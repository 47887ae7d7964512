"""Server time and SQL queries of the main pages, Svendborg demo vs a 1000-initiative plan.

    .venv/bin/python bench/pages.py [--repeat 30] [--initiatives 1000] [--rounds 1]

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
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds per page, the two plans back to back in each; the fastest median is kept")
    args = parser.parse_args()

    synthetic, user = prepare(args.initiatives)

    login_timings, login_queries = measure(Client(), "/accounts/login/", args.repeat)
    login_median, login_p95 = statistics.median(login_timings), p95(login_timings)
    client = Client()
    client.force_login(user)
    plans = [Plan.objects.get(slug=slug) for slug in ("svendborg-masterplan", synthetic)]
    pages = [plan_pages(client, plan) for plan in plans]
    print(f"database: {connection.vendor}, {args.repeat} requests per page, fastest median of {args.rounds} "
          f"round(s), as '{user.get_username()}'")
    print("| plan | page | median ms | p95 ms | queries | × login | large ÷ demo |")
    print("|---|---|---|---|---|---|---|")
    print(f"| – | login (anonymous) | {login_median:.1f} | {login_p95:.1f} | {login_queries} | 1.0 | |")
    # The same page of both plans back to back, so a change in the machine's other load falls
    # on both alike; each row is the round with the fastest median.
    best = {}
    for _ in range(args.rounds):
        for index in range(len(pages[0])):
            for plan_pages_of, plan in zip(pages, plans):
                name, url, computed = plan_pages_of[index]
                timings, queries = measure(client, url, args.repeat, computed=computed)
                key = (plan.slug, index)
                if key not in best or statistics.median(timings) < statistics.median(best[key][0]):
                    best[key] = (timings, queries, name)
    for plan in plans:
        label = f"{plan.slug} ({plan.initiatives.count()})"
        for index in range(len(pages[0])):
            timings, queries, name = best[(plan.slug, index)]
            median = statistics.median(timings)
            demo = statistics.median(best[(plans[0].slug, index)][0])
            ratio = f"{median / demo:.2f}" if plan is plans[1] else ""
            print(f"| {label} | {name} | {median:.1f} | {p95(timings):.1f} | {queries} | {median / login_median:.1f} "
                  f"| {ratio} |")


if __name__ == "__main__":
    main()
