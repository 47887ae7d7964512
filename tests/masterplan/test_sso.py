"""Single sign-on is switched on by settings from the environment, beside the
username/password login."""

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
