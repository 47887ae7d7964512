"""A plan's pages on a shared instance against the same plan alone in its database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/masterplan_scale \\
        .venv/bin/python bench/scale.py --alone postgres://postgres@127.0.0.1:5432/masterplan_alone [--repeat 20]

Both databases must exist (createdb). The shared one (DATABASE_URL) gets 45 synthetic plans
(`make_synthetic_plan --initiatives 289`, slugs scale-1 … scale-45: 13,005 initiatives,
~156,000 activities) and an audit history for each (one "create" entry per initiative and
activity, written in bulk); the other (--alone) only scale-1 with its history. Each is
made once and reused. Then, for each database in a child process of its own, the main
pages of scale-1 as the demo superuser in-process (bench/common.py's timing: two warm-up
requests, then --repeat timed ones; --rounds times, alternately, keeping each page's
fastest median): plan, search + filter, direction, initiative, history,
report preview, the dashboard as served (from its cache) and computed (the cache emptied
before each request), and the home page (which lists every plan, so it is not expected
to stay the same; it must not multiply rows). The goal: each page of the plan within 1.2×
of the same page alone.

`--code DIR` measures with the code of another checkout too (e.g. a worktree of an older
commit), on the same shared database, so before and after come from one run.
`--stale` also measures every page once more on the shared database with the big tables'
statistics removed (as before the first ANALYZE, or where autovacuum is off), shown against
the same page with statistics, then analyses them again. The direction page and the
dashboard are measured as served (from the cache) and as computed (the cache emptied first).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLANS, INITIATIVES = 45, 289
PLAN = "scale-1"
BIG_TABLES = ["initiatives_initiative", "initiatives_activity", "initiatives_statusupdate",
              "initiatives_auditentry", "initiatives_crosslink", "initiatives_budgetline"]


def build(plans: int):
    """Make the plans and their history if they are missing (run with Django set up)."""
    from django.core.management import call_command
    from django.db import connection

    from initiatives.models import Activity, AuditEntry, Initiative
    from masterplan.models import Plan

    quiet = open(os.devnull, "w")
    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(slug="svendborg-masterplan").exists():
        call_command("load_demo", stdout=quiet)  # the demo superuser
    for n in range(1, plans + 1):
        slug = f"scale-{n}"
        if Plan.objects.filter(slug=slug).exists():
            continue
        started = time.perf_counter()
        call_command("make_synthetic_plan", "--initiatives", str(INITIATIVES), "--slug", slug, stdout=quiet)
        plan = Plan.objects.get(slug=slug)
        entries = [AuditEntry(action="create", model="initiative", object_id=str(pk), object_repr=str(number),
                              plan_pk=plan.pk, initiative_pk=pk, changes={"number": [None, number]}, source="import")
                   for pk, number in Initiative.objects.filter(plan=plan).values_list("pk", "number")]
        entries += [AuditEntry(action="create", model="activity", object_id=str(pk), object_repr=text[:60],
                               plan_pk=plan.pk, initiative_pk=initiative, changes={"text": [None, text[:60]]},
                               source="import")
                    for pk, initiative, text in Activity.objects.filter(initiative__plan=plan)
                    .values_list("pk", "initiative_id", "text")]
        AuditEntry.objects.bulk_create(entries, batch_size=2000)
        print(f"  {slug}: {len(entries)} history entries ({time.perf_counter() - started:.1f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure_pages(repeat: int, stale: bool) -> dict:
    """Median ms and queries per page of scale-1 (run with Django set up by bench/common)."""
    from common import measure
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from masterplan.models import Plan

    # As bench/common.prepare: one kept connection, so queries can be counted.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).order_by("pk").first())
    plan = Plan.objects.get(slug=PLAN)
    direction = plan.directions.order_by("number").first()
    initiative = plan.initiatives.order_by("direction__number", "order", "id").first()
    word = initiative.title.split()[0]
    pages = {
        "home": "/",
        "plan": f"/plans/{PLAN}/",
        "search + filter": f"/plans/{PLAN}/?q={word}&direction={direction.number}",
        "direction": f"/plans/{PLAN}/directions/{direction.number}/",
        "initiative": f"/initiatives/{initiative.pk}/",
        "history": f"/plans/{PLAN}/history/",
        "report preview": f"/plans/{PLAN}/reports/{plan.period_start}/",
        "dashboard (cached)": f"/plans/{PLAN}/dashboard/",
    }
    # Pages kept per change of the plan, also as the first view after a change computes them.
    computed_pages = {"direction (computed)": pages["direction"], "dashboard (computed)": pages["dashboard (cached)"]}

    def cached(url):
        timings, queries = measure(client, url, repeat)
        return {"ms": statistics.median(timings), "queries": queries}

    def computed(url):
        timings = []
        for _ in range(repeat):
            cache.clear()
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            timings.append((time.perf_counter() - start) * 1000)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return {"ms": statistics.median(timings), "queries": len(ctx.captured_queries)}

    def every_page():
        return {**{name: cached(url) for name, url in pages.items()},
                **{name: computed(url) for name, url in computed_pages.items()}}

    result = every_page()
    if stale and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [BIG_TABLES])
        result.update({f"{name}, no statistics": page for name, page in every_page().items()})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return result


def child(args):
    # bench/common (which sets Django up from its own checkout) of the code being measured.
    sys.path.insert(0, os.path.join(os.environ.get("SCALE_BENCH_CODE", str(HERE.parent)), "bench"))
    import common  # noqa: F401  (sets Django up)

    if not args.no_build:
        build(args.plans)
    print("RESULT " + json.dumps(measure_pages(args.repeat, args.stale)), flush=True)


def run(database: str, code: Path, args, stale=False, build_data=True) -> dict:
    command = [sys.executable, str(HERE / "scale.py"), "--child", "--plans", str(args.plans),
               "--repeat", str(args.repeat)] + (["--stale"] if stale else []) + ([] if build_data else ["--no-build"])
    env = {**os.environ, "DATABASE_URL": database, "PYTHONPATH": str(code)}
    # The child runs this file, but imports the portal (and bench/common) from `code`.
    env["SCALE_BENCH_CODE"] = str(code)
    output = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True, check=False)
    lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        sys.exit(f"measuring {database} with {code} failed:\n{output.stdout[-2000:]}\n{output.stderr[-4000:]}")
    for line in output.stdout.splitlines():
        if line.startswith("  "):
            print(line)
    return json.loads(lines[-1][len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alone", help="database URL for the plan alone")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--plans", type=int, default=PLANS)
    parser.add_argument("--code", help="another checkout to measure on the shared database too")
    parser.add_argument("--stale", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alone and shared measured alternately this many times; the fastest median counts")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not args.alone:
        sys.exit("--alone DATABASE_URL is needed (the plan alone).")
    here = HERE.parent
    shared = os.environ.get("DATABASE_URL", "")
    print(f"building/checking the shared database ({args.plans} plans) and the plan alone …", flush=True)
    alone_args = argparse.Namespace(**{**vars(args), "plans": 1})

    def fastest(results: list[dict]) -> dict:
        """Per page the fastest median of the rounds: other work on a shared machine only adds."""
        return {name: min((r[name] for r in results if name in r), key=lambda page: page["ms"])
                for name in results[0]}

    alones, togethers, befores = [], [], []
    for number in range(args.rounds):  # alternately, so that a busy minute hits both
        alones.append(run(args.alone, here, alone_args))
        togethers.append(run(shared, here, args, stale=args.stale and number == args.rounds - 1))
        if args.code:
            befores.append(run(shared, Path(args.code).resolve(), args, build_data=False))
    alone, together = fastest(alones), fastest(togethers)
    together.update({k: v for k, v in togethers[-1].items() if k not in together})
    before = fastest(befores) if befores else None
    print(f"\n{args.repeat} requests per page, fastest median of {args.rounds} rounds in ms (queries); plan {PLAN}, {INITIATIVES} initiatives; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| page | alone | shared (45 plans) | shared / alone |" + (" shared, --code |" if before else ""))
    print("|---|---|---|---|" + ("---|" if before else ""))
    for name, shared_page in together.items():
        alone_page = alone.get(name)
        ratio = f"{shared_page['ms'] / alone_page['ms']:.2f}" if alone_page else "–"
        if name.endswith(", no statistics"):  # against the same page with statistics
            ratio = f"{shared_page['ms'] / together[name.removesuffix(', no statistics')]['ms']:.2f} (÷ with statistics)"
        row = (f"| {name} | {alone_page['ms']:.1f} ({alone_page['queries']}) | " if alone_page else f"| {name} | – | ")
        row += f"{shared_page['ms']:.1f} ({shared_page['queries']}) | {ratio} |"
        if before:
            old = before.get(name)
            row += f" {old['ms']:.1f} ({old['queries']}) |" if old else " – |"
        print(row)


if __name__ == "__main__":
    main()
