"""The annual report's PDF: the whole build against WeasyPrint alone, cost per page, memory.

    .venv/bin/python bench/report.py [--repeat 3] [--initiatives 1000] [--large 3000]

Prints, in one run, the ratios issue 12 asks for:

1. Svendborg's whole `build_report` (snapshot, templates, the capped render child
   forked from the fork server) against WeasyPrint alone on the same HTML in this
   process: wall-clock medians of `--repeat` runs after one warm-up (the warm-up
   starts the fork server, as the first render of a worker does), and CPU seconds
   (this process plus the render child's own, which the child reports).
2. The synthetic plan (`make_synthetic_plan --initiatives N`): CPU seconds per page
   against Svendborg's, and the render child's peak memory (its maximum resident set).
3. A `--large` synthetic plan rendered with the default caps (REPORT_RENDER_TIMEOUT,
   REPORT_RENDER_MEMORY_MB): done or the cap it hit, pages, CPU and memory.

CPU seconds are the figure to compare on a shared machine; wall-clock times grow
with whatever else runs.
"""

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import call_command, prepare, settings  # noqa: E402

from masterplan.models import Plan  # noqa: E402
from reporting.models import ReportEdition  # noqa: E402
from reporting.report import pdf as pdf_module  # noqa: E402
from reporting.report.content import build_snapshot  # noqa: E402
from reporting.report.render import _static_roots, _stylesheet_paths, render_html, render_pdf  # noqa: E402


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def snapshot_for(slug: str, year: int | None = None) -> dict:
    plan = Plan.objects.select_related("organization").get(slug=slug)
    year = year or plan.period_start
    return build_snapshot(plan, ReportEdition.objects.current(plan, year) or ReportEdition.unsaved_default(plan, year))


def weasyprint_alone(snapshot: dict) -> tuple[float, float, bytes]:
    """(wall s, CPU s, PDF) of WeasyPrint laying out the report's HTML in this process."""
    html = render_html(snapshot)
    roots = _static_roots()
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = pdf_module.html_to_pdf(html, _stylesheet_paths(), roots, f"file://{roots[0]}/")
    return time.perf_counter() - wall, time.process_time() - cpu, pdf


def build_report(slug: str, year: int) -> tuple[float, float]:
    """(wall s, CPU s of this process and the render child) of the whole build_report command."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        wall, cpu = time.perf_counter(), time.process_time()
        call_command("build_report", slug, str(year), "--out", out.name, stdout=io.StringIO())
        return time.perf_counter() - wall, time.process_time() - cpu + pdf_module.last_render["cpu_seconds"]


def capped(snapshot: dict) -> tuple[str, float, dict, int]:
    """Render with the configured (default) caps: (outcome, wall s, child stats, pages)."""
    wall = time.perf_counter()
    try:
        pdf = render_pdf(snapshot, capped=True)
    except pdf_module.RenderLimitExceeded as exceeded:
        return f"cap hit: {exceeded.kind}", time.perf_counter() - wall, {}, 0
    except pdf_module.RenderFailed as failed:  # reported as an outcome, not a traceback
        return f"failed: {failed}", time.perf_counter() - wall, {}, 0
    return "done", time.perf_counter() - wall, dict(pdf_module.last_render), pages(pdf)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--initiatives", type=int, default=1000)
    parser.add_argument("--large", type=int, default=3000, help="0 to skip")
    args = parser.parse_args()
    synthetic, _user = prepare(args.initiatives)
    settings.REPORT_RENDER_ISOLATED = True
    print(f"caps: REPORT_RENDER_TIMEOUT={settings.REPORT_RENDER_TIMEOUT} s, "
          f"REPORT_RENDER_MEMORY_MB={settings.REPORT_RENDER_MEMORY_MB}; load average {os.getloadavg()[0]:.1f}")

    # 1. The whole build against WeasyPrint alone (Svendborg 2024, the seed's edition).
    svendborg = snapshot_for("svendborg-masterplan", 2024)
    build_report("svendborg-masterplan", 2024)  # warm-up: starts the fork server
    alone, whole = [], []
    for _ in range(args.repeat):
        alone.append(weasyprint_alone(svendborg)[:2])
        whole.append(build_report("svendborg-masterplan", 2024))
    svendborg_pages = pages(weasyprint_alone(svendborg)[2])
    alone_wall, alone_cpu = (statistics.median(x) for x in zip(*alone))
    whole_wall, whole_cpu = (statistics.median(x) for x in zip(*whole))
    print(f"\nSvendborg 2024 ({svendborg_pages} pages), median of {args.repeat}:")
    print(f"  WeasyPrint alone  {alone_wall:6.2f} s wall  {alone_cpu:6.2f} s CPU")
    print(f"  build_report      {whole_wall:6.2f} s wall  {whole_cpu:6.2f} s CPU")
    print(f"  ratio build_report / WeasyPrint alone: {whole_wall / alone_wall:.2f} wall, "
          f"{whole_cpu / alone_cpu:.2f} CPU (target ≤ 1.15)")

    # 2. Cost per page of the synthetic plan, and its render child's memory.
    big = snapshot_for(synthetic)
    outcome, wall, stats, big_pages = capped(big)
    print(f"\n{synthetic} ({args.initiatives} initiatives, layout {big['shape']}): {outcome}, {big_pages} pages, "
          f"{wall:.1f} s wall, {stats.get('cpu_seconds', 0):.1f} s CPU, peak {stats.get('max_rss_mb', 0):.0f} MB")
    if big_pages:
        per_page, base = stats["cpu_seconds"] / big_pages, whole_cpu / svendborg_pages
        print(f"  CPU per page {per_page * 1000:.0f} ms vs Svendborg {base * 1000:.0f} ms: "
              f"ratio {per_page / base:.2f} (target ≤ 1.2); peak memory {stats['max_rss_mb']:.0f} MB (target ≤ 600)")

    # 3. A larger plan within the default caps.
    if args.large:
        quiet = open(os.devnull, "w")
        slug = f"syntetisk-{args.large}"
        if not Plan.objects.filter(slug=slug).exists():
            call_command("make_synthetic_plan", "--initiatives", str(args.large), stdout=quiet)
        large = snapshot_for(slug)
        outcome, wall, stats, large_pages = capped(large)
        print(f"\n{slug} with the default caps: {outcome}, {large_pages} pages, {wall:.1f} s wall, "
              f"{stats.get('cpu_seconds', 0):.1f} s CPU, peak {stats.get('max_rss_mb', 0):.0f} MB")


if __name__ == "__main__":
    main()
