"""Load test: simulated editors reading and editing through gunicorn, then a check that no edit was lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/masterplan_load .venv/bin/python bench/load.py [--seconds 300]

What it does, all on 127.0.0.1:
1. migrates the database of DATABASE_URL, loads the demo if it is missing, and gives
   users load-1..load-N an editor membership of Svendborg Kommune with a fresh random
   password (set here, never printed);
2. collects the static files into a temporary folder and starts gunicorn on a free port
   with production settings (DJANGO_DEBUG=0, a random secret key; only the HTTPS
   redirect is off, as behind a TLS-terminating proxy), and waits for /healthz;
3. runs N threads for --seconds (and --readers more, users load-reader-1.. with the
   reader role, that only read): each logs in through the login form and then, in a
   closed loop (no think time unless --think), 80 % reads (home, plan, search, direction,
   initiative, dashboard) and 20 % edits as the browser sends them (htmx POSTs with the
   CSRF token): half status updates with a unique note on one of a few "hot" initiatives,
   carrying the form's `version`, so editors collide; half new activities with a unique
   text. A 409 is a conflict (someone saved first): counted apart, the page is fetched
   again and the edit retried with the new version, as a person would;
4. stops gunicorn and prints requests/s, p50/p95/p99 latency, errors (5xx, unexpected
   4xx, exceptions) and conflicts, and then checks in the database that every edit a
   user was told was saved exists exactly once (StatusUpdate with the note, Activity with
   the text), and that each hot initiative's status is its latest update's.

Exit status 1 if there was an error or a lost edit.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from initiatives.models import Activity, Initiative, Status, StatusUpdate  # noqa: E402
from masterplan.models import Membership, Organization, Plan  # noqa: E402

PLAN = "svendborg-masterplan"
HOT = 4  # status edits go to this many initiatives, so editors collide
RETRIES = 10


def setup_data(users: int, readers: int = 0) -> tuple[dict, dict]:
    quiet = open(os.devnull, "w")
    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(slug=PLAN).exists():
        call_command("load_demo", stdout=quiet)
    plan = Plan.objects.get(slug=PLAN)
    org = Organization.objects.get(pk=plan.organization_id)
    passwords = {}
    for n in range(1, users + 1):
        user, _ = get_user_model().objects.get_or_create(username=f"load-{n}")
        passwords[user.username] = secrets.token_urlsafe(18)
        user.set_password(passwords[user.username])
        user.save()
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": Membership.Role.EDITOR})
    for n in range(1, readers + 1):  # readers (politicians, managers): they only read
        user, _ = get_user_model().objects.get_or_create(username=f"load-reader-{n}")
        passwords[user.username] = secrets.token_urlsafe(18)
        user.set_password(passwords[user.username])
        user.save()
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": Membership.Role.READER})
    initiatives = list(plan.initiatives.order_by("order", "id").values_list("pk", flat=True))
    direction = plan.directions.order_by("number").first()
    target = {
        "plan": plan.slug,
        "initiatives": initiatives,
        "hot": initiatives[:HOT],
        "reads": [
            "/", f"/plans/{plan.slug}/", f"/plans/{plan.slug}/?q=borger&direction={direction.number}",
            f"/plans/{plan.slug}/directions/{direction.number}/", f"/plans/{plan.slug}/dashboard/",
        ],
        "years": list(plan.years),
        "statuses": [value for value, _ in Status.choices],
    }
    return passwords, target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, static_root: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_CONN_MAX_AGE": os.environ.get("DJANGO_CONN_MAX_AGE", "60"),
    }
    if not Path(static_root, "staticfiles.json").exists():
        print(f"collectstatic into {static_root} …", flush=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                       cwd=BASE_DIR, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=log,
    )
    for _ in range(100):
        time.sleep(0.2)
        if server.poll() is not None:
            sys.exit("gunicorn stopped at start; see its log.")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
    server.terminate()
    sys.exit("gunicorn did not answer /healthz in 20 s.")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []
        self.login_latencies = []  # apart: 20 password hashes at the start are not page load
        self.errors = []  # (what, detail)
        self.conflicts = 0
        self.abandoned = 0  # edits still conflicting after RETRIES tries (the user is told)
        self.saved_notes = []
        self.saved_activities = []


class User:
    """One simulated editor with its own connection and cookies."""

    def __init__(self, host, port, username, password, target, stats, deadline, think):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies = {}
        self.username, self.password = username, password
        self.target, self.stats, self.deadline, self.think = target, stats, deadline, think
        self.random = random.Random(username)
        self.count = 0

    def request(self, method, path, fields=None, htmx=False, record=True):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if htmx:
            headers["HX-Request"] = "true"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            with self.stats.lock:
                self.stats.errors.append(("exception", f"{method} {path}: {error!r}"))
            return None, ""
        elapsed = (time.perf_counter() - start) * 1000
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        with self.stats.lock:
            (self.stats.latencies if record else self.stats.login_latencies).append(elapsed)
            if response.status >= 500:
                self.stats.errors.append(("5xx", f"{method} {path}: {response.status}"))
        return response.status, content

    def expect(self, status, content, ok, what):
        if status is not None and status not in ok:
            with self.stats.lock:
                self.stats.errors.append(("unexpected", f"{what}: {status}"))
            return False
        return status is not None

    def login(self):
        status, page = self.request("GET", "/accounts/login/", record=False)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not self.expect(status, page, {200}, "login page") or not token:
            return False
        status, _ = self.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token.group(1), "username": self.username, "password": self.password, "next": "/",
        }, record=False)
        return self.expect(status, "", {302}, f"login {self.username}")

    def read(self):
        if self.random.random() < 0.3:
            path = f"/initiatives/{self.random.choice(self.target['initiatives'])}/"
        else:
            path = self.random.choice(self.target["reads"])
        status, content = self.request("GET", path)
        self.expect(status, content, {200}, f"GET {path}")

    def edit_status(self):
        pk = self.random.choice(self.target["hot"])
        self.count += 1
        note = f"{self.username} status {self.count} {secrets.token_hex(4)}"
        for _ in range(RETRIES):
            status, page = self.request("GET", f"/initiatives/{pk}/")
            if not self.expect(status, page, {200}, f"GET initiative {pk}"):
                return
            form = re.search(rf'<form[^>]*action="/initiatives/{pk}/status/"(.*?)</form>', page, re.S)
            version = form and re.search(r'name="version" value="(\d+)"', form.group(1))
            if not version:
                with self.stats.lock:
                    self.stats.errors.append(("unexpected", f"no status form version on initiative {pk}"))
                return
            status, content = self.request("POST", f"/initiatives/{pk}/status/", {
                "status": self.random.choice(self.target["statuses"]), "phase": "", "note": note,
                "version": version.group(1),
            }, htmx=True)
            if status == 409:
                with self.stats.lock:
                    self.stats.conflicts += 1
                continue  # someone saved first: look at the page again and save again
            if self.expect(status, content, {200}, f"POST status {pk}"):
                with self.stats.lock:
                    self.stats.saved_notes.append(note)
            return
        with self.stats.lock:
            self.stats.abandoned += 1

    def add_activity(self):
        pk = self.random.choice(self.target["initiatives"])
        self.count += 1
        text = f"{self.username} aktivitet {self.count} {secrets.token_hex(4)}"
        status, content = self.request("POST", f"/initiatives/{pk}/activities/", {
            "year": self.random.choice(self.target["years"]), "period": "year", "text": text,
            "responsible": "Belastningstest", "deadline": "",
        }, htmx=True)
        if self.expect(status, content, {200}, f"POST activity {pk}"):
            with self.stats.lock:
                self.stats.saved_activities.append(text)

    def run(self):
        if not self.login():
            return
        reader = self.username.startswith("load-reader-")
        while time.monotonic() < self.deadline:
            roll = self.random.random()
            if roll < 0.8 or reader:
                self.read()
            elif roll < 0.9:
                self.edit_status()
            else:
                self.add_activity()
            if self.think:
                time.sleep(self.random.uniform(0, 2 * self.think))


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def verify(stats, target) -> int:
    """Every edit a user was told was saved is in the database exactly once."""
    lost = 0
    notes = set(StatusUpdate.objects.filter(note__in=stats.saved_notes).values_list("note", flat=True))
    lost += sum(1 for note in stats.saved_notes if note not in notes)
    duplicated = StatusUpdate.objects.filter(note__in=stats.saved_notes).count() - len(notes)
    texts = set(Activity.objects.filter(text__in=stats.saved_activities).values_list("text", flat=True))
    lost += sum(1 for text in stats.saved_activities if text not in texts)
    duplicated += Activity.objects.filter(text__in=stats.saved_activities).count() - len(texts)
    inconsistent = 0
    for initiative in Initiative.objects.filter(pk__in=target["hot"]):
        latest = initiative.status_updates.order_by("-pk").first()  # saved under the row lock, in order
        if latest is not None and latest.status != initiative.status:
            inconsistent += 1
    print(f"verified: {len(notes)}/{len(stats.saved_notes)} status updates and {len(texts)}/"
          f"{len(stats.saved_activities)} activities found; lost {lost}, duplicated {duplicated}, "
          f"hot initiatives whose status is not their latest update's: {inconsistent}")
    return lost + duplicated + inconsistent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--users", type=int, default=20, help="editors (80 %% reads, 20 %% edits)")
    parser.add_argument("--readers", type=int, default=0, help="readers besides them (reads only)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 × cores + 1)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause between a user's actions in seconds (default 0: as fast as it can)")
    parser.add_argument("--static-root", default="", help="reuse collected static files from this folder")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print(f"warning: database is {connection.vendor}; the load test is meant for PostgreSQL (DATABASE_URL)")
    passwords, target = setup_data(args.users, args.readers)
    static_root = args.static_root or str(Path(tempfile.gettempdir()) / "masterplan-load-static")
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"masterplan-load-gunicorn-{port}.log"
    with open(log_path, "w") as log:
        server = start_gunicorn(port, args.workers, static_root, log)
        stats = Stats()
        try:
            print(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; {args.users} editors and {args.readers} readers for "
                  f"{args.seconds:.0f} s (load average before: {os.getloadavg()[0]:.2f})", flush=True)
            started = time.monotonic()
            deadline = started + args.seconds
            threads = [
                threading.Thread(target=User("127.0.0.1", port, name, password, target, stats, deadline,
                                             args.think).run)
                for name, password in passwords.items()
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            load = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
    server_errors = sum(1 for line in open(log_path) if "level=ERROR" in line or "Traceback" in line)

    latencies = stats.latencies
    print(f"logins: {len(stats.login_latencies) // 2} (GET + POST each, median "
          f"{statistics.median(stats.login_latencies or [0]):.0f} ms per request; not in the figures below)")
    print(f"requests: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.1f} requests/s")
    if len(latencies) >= 2:
        print(f"latency ms: p50 {percentile(latencies, 50):.0f}, p95 {percentile(latencies, 95):.0f}, "
              f"p99 {percentile(latencies, 99):.0f}, max {max(latencies):.0f}")
    print(f"edits saved: {len(stats.saved_notes)} status updates, {len(stats.saved_activities)} activities; "
          f"conflicts (409, retried): {stats.conflicts}; given up after {RETRIES} conflicts: {stats.abandoned}")
    print(f"errors: {len(stats.errors)} (5xx, unexpected statuses, exceptions); "
          f"error lines in gunicorn's log: {server_errors} ({log_path})")
    for what, detail in stats.errors[:10]:
        print(f"  {what}: {detail}")
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    problems = verify(stats, target)
    sys.exit(1 if stats.errors or server_errors or problems else 0)


if __name__ == "__main__":
    main()
