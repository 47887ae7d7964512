"""Median render time of the manager dashboard: Svendborg demo vs a 1000-initiative plan.

    .venv/bin/python bench/dashboard.py [--repeat 20] [--initiatives 1000]

Runs in-process with django.test.Client against the configured database
(DATABASE_URL, default the SQLite file), as the demo superuser. Loads the demo and
makes the synthetic plan first if they are missing. Prints the median (and min/max)
per plan, the SQL query count per request, and the ratio of the medians.
"""

import argparse
import statistics

from common import measure, prepare  # sets Django up: import it first
from django.db import connection
from django.test import Client

from masterplan.models import Plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--initiatives", type=int, default=1000)
    args = parser.parse_args()

    synthetic, user = prepare(args.initiatives)

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
