"""pytest fixtures for single sign-on against the real test provider (imported by
tests/conftest.py): `sso_provider` runs it for the whole session, `sso` switches the
portal's SSO on against it, `idp_browser` is a person's browser at the provider."""

import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings as django_settings

from config.oidc_settings import from_environment

from . import Provider, run_provider

PORTAL = "http://testserver"
BASE_CSP = django_settings.SECURE_CSP  # as config/settings.py made it, before any test changed it


@pytest.fixture(scope="session")
def sso_provider():
    with run_provider([PORTAL]) as provider:
        yield provider


def switch_on(settings, provider: Provider, **env) -> None:
    """Single sign-on on, from an environment as municipal IT would write it."""
    for name, value in from_environment(provider.settings(**env), BASE_CSP).items():
        setattr(settings, name, value)
    settings.ROOT_URLCONF = "tests.sso_provider.portal_urls"


@pytest.fixture
def sso(settings, sso_provider):
    switch_on(settings, sso_provider)

    class SSO:
        provider = sso_provider

        @staticmethod
        def configure(**env):
            switch_on(settings, sso_provider, **env)

        @staticmethod
        def person(**claims) -> str:
            """A new person at the provider with these claims; returns their username there."""
            username = f"idp-{uuid.uuid4().hex[:10]}"
            sso_provider.add_user(username, **claims)
            return username

    return SSO


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields, self.buttons = None, {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action") or ""
        elif tag in ("input", "button") and attrs.get("name"):
            target = self.buttons if attrs.get("type") == "submit" or tag == "button" else self.fields
            target[attrs["name"]] = attrs.get("value", "")


class IdpBrowser:
    """A person's browser at the provider: its own cookies, redirects followed while they
    stay at the provider; a redirect back to the portal is returned, not followed."""

    def __init__(self, provider: Provider):
        self.provider = provider
        self.session = requests.Session()

    def _follow(self, response):
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.provider.url):
                return response, location
            response = self.session.get(location, allow_redirects=False, timeout=10)
        return response, None

    def get(self, url):
        return self._follow(self.session.get(url, allow_redirects=False, timeout=10))

    def submit(self, response, data=None, button=None):
        form = _Form()
        form.feed(response.text)
        fields = {**form.fields, **(data or {})}
        if button:
            fields[button] = form.buttons[button]
        url = urljoin(response.url, form.action)
        return self._follow(self.session.post(url, data=fields, allow_redirects=False, timeout=10))

    def sign_in(self, url, username, password="idp-pw", consent=True):
        """From the portal's redirect to the provider until the provider sends the browser
        back: the login form and the consent page as they come. Returns the URL back."""
        response, back = self.get(url)
        if back is None and 'name="password"' in response.text:
            response, back = self.submit(response, {"username": username, "password": password})
        if back is None and 'name="allow"' in response.text:
            response, back = self.submit(response, button="allow" if consent else None)
        assert back is not None, response.text
        return back


@pytest.fixture
def idp_browser(sso_provider):
    return IdpBrowser(sso_provider)
