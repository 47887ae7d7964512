"""System checks for single sign-on: a half-configured provider fails `check` (and so
`migrate` and `runserver`) instead of the first login failing; `check --deploy` also
demands https for every provider URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from config.oidc_settings import MATCH_CLAIMS, parse_memberships

REQUIRED = ["OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT"]
URLS = ["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT", "OIDC_OP_LOGOUT_ENDPOINT", "OIDC_POST_LOGOUT_REDIRECT_URL"]
SIGN_ALGOS = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"}


@register(Tags.security)
def check_oidc_settings(app_configs, **kwargs):
    if not settings.OIDC_ENABLED:
        return []
    errors = []
    algo = getattr(settings, "OIDC_RP_SIGN_ALGO", "")
    required = REQUIRED + (["OIDC_OP_JWKS_ENDPOINT"] if algo.startswith(("RS", "ES")) else [])
    for name in required:
        if not getattr(settings, name, ""):
            errors.append(Error(f"{name} is not set, but OIDC_RP_CLIENT_ID is: single sign-on cannot work.",
                                hint="Set it from the provider's discovery document, or unset OIDC_RP_CLIENT_ID.",
                                id="portal.E001"))
    if algo not in SIGN_ALGOS:
        errors.append(Error(f"OIDC_RP_SIGN_ALGO={algo!r} is not one of {', '.join(sorted(SIGN_ALGOS))}.",
                            id="portal.E002"))
    if getattr(settings, "OIDC_MATCH_CLAIM", "") not in MATCH_CLAIMS:
        errors.append(Error(f"OIDC_MATCH_CLAIM must be one of {', '.join(MATCH_CLAIMS)}.", id="portal.E003"))
    if "openid" not in getattr(settings, "OIDC_RP_SCOPES", "").split():
        errors.append(Error("OIDC_RP_SCOPES must include openid.", id="portal.E004"))
    from masterplan.models import Membership

    for name in ("OIDC_ROLE_MAP", "OIDC_DEFAULT_MEMBERSHIP"):
        try:
            entries = parse_memberships(getattr(settings, name, ""))
        except ValueError as exc:
            errors.append(Error(f"{name}: cannot read {exc} (write value=kommune-slug:role).", id="portal.E005"))
            continue
        for _, _, role in entries:
            if role not in Membership.Role.values:
                errors.append(Error(f"{name}: unknown role {role!r}; use one of {', '.join(Membership.Role.values)}.",
                                    id="portal.E005"))
    if getattr(settings, "OIDC_ROLE_MAP", "") and not getattr(settings, "OIDC_ROLE_CLAIM", ""):
        errors.append(Error("OIDC_ROLE_MAP is set but OIDC_ROLE_CLAIM (e.g. groups) is not.", id="portal.E006"))
    return errors


@register(Tags.security, deploy=True)
def check_oidc_https(app_configs, **kwargs):
    if not settings.OIDC_ENABLED:
        return []
    return [
        Error(f"{name} must be an https URL in production, not {getattr(settings, name)!r}.", id="portal.E010")
        for name in URLS
        if getattr(settings, name, "") and urlsplit(getattr(settings, name)).scheme != "https"
    ]
