"""Single sign-on in a real browser, through the real test provider: one login walk
(portal button, provider login, consent, back on the page asked for) and "Log af",
which ends the provider session too. The refusals are covered at HTTP level in
tests/masterplan/test_sso.py."""

import pytest

from tests.sso_provider import run_provider
from tests.sso_provider.fixtures import switch_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings, live_server):
    with run_provider([live_server.url]) as provider:
        switch_on(settings, provider)
        yield provider


def test_sso_login_walk_keeps_next_and_logout_ends_the_provider_session(
        page, live_server, provider, editor, plan, assert_accessible):
    editor.email, editor.first_name, editor.last_name = "rikke@testkommune.dk", "Rikke", "Redaktør"
    editor.save()
    provider.add_user("rikke", "idp-kode", email="rikke@testkommune.dk", email_verified=True)

    page.goto(f"{live_server.url}/accounts/login/?next=/plans/{plan.slug}/")
    page.get_by_role("link", name="Log ind med kommunens login").click()
    page.wait_for_url(f"{provider.url}/login/**")
    page.fill("#id_username", "rikke")
    page.fill("#id_password", "idp-kode")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize").click()  # consent at the provider
    page.wait_for_url(f"{live_server.url}/plans/{plan.slug}/")
    assert "Rikke Redaktør" in page.locator("header").inner_text()

    page.get_by_role("button", name="Log af").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "Du er logget af" in page.locator(".messages").inner_text()
    assert_accessible()
    # The provider session is gone: the next SSO click asks for the login again.
    page.get_by_role("link", name="Log ind med kommunens login").click()
    page.wait_for_url(f"{provider.url}/login/**")
    assert page.locator("#id_password").is_visible()
