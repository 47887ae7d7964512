"""The Word import of the four demo plans' documents: reading and the rolled-back write, medians.

    .venv/bin/python bench/word.py [--repeat 5]

Uses the database from DATABASE_URL (run `load_demo` there first: a new plan needs its
municipality). For each document in fixtures/word/: the file checks and python-docx's
reading into the recognised plan ("læs"), then the write into a new plan rolled back at
the end ("skriv", the same path as the preview and --dry-run), and peak memory of the
reading (tracemalloc, in one extra run: Python objects only, not lxml's tree, which the
25 MB cap on an XML part bounds). The web preview does both steps in the request.
"""

import argparse
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

from reporting.exchange.word import import_word, load_docx  # noqa: E402

WORD = Path(__file__).resolve().parent.parent / "fixtures" / "word"


def read(path):
    with open(path, "rb") as handle:
        return load_docx(handle, name=path.name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'dokument':32} {'KB':>5} {'læs ms':>7} {'skriv ms':>9} {'læs MB':>7}")
    for path in sorted(WORD.glob("*.docx")):
        reads, writes = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            word = read(path)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            import_word(word, slug="bench-word", commit=False)
            writes.append(time.perf_counter() - start)
        tracemalloc.start()
        read(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{path.name:32} {path.stat().st_size // 1024:5} {statistics.median(reads) * 1000:7.0f} "
              f"{statistics.median(writes) * 1000:9.0f} {peak / 1e6:7.1f}")


if __name__ == "__main__":
    main()
