"""Single sign-on settings from the environment (see README, "Single sign-on").

Kept apart from settings.py so the tests build the very same settings from a test
environment (tests/sso_provider) that production builds from its own.
"""

from urllib.parse import urlsplit

SSO_BACKENDS = [
    "config.security.AxesBackend",
    "config.oidc.PortalOIDCBackend",
    "config.sessions.ModelBackend",
]
MATCH_CLAIMS = ("email", "preferred_username", "upn")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(env, csp: dict) -> dict:
    """The Django settings for OpenID Connect login from the environment `env`, with the
    content security policy `csp` widened just enough for it."""
    if not env.get("OIDC_RP_CLIENT_ID"):
        return {"OIDC_ENABLED": False}
    logout = urlsplit(env.get("OIDC_OP_LOGOUT_ENDPOINT", ""))
    if logout.scheme and logout.netloc:
        # "Log af" is a form whose answer redirects to the provider's end-session endpoint;
        # browsers apply form-action to that redirect too.
        csp = {**csp, "form-action": [*csp.get("form-action", []), f"{logout.scheme}://{logout.netloc}"]}
    return {
        "SECURE_CSP": csp,
        "OIDC_ENABLED": True,
        "AUTHENTICATION_BACKENDS": SSO_BACKENDS,
        "OIDC_RP_CLIENT_ID": env["OIDC_RP_CLIENT_ID"],
        "OIDC_RP_CLIENT_SECRET": env.get("OIDC_RP_CLIENT_SECRET", ""),
        "OIDC_RP_SIGN_ALGO": env.get("OIDC_RP_SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": env.get("OIDC_RP_SCOPES", "openid email profile"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": env.get("OIDC_OP_AUTHORIZATION_ENDPOINT", ""),
        "OIDC_OP_TOKEN_ENDPOINT": env.get("OIDC_OP_TOKEN_ENDPOINT", ""),
        "OIDC_OP_USER_ENDPOINT": env.get("OIDC_OP_USER_ENDPOINT", ""),
        "OIDC_OP_JWKS_ENDPOINT": env.get("OIDC_OP_JWKS_ENDPOINT", ""),
        # RP-initiated logout: "Log af" also ends the session at the provider.
        "OIDC_OP_LOGOUT_ENDPOINT": env.get("OIDC_OP_LOGOUT_ENDPOINT", ""),
        "OIDC_POST_LOGOUT_REDIRECT_URL": env.get("OIDC_POST_LOGOUT_REDIRECT_URL", ""),
        "OIDC_STORE_ID_TOKEN": True,  # the id_token_hint for the provider's logout
        "OIDC_USE_PKCE": _bool(env.get("OIDC_USE_PKCE"), True),
        # Which claim finds the portal user (compared with the user's e-mail address).
        "OIDC_MATCH_CLAIM": env.get("OIDC_MATCH_CLAIM", "email"),
        "LOGIN_REDIRECT_URL_FAILURE": env.get("OIDC_FAILURE_URL", "/accounts/login/"),
        "OIDC_CREATE_USER": _bool(env.get("OIDC_CREATE_USER"), False),
        # Memberships for users the provider vouches for: "claim value=kommune-slug:rolle, ..."
        # read from the claim OIDC_ROLE_CLAIM (e.g. groups), and a default for created users.
        "OIDC_ROLE_CLAIM": env.get("OIDC_ROLE_CLAIM", ""),
        "OIDC_ROLE_MAP": env.get("OIDC_ROLE_MAP", ""),
        "OIDC_DEFAULT_MEMBERSHIP": env.get("OIDC_DEFAULT_MEMBERSHIP", ""),
        "OIDC_TIMEOUT": 10,
    }


def parse_memberships(text: str) -> list[tuple[str, str, str]]:
    """"a=svendborg:editor, b=nyborg:reader" -> [("a", "svendborg", "editor"), ...]; the
    default membership has no claim value ("svendborg:reader"). Raises ValueError."""
    result = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        value, _, target = item.rpartition("=")
        slug, sep, role = target.partition(":")
        if not sep or not slug.strip() or not role.strip():
            raise ValueError(item)
        result.append((value.strip(), slug.strip(), role.strip()))
    return result
