"""Production readiness: deploy checks, security headers, health, login lock-out,
session limits, security log lines, error pages and the accessibility statement."""

import json
import logging
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from axes.models import AccessAttempt
from config import health
from config.security import LOGIN_AT, SEEN_AT

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_", "AXES_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
               DJANGO_ALLOWED_HOSTS="portal.example.dk", **extra)
    return env


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, **kwargs)


# --- Production settings, in a fresh process with DEBUG off ---------------------------------


def test_check_deploy_reports_nothing_with_production_settings():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_keeps_compiled_templates_in_the_cached_loader():
    """Each template is parsed once per process, not on every request (Django's default when
    no loaders are given; the test keeps anyone from replacing it with the plain loaders)."""
    code = ("import django; django.setup(); from django.template import engines; "
            "print([type(l).__module__ for l in engines['django'].engine.template_loaders])")
    result = run([sys.executable, "-c", code], production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['django.template.loaders.cached']"


def test_refuses_to_start_with_the_default_secret_key_when_debug_is_off():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off" in result.stderr


# Collects the static files (hashed names; the DKFDS CSS's font and image references must
# resolve) into a temporary STATIC_ROOT, then requests pages through the full middleware
# stack. WhiteNoise's compressing storage is swapped for Django's plain manifest storage,
# which hashes and rewrites the same way: compressing 23 MB takes ~25 s, too slow here.
PRODUCTION_PAGES = """
import json, sys
import config.settings as s
s.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("collectstatic", "--no-input", verbosity=0)
call_command("migrate", verbosity=0)  # a production database is migrated (the statement page reads it)
client = Client(HTTP_HOST="portal.example.dk")
out = {}
for url in ["/accounts/login/", "/tilgaengelighed/", "/healthz", "/findes-ikke/"]:
    r = client.get(url, secure=True)
    out[url] = {"status": r.status_code, "headers": dict(r.headers), "body": r.content.decode(),
                "cookies": {name: morsel.output() for name, morsel in r.cookies.items()}}
out["plain http"] = {"status": client.get("/accounts/login/").status_code,
                     "healthz": client.get("/healthz").status_code}
css = out["/accounts/login/"]["body"].split('href="/static/vendor/dkfds/css/')[1].split('"')[0]
r = client.get("/static/vendor/dkfds/css/" + css, secure=True)
out["css"] = {"name": css, "status": r.status_code, "cache": r.headers.get("Cache-Control", "")}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_pages(tmp_path_factory):
    env = production_env(DJANGO_STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
                         DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}")
    result = run([sys.executable, "-c", PRODUCTION_PAGES], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_pages_send_every_security_header_including_hsts(production_pages):
    for url in ["/accounts/login/", "/tilgaengelighed/", "/findes-ikke/"]:
        headers = production_pages[url]["headers"]
        assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"], url
        assert headers["X-Frame-Options"] == "DENY", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), url


def test_production_cookies_are_secure(production_pages):
    cookie = production_pages["/accounts/login/"]["cookies"]["csrftoken"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert production_pages["/healthz"]["cookies"] == {}


def test_production_serves_hashed_static_files_for_a_year(production_pages):
    css = production_pages["css"]
    assert css["name"].startswith("dkfds.min.") and css["name"] != "dkfds.min.css"
    assert css["status"] == 200
    assert "immutable" in css["cache"]


def test_production_redirects_plain_http_except_the_health_check(production_pages):
    assert production_pages["plain http"] == {"status": 301, "healthz": 200}


def test_production_404_is_the_danish_page_without_details(production_pages):
    page = production_pages["/findes-ikke/"]
    assert page["status"] == 404
    assert "Siden findes ikke" in page["body"] or "findes ikke" in page["body"]
    assert "Traceback" not in page["body"] and "urlpatterns" not in page["body"]


def test_production_healthz(production_pages):
    assert production_pages["/healthz"]["status"] == 200
    assert production_pages["/healthz"]["body"] == "ok"


# --- Security headers on every page (in-process, HSTS switched on as in production) ------


def portal_pages(plan, initiative):
    activity = initiative.activities.first()
    return [
        "/", f"/plans/{plan.slug}/", f"/plans/{plan.slug}/?q=sags&status=", f"/plans/{plan.slug}/directions/1/",
        f"/plans/{plan.slug}/directions/new/", f"/initiatives/{initiative.pk}/",
        f"/initiatives/{initiative.pk}/edit/", f"/activities/{activity.pk}/edit/",
        f"/plans/{plan.slug}/initiatives/new/", f"/plans/{plan.slug}/history/",
        f"/plans/{plan.slug}/dashboard/", f"/plans/{plan.slug}/reports/2024/", f"/plans/{plan.slug}/import/",
        "/tilgaengelighed/", "/accounts/password_change/", "/findes-ikke/",
    ]


@pytest.fixture
def hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def assert_security_headers(response, url):
    assert response["Content-Type"].startswith("text/html"), url
    assert "default-src 'self'" in response["Content-Security-Policy"], url
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Strict-Transport-Security"].startswith("max-age=31536000"), url


def test_every_page_for_an_editor_sends_the_security_headers(client, hsts, editor, plan, initiative):
    client.force_login(editor)
    for url in portal_pages(plan, initiative):
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert_security_headers(response, url)


def test_login_and_public_pages_for_anonymous_send_the_security_headers(client, hsts, db):
    for url in ["/accounts/login/", "/tilgaengelighed/", "/findes-ikke/"]:
        assert_security_headers(client.get(url, secure=True), url)


# --- Health ----------------------------------------------------------------------------------


def test_healthz_is_ok_without_login_and_without_a_session(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    class Broken:
        def cursor(self):
            raise ConnectionError("database is down")

    monkeypatch.setattr(health, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert b"database" in response.content


# --- Accessibility statement ------------------------------------------------------------------


def test_accessibility_statement_is_public_and_honest(client, db):
    response = client.get("/tilgaengelighed/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Tilgængelighedserklæring" in content
    assert "WCAG 2.1" in content and "axe-core" in content and "PDF/UA" in content
    assert "Udfyldes af kommunen" not in content  # no placeholders shown to the public
    assert "endnu ikke angivet, hvor du kan henvende dig" in content  # it says what is missing
    assert "Digitaliseringsstyrelsen" in content
    assert "@" not in content.split("<main")[1]  # no invented e-mail address


def test_every_page_links_to_the_accessibility_statement(client, editor, plan):
    href = f'href="{reverse("accessibility")}"'
    assert href in client.get("/accounts/login/").content.decode()
    client.force_login(editor)
    assert href in client.get(f"/plans/{plan.slug}/").content.decode()


# --- Login lock-out (django-axes) ------------------------------------------------------------


def login(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_repeated_failed_logins_lock_out_the_username_from_that_address(client, editor, settings, caplog):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, editor.username, "forkert").status_code == 200
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        response = login(client, editor.username, "forkert")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Log ind er midlertidigt spærret" in content and "15 minutter" in content
    assert any(getattr(r, "event", "") == "locked_out" for r in caplog.records)
    # Even the right password is refused now, from that address...
    assert login(client, editor.username, "pw").status_code == 429
    # ...but not from another address, nor for another user from the same one.
    assert login(Client(), editor.username, "pw", ip="10.0.0.2").status_code == 302


def test_lock_out_ends_after_the_cool_off_time(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, editor.username, "forkert")
    assert login(client, editor.username, "pw").status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert login(client, editor.username, "pw").status_code == 302


def test_axes_backend_comes_first_also_with_single_sign_on():
    from django.conf import settings

    from axes.backends import AxesStandaloneBackend
    from django.utils.module_loading import import_string

    assert settings.AUTHENTICATION_BACKENDS[0] == "config.security.AxesBackend"
    assert issubclass(import_string(settings.AUTHENTICATION_BACKENDS[0]), AxesStandaloneBackend)
    env = production_env(OIDC_RP_CLIENT_ID="portal")
    script = "import django; django.setup(); from django.conf import settings; print(settings.AUTHENTICATION_BACKENDS)"
    result = run([sys.executable, "-c", script], env)
    assert result.returncode == 0, result.stderr
    backends = eval(result.stdout)  # a printed list of strings
    assert backends[0] == "config.security.AxesBackend"
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    assert any(issubclass(import_string(path), OIDCAuthenticationBackend) for path in backends)


# --- Sessions ---------------------------------------------------------------------------------


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def test_session_ends_after_inactivity(client, editor, settings):
    client.force_login(editor)
    assert client.get("/").status_code == 200
    set_session(client, **{SEEN_AT: int(time.time()) - settings.SESSION_IDLE_SECONDS - 5})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_session_ends_after_its_absolute_limit_even_when_active(client, editor, settings):
    client.force_login(editor)
    set_session(client, **{LOGIN_AT: int(time.time()) - settings.SESSION_MAX_SECONDS - 5,
                           SEEN_AT: int(time.time())})
    assert client.get("/").status_code == 302


def test_active_session_stays(client, editor):
    client.force_login(editor)
    set_session(client, **{SEEN_AT: int(time.time()) - 120})
    assert client.get("/").status_code == 200
    assert client.session[SEEN_AT] >= int(time.time()) - 5  # the idle clock was renewed


def test_password_change_ends_the_other_sessions_but_keeps_this_one(editor):
    this, other = Client(), Client()
    this.force_login(editor)
    other.force_login(editor)
    response = this.post("/accounts/password_change/", {
        "old_password": "pw", "new_password1": "Blaabaergroed-i-Svendborg-42", "new_password2": "Blaabaergroed-i-Svendborg-42",
    })
    assert response.status_code == 302
    assert this.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_code_without_a_request_still_authenticates(editor):
    from django.contrib.auth import authenticate

    assert authenticate(username=editor.username, password="pw") == editor


def test_password_validators_are_configured(settings):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    assert len(settings.AUTH_PASSWORD_VALIDATORS) == 4
    with pytest.raises(ValidationError):
        validate_password("12345678")


# --- Security log lines -----------------------------------------------------------------------


def events(caplog):
    return [(r.event, r.user) for r in caplog.records if r.name == "portal.security" and hasattr(r, "event")]


def test_login_logout_and_failed_login_are_logged(client, editor, caplog):
    with caplog.at_level(logging.INFO, logger="portal.security"):
        login(client, editor.username, "forkert")
        login(client, editor.username, "pw")
        client.post("/accounts/logout/")
    assert events(caplog) == [("login_failed", "redaktoer"), ("login", "redaktoer"), ("logout", "redaktoer")]


def test_refused_access_is_logged(client, reader, initiative, caplog):
    client.force_login(reader)
    with caplog.at_level(logging.INFO, logger="portal.security"):
        assert client.get(f"/initiatives/{initiative.pk}/edit/").status_code == 403
    assert ("access_denied", "laeser") in events(caplog)


def test_log_lines_are_key_value():
    from config.logging import KeyValueFormatter

    record = logging.makeLogRecord({"name": "portal.security", "levelname": "WARNING", "msg": "login failed",
                                    "event": "login_failed", "user": "a b", "ip": "10.0.0.1"})
    line = KeyValueFormatter().format(record)
    assert "level=WARNING logger=portal.security event=login_failed user=\"a b\" ip=10.0.0.1" in line
    assert "\n" not in line


# --- Error pages with DEBUG off (pytest-django runs with DEBUG off) ---------------------------


def boom(request):
    raise RuntimeError("hemmelig-detalje fra stakken")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", boom), path("forbudt/", forbidden), path("", include("config.urls"))]


@pytest.mark.urls(__name__)
def test_500_shows_the_danish_page_and_nothing_from_the_stack_trace(db, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Der skete en fejl" in content
    assert "hemmelig-detalje" not in content and "Traceback" not in content and "RuntimeError" not in content
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged and logged[0].exc_info  # the traceback goes to the log, not the user


@pytest.mark.urls(__name__)
def test_403_404_400_render_the_danish_pages(client, db):
    response = client.get("/forbudt/")
    assert response.status_code == 403 and "Ingen adgang" in response.content.decode()
    response = client.get("/findes-ikke/")
    assert response.status_code == 404 and "<h1>" in response.content.decode()
    response = client.get("/accounts/login/", HTTP_HOST="ukendt.example.com")
    assert response.status_code == 400 and 'lang="da"' in response.content.decode()
    assert "ALLOWED_HOSTS" not in response.content.decode()
