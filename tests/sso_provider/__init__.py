"""A real OpenID Connect provider for the single sign-on tests: django-oidc-provider in
a tiny Django project of its own (settings.py, urls.py), started as a subprocess on a
loopback port by `run_provider()`, with RS256 keys, consent and end-session."""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
CLIENT_ID = "masterplan-portal"
CLIENT_SECRET = "test-hemmelighed"


class Provider:
    def __init__(self, url: str):
        self.url = url

    def add_user(self, username: str, password: str = "idp-pw", **claims) -> None:
        """A person at the provider, with the claims it sends about them (email, name, ...)."""
        response = requests.put(f"{self.url}/test/users/{username}", json={"password": password, "claims": claims},
                                timeout=10)
        response.raise_for_status()

    def settings(self, **extra) -> dict:
        """The portal's environment for this provider, as municipal IT would set it."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID, "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/end-session",
            **extra,
        }


@contextlib.contextmanager
def run_provider(portal_urls: list[str]):
    """Start the provider for portals at `portal_urls` (redirect and post-logout URIs are
    registered for each); stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="sso-provider-") as tmp:
        env = {**os.environ, "SSO_PROVIDER_DB": str(Path(tmp) / "provider.sqlite3"),
               "SSO_PROVIDER_CLIENT": json.dumps({
                   "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                   "redirect_uris": [f"{url}/oidc/callback/" for url in portal_urls],
                   "post_logout_redirect_uris": [f"{url}/accounts/login/" for url in portal_urls],
               })}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        errors = open(Path(tmp) / "provider.log", "w+")  # a file, not a pipe nobody drains
        process = subprocess.Popen([sys.executable, "-m", "tests.sso_provider.serve"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            line = process.stdout.readline()
            if not line.startswith("port "):
                process.kill()
                errors.seek(0)
                raise RuntimeError(f"test provider did not start: {line}{errors.read()}")
            yield Provider(f"http://127.0.0.1:{int(line.split()[1])}")
        finally:
            process.terminate()
            process.wait(timeout=10)
            errors.close()
