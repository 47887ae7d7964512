"""Single sign-on is switched on by settings from the environment, beside the
username/password login."""

import io
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
setup_test_environment()
print(reverse("oidc_authentication_init"))
print("Log ind med kommunens login" in Client().get("/accounts/login/").content.decode())
"""


def run_probe(extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(extra_env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_oidc_login_appears_when_configured():
    result = run_probe({
        "OIDC_RP_CLIENT_ID": "portal", "OIDC_RP_CLIENT_SECRET": "hemmelig",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
    })
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/oidc/authenticate/", "True"]


def test_oidc_is_off_by_default():
    result = run_probe({})
    assert result.returncode != 0
    assert "NoReverseMatch" in result.stderr


# --- Against a real provider (tests/sso_provider: django-oidc-provider, RS256, consent) -----

import logging  # noqa: E402

import pytest  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from masterplan.models import Membership  # noqa: E402
from django.test import Client  # noqa: E402

from tests.conftest import make_user  # noqa: E402
from tests.sso_provider.fixtures import IdpBrowser  # noqa: E402

PORTAL = "http://testserver"


def sso_login(client, idp_browser, username, next_url=None, consent=True):
    """The whole walk: the portal's SSO button, the provider's login and consent, and the
    provider's redirect back to the portal's callback. Returns the callback's response."""
    start = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert start.status_code == 302 and start["Location"].startswith(idp_browser.provider.url)
    back = idp_browser.sign_in(start["Location"], username, consent=consent)
    assert back.startswith(f"{PORTAL}/oidc/callback/")
    return client.get(back)


def refusal(response, client):
    """The login page a refused SSO login lands on, with its Danish message."""
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def sso_events(caplog):
    return [r for r in caplog.records if r.name == "portal.security" and getattr(r, "via", "") == "sso"]


def test_matching_user_is_logged_in_and_next_is_kept(client, sso, idp_browser, editor, plan, caplog):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    person = sso.person(email="Redaktoer@Testkommune.dk", email_verified=True, name="Rikke Redaktør")
    with caplog.at_level(logging.INFO, logger="portal.security"):
        response = sso_login(client, idp_browser, person, next_url=f"/plans/{plan.slug}/")
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.slug}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["user"] == editor
    editor.refresh_from_db()
    assert editor.get_full_name() == "Rikke Redaktør"  # from the claims, as the user had no name
    [event] = sso_events(caplog)
    assert (event.event, event.user) == ("login", editor.username)


def test_a_user_logged_in_by_sso_and_then_deactivated_is_logged_out_at_once(client, sso, idp_browser, editor, plan):
    """mozilla-django-oidc's backend reads the session's user without looking at is_active;
    the portal's (config.sessions.UserFromSession) ends such a session at the next request."""
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    response = sso_login(client, idp_browser, sso.person(email=editor.email), next_url=f"/plans/{plan.slug}/")
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "config.oidc.PortalOIDCBackend"
    assert client.get(f"/plans/{plan.slug}/").status_code == 200
    get_user_model().objects.filter(pk=editor.pk).update(is_active=False)
    response = client.get(f"/plans/{plan.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unknown_email_is_refused_with_the_address_and_logged(client, sso, idp_browser, editor, caplog):
    person = sso.person(email="ukendt@testkommune.dk")
    with caplog.at_level(logging.INFO, logger="portal.security"):
        page = refusal(sso_login(client, idp_browser, person), client)
    assert "Der er ingen bruger i portalen med e-mailadressen ukendt@testkommune.dk" in page
    [event] = sso_events(caplog)
    assert (event.event, event.reason, event.claimed) == ("login_failed", "no_user", "ukendt@testkommune.dk")
    assert not client.session.get("_auth_user_id")


def test_declined_consent_is_refused_with_its_own_message(client, sso, idp_browser, editor, caplog):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    person = sso.person(email=editor.email)
    with caplog.at_level(logging.INFO, logger="portal.security"):
        page = refusal(sso_login(client, idp_browser, person, consent=False), client)
    assert "du ikke gav portalen lov til at bruge dine oplysninger" in page
    [event] = sso_events(caplog)
    assert (event.reason, event.detail) == ("consent_declined", "access_denied")
    assert not client.session.get("_auth_user_id")


def test_two_users_with_the_same_email_are_refused(client, sso, idp_browser, org):
    make_user("anna1", org, Membership.Role.READER, email="anna@testkommune.dk")
    make_user("anna2", org, Membership.Role.EDITOR, email="ANNA@testkommune.dk")
    page = refusal(sso_login(client, idp_browser, sso.person(email="anna@testkommune.dk")), client)
    assert "Flere brugere i portalen har e-mailadressen anna@testkommune.dk" in page


def test_lost_session_is_refused_and_the_starting_browser_can_still_finish(client, sso, idp_browser, editor, caplog):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    start = client.get("/oidc/authenticate/", {"next": "/plans/testplan/"})
    back = idp_browser.sign_in(start["Location"], sso.person(email=editor.email))
    other_browser = Client()  # e.g. the session expired, or the link was opened elsewhere
    with caplog.at_level(logging.INFO, logger="portal.security"):
        response = other_browser.get(back)
    page = refusal(response, other_browser)
    assert "portalen ikke kunne genkende din session" in page
    assert [e.reason for e in sso_events(caplog)] == ["session_lost"]
    # The original browser can still finish: its session knows the state.
    assert client.get(back)["Location"] == "/plans/testplan/"


def test_unverified_email_is_refused(client, sso, idp_browser, editor):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    page = refusal(sso_login(client, idp_browser, sso.person(email=editor.email, email_verified=False)), client)
    assert "har ikke bekræftet e-mailadressen redaktoer@testkommune.dk" in page


def test_inactive_user_is_refused(client, sso, idp_browser, editor):
    editor.email, editor.is_active = "redaktoer@testkommune.dk", False
    editor.save()
    page = refusal(sso_login(client, idp_browser, sso.person(email=editor.email)), client)
    assert "er deaktiveret" in page


def test_bad_code_and_wrong_client_secret_are_refusals_not_500s(client, sso, idp_browser, editor, caplog):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    person = sso.person(email=editor.email)
    start = client.get("/oidc/authenticate/")
    back = idp_browser.sign_in(start["Location"], person)
    with caplog.at_level(logging.INFO, logger="portal.security"):
        page = refusal(client.get(back.replace("code=", "code=forkert")), client)
    assert "Portalen kunne ikke hente dit login fra kommunens login" in page
    sso.configure(OIDC_RP_CLIENT_SECRET="forkert-hemmelighed")
    start = client.get("/oidc/authenticate/")
    with caplog.at_level(logging.INFO, logger="portal.security"):
        page = refusal(client.get(idp_browser.sign_in(start["Location"], person)), client)
    assert "Portalen kunne ikke hente dit login fra kommunens login" in page
    details = [(e.reason, e.detail.split(" from ")[0]) for e in sso_events(caplog)]
    assert details == [("provider_error", "HTTP 400 invalid_grant"), ("provider_error", "HTTP 400 invalid_client")]
    assert not client.session.get("_auth_user_id")


def test_unreachable_provider_is_a_refusal(client, sso, idp_browser, editor):
    person = sso.person(email="x@testkommune.dk")
    start = client.get("/oidc/authenticate/")
    back = idp_browser.sign_in(start["Location"], person)
    sso.configure(OIDC_OP_TOKEN_ENDPOINT="http://127.0.0.1:9/token")  # nothing listens on the discard port
    page = refusal(client.get(back), client)
    assert "Portalen kunne ikke hente dit login fra kommunens login" in page


def test_failed_sso_logins_lock_out_only_that_identity(client, sso, idp_browser, settings, org, editor, caplog):
    settings.AXES_FAILURE_LIMIT = 3
    stranger = sso.person(email="fremmed@andetsted.dk")
    # Provider errors say nobody's name: however many, they count for no one.
    sso.configure(OIDC_RP_CLIENT_SECRET="forkert")
    for _ in range(3):
        refusal(sso_login(client, idp_browser, stranger), client)
    sso.configure()
    for _ in range(2):
        refusal(sso_login(client, idp_browser, stranger), client)
    with caplog.at_level(logging.INFO, logger="portal.security"):
        locked = sso_login(client, idp_browser, stranger)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Log ind med kommunens login er afvist 3 gange i træk for fremmed@andetsted.dk" in text
    assert "forkert adgangskode" not in text
    assert any(r.event == "locked_out" and r.user == "fremmed@andetsted.dk" for r in caplog.records
               if r.name == "portal.security")
    # Everybody else behind the same address still gets in, by SSO and by password.
    make_user("kollega", org, Membership.Role.READER, email="kollega@testkommune.dk")
    colleague = Client()
    assert sso_login(colleague, IdpBrowser(sso.provider), sso.person(email="kollega@testkommune.dk"))["Location"] == "/"
    assert Client().post("/accounts/login/", {"username": editor.username, "password": "pw"}).status_code == 302
    # IT lifts the lock-out by the claimed e-mail address, as the README says.
    call_command("axes_reset_username", "fremmed@andetsted.dk", stdout=io.StringIO())
    assert sso_login(client, idp_browser, stranger).status_code == 302


def test_logout_ends_the_provider_session_too(client, sso, idp_browser, editor):
    editor.email = "redaktoer@testkommune.dk"
    editor.save()
    person = sso.person(email=editor.email)
    assert sso_login(client, idp_browser, person)["Location"] == "/"
    # While the provider session lasts, the next SSO click signs straight in (no login form).
    start = client.get("/oidc/authenticate/")
    response, back = idp_browser.get(start["Location"])
    assert back is not None and back.startswith(f"{PORTAL}/oidc/callback/")
    assert client.get(back)["Location"] == "/"

    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"].startswith(f"{sso.provider.url}/end-session?")
    assert not client.session.get("_auth_user_id")
    _, back = idp_browser.get(response["Location"])
    assert back == f"{PORTAL}/accounts/login/"
    assert "Du er logget af" in client.get(back).content.decode()
    # The provider has forgotten the person: the next SSO click asks for the login again.
    start = client.get("/oidc/authenticate/")
    response, back = idp_browser.get(start["Location"])
    assert back is None and 'name="password"' in response.text


def test_password_logout_says_so_and_stays_in_the_portal(client, sso, editor):
    client.force_login(editor)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert "Du er logget af" in client.get(response["Location"]).content.decode()


def test_created_user_gets_name_username_and_mapped_membership(client, sso, idp_browser, org, other_org, plan):
    sso.configure(OIDC_CREATE_USER="1", OIDC_RP_SCOPES="openid email profile groups", OIDC_ROLE_CLAIM="groups",
                  OIDC_ROLE_MAP="sg-masterplan-redaktoer=testkommune:editor,sg-andet=andenkommune:manager",
                  OIDC_DEFAULT_MEMBERSHIP="testkommune:reader")
    person = sso.person(email="mette.hansen@testkommune.dk", name="Mette Hansen", preferred_username="meha",
                        groups=["sg-masterplan-redaktoer", "alle-ansatte"])
    assert sso_login(client, idp_browser, person)["Location"] == "/"
    user = get_user_model().objects.get(email="mette.hansen@testkommune.dk")
    assert (user.username, user.get_full_name(), user.has_usable_password()) == ("meha", "Mette Hansen", False)
    assert [(m.organization, m.role) for m in user.memberships.all()] == [(org, Membership.Role.EDITOR)]
    assert "Mette Hansen" in client.get("/").content.decode()
    # A group added at the provider adds its membership at the next login.
    sso.provider.add_user(person, email="mette.hansen@testkommune.dk", groups=["sg-masterplan-redaktoer", "sg-andet"])
    assert sso_login(Client(), IdpBrowser(sso.provider), person)["Location"] == "/"
    assert {(m.organization, m.role) for m in user.memberships.all()} == {
        (org, Membership.Role.EDITOR), (other_org, Membership.Role.MANAGER)}
    # Someone in no mapped group gets the default membership.
    other = sso.person(email="ole@testkommune.dk", given_name="Ole", family_name="Olsen")
    assert sso_login(Client(), IdpBrowser(sso.provider), other)["Location"] == "/"
    ole = get_user_model().objects.get(email="ole@testkommune.dk")
    assert (ole.username, ole.get_full_name()) == ("ole@testkommune.dk", "Ole Olsen")
    assert [(m.organization, m.role) for m in ole.memberships.all()] == [(org, Membership.Role.READER)]


def test_entra_users_without_a_mailbox_match_by_preferred_username(client, sso, idp_browser, editor):
    sso.configure(OIDC_MATCH_CLAIM="preferred_username")
    editor.email = "rr@testkommune.onmicrosoft.com"
    editor.save()
    person = sso.person(preferred_username="RR@testkommune.onmicrosoft.com")  # no email claim
    assert sso_login(client, idp_browser, person)["Location"] == "/"
    assert client.session["_auth_user_id"] == str(editor.pk)
    # With the default match claim the same person is refused, and told why.
    sso.configure()
    other = Client()
    page = refusal(sso_login(other, IdpBrowser(sso.provider), person), other)
    assert "sendte ikke den oplysning (email)" in page


# --- check --deploy ---------------------------------------------------------------------------

COMPLETE_SSO = {
    "OIDC_RP_CLIENT_ID": "masterplan", "OIDC_RP_CLIENT_SECRET": "hemmelig",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.dk/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.dk/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example.dk/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.dk/jwks",
    "OIDC_OP_LOGOUT_ENDPOINT": "https://login.example.dk/logout",
}


def check_deploy(**oidc_env):
    from tests.test_production import production_env, run

    return run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
               production_env(**oidc_env))


def test_check_deploy_passes_with_complete_single_sign_on():
    result = check_deploy(**COMPLETE_SSO, OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP="g1=svendborg:editor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_on_half_configured_single_sign_on():
    env = {**COMPLETE_SSO, "OIDC_OP_AUTHORIZATION_ENDPOINT": "http://login.example.dk/authorize",
           "OIDC_MATCH_CLAIM": "mail", "OIDC_ROLE_MAP": "g1=svendborg:chef"}
    del env["OIDC_OP_TOKEN_ENDPOINT"], env["OIDC_OP_JWKS_ENDPOINT"]
    result = check_deploy(**env)
    assert result.returncode != 0
    for expected in ["OIDC_OP_TOKEN_ENDPOINT is not set", "OIDC_OP_JWKS_ENDPOINT is not set",
                     "OIDC_OP_AUTHORIZATION_ENDPOINT must be an https URL", "OIDC_MATCH_CLAIM must be one of",
                     "unknown role 'chef'", "OIDC_ROLE_MAP is set but OIDC_ROLE_CLAIM"]:
        assert expected in result.stderr, result.stderr
