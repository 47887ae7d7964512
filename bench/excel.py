"""Excel export and import of a large synthetic plan: time and peak memory, medians.

    .venv/bin/python bench/excel.py [--initiatives 1000] [--repeat 5]

Uses the database from DATABASE_URL (default: the development SQLite file). The
plan is made once by `make_synthetic_plan` (slug bench-excel-N) and reused. The
import is a full import into a new plan, rolled back at the end (the same code
path as the preview and --dry-run), so repeated runs measure the same work and
leave nothing behind. Times are medians of plain runs; peak memory (Python
allocations, tracemalloc) is measured in one extra run of each step, since
tracemalloc itself slows the step down several times.
"""

import argparse
import io
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from masterplan.models import Plan  # noqa: E402
from reporting.exchange.export import build_workbook  # noqa: E402
from reporting.exchange.importer import import_plan, load  # noqa: E402


def timed(step):
    start = time.perf_counter()
    result = step()
    return result, time.perf_counter() - start


def peak_memory(step) -> int:
    """Peak Python allocations during the step, measured in a separate run (tracemalloc is slow)."""
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    slug = f"bench-excel-{args.initiatives}"
    if not Plan.objects.filter(slug=slug).exists():
        call_command("make_synthetic_plan", "--initiatives", str(args.initiatives), "--slug", slug)
    plan = Plan.objects.select_related("organization").get(slug=slug)
    print(f"{plan.slug}: {plan.initiatives.count()} initiativer")

    def export():
        buffer = io.BytesIO()
        build_workbook(plan).save(buffer)
        return buffer.getvalue()

    def import_():
        parsed = load(io.BytesIO(data), name="bench.xlsx", size=len(data))
        return import_plan(parsed, slug=f"{slug}-kopi", commit=False)

    times = {"eksport": [], "import": []}
    data = b""
    for _ in range(args.repeat):
        data, seconds = timed(export)
        times["eksport"].append(seconds)
        summary, seconds = timed(import_)
        times["import"].append(seconds)
    peaks = {"eksport": peak_memory(export), "import": peak_memory(import_)}
    print(f"projektmappe: {len(data) / 1024:.0f} kB; import: "
          + ", ".join(f"{t}: {len(c.new)} nye" for t, c in summary.sheets.items()))
    for name, runs in times.items():
        print(f"{name:8} median {statistics.median(runs):6.2f} s  (min {min(runs):.2f}, {len(runs)} gange)"
              f"   peak {peaks[name] / 1024 / 1024:6.1f} MB")


if __name__ == "__main__":
    main()
