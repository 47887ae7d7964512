"""Throughput of the public plan page beside the logged-in plan page, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/masterplan_load .venv/bin/python bench/public.py [--seconds 20]

Starts gunicorn with production settings on a free loopback port (as bench/load.py
does, whose helpers it uses), then for each page runs --threads client threads in a
closed loop for --seconds and prints requests/s, p50/p95 latency and errors:

- the public page of the published demo plan (`/offentlig/ikast-brande-udviklingsplan/`),
  anonymous, as a news story's readers would load it (served from the page cache);
- the same plan's page in the portal (`/plans/ikast-brande-udviklingsplan/`), logged in
  as a bench user of Svendborg Kommune (the plan is published, so readable).

The ratio public / logged in is the figure the issue asks for (≥ 5). Both rounds
run one after the other against the same server, so the ratio is measured in one run.
"""

import argparse
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (sets Django up; its server helpers are shared)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from masterplan.models import Membership, Organization, Plan  # noqa: E402

SLUG = "ikast-brande-udviklingsplan"


def round_of(port, path, seconds, threads, cookie=None):
    latencies, errors, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {})}
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
                if not ok:
                    errors.append(path)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p50": statistics.median(latencies),
            "tail": latencies[int(len(latencies) * 0.95) - 1], "errors": len(errors)}  # p95


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(slug=SLUG).exists():
        call_command("load_demo", stdout=open(os.devnull, "w"))
    assert Plan.objects.get(slug=SLUG).published, "the bench needs the published demo plan"
    password = secrets.token_urlsafe(18)
    user, _ = get_user_model().objects.get_or_create(username="bench-public")
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(user=user, organization=Organization.objects.get(slug="svendborg"),
                                        defaults={"role": Membership.Role.READER})

    port = load.free_port()
    static_root = os.path.join(tempfile.gettempdir(), "masterplan-bench-static")
    with open(os.path.join(tempfile.gettempdir(), "bench-public-gunicorn.log"), "w") as log:
        server = load.start_gunicorn(port, args.workers, static_root, log)
        try:
            stats = load.Stats()
            client = load.User("127.0.0.1", port, user.username, password, {}, stats, 0, 0)
            assert client.login(), stats.errors
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            results = {}
            for name, path, cookie_for in (("offentlig side (anonym)", f"/offentlig/{SLUG}/", None),
                                           ("planside (logget ind)", f"/plans/{SLUG}/", cookie)):
                round_of(port, path, 2, 2, cookie_for)  # warm up: caches, connections
                results[name] = round_of(port, path, args.seconds, args.threads, cookie_for)
        finally:
            server.terminate()
            server.wait()

    print(f"{args.threads} klienttråde, {args.workers} gunicorn-workers, {args.seconds:.0f} s pr. side")
    for name, r in results.items():
        print(f"{name:28} {r['rps']:8.1f} req/s   p50 {r['p50']:6.1f} ms   p95 {r['tail']:6.1f} ms   "
              f"fejl {r['errors']}")
    public, portal = results.values()
    print(f"forhold offentlig / logget ind: {public['rps'] / portal['rps']:.1f}")
    sys.exit(1 if public["errors"] or portal["errors"] else 0)


if __name__ == "__main__":
    main()
