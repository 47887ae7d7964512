"""Single sign-on with the municipality's OpenID Connect provider, on mozilla-django-oidc.

What the library leaves to us, and municipal IT needs: every refusal gets a Danish
message on the login page and one log line with the claimed identity and the reason;
failed attempts count towards the lock-out per claimed identity, never per shared
address (config.security.axes_username); errors from the provider are refusals, not
500s; the ID token's audience is checked; created users get their name and memberships
from the claims; "Log af" also ends the session at the provider.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from axes.handlers.proxy import AxesProxyHandler
from config.oidc_settings import parse_memberships
from config.sessions import UserFromSession
from masterplan.models import Membership, Organization

log = logging.getLogger("portal.security")


@dataclass
class Attempt:
    """One single sign-on callback: whom the provider vouched for, and why it failed."""

    identity: str | None = None  # the match claim's value, once the claims are read
    reason: str | None = None
    detail: str = ""
    logged: bool = False

    def refuse(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail[:300]


def refusal_message(attempt: Attempt) -> str:
    identity = attempt.identity or ""
    messages_by_reason = {
        "consent_declined": _("Du blev ikke logget ind, fordi du ikke gav portalen lov til at bruge dine "
                              "oplysninger hos kommunens login."),
        "provider_refused": _("Kommunens login afviste at logge dig ind (fejlkode: %(code)s). Prøv igen, eller "
                              "kontakt jeres IT-afdeling.") % {"code": attempt.detail},
        "session_lost": _("Log ind med kommunens login blev afbrudt, fordi portalen ikke kunne genkende din "
                          "session. Den kan være udløbet, eller log ind blev startet i et andet vindue. Prøv igen."),
        "provider_error": _("Portalen kunne ikke hente dit login fra kommunens login, så du er ikke logget ind. "
                            "Prøv igen om lidt. Sker det igen, så kontakt jeres IT-afdeling."),
        "claim_missing": _("Kommunens login sendte ikke den oplysning (%(claim)s), som portalen finder din bruger "
                           "ud fra. Kontakt jeres IT-afdeling.") % {"claim": attempt.detail},
        "email_not_verified": _("Kommunens login har ikke bekræftet e-mailadressen %(email)s, så portalen kan ikke "
                                "bruge den til at finde din bruger. Kontakt jeres IT-afdeling.") % {"email": identity},
        "no_user": _("Der er ingen bruger i portalen med e-mailadressen %(email)s. Bed en administrator i jeres "
                     "kommune om at oprette dig.") % {"email": identity},
        "several_users": _("Flere brugere i portalen har e-mailadressen %(email)s, så portalen kan ikke vide, "
                           "hvem du er. Bed en administrator om at rette det.") % {"email": identity},
        "inactive": _("Din bruger i portalen (%(email)s) er deaktiveret. Kontakt en administrator i jeres "
                      "kommune.") % {"email": identity},
    }
    return messages_by_reason.get(attempt.reason, messages_by_reason["provider_error"])


def log_refusal(request, attempt: Attempt) -> None:
    from config.security import client_ip

    attempt.logged = True
    log.warning("login failed", extra={
        "event": "login_failed", "via": "sso", "reason": attempt.reason or "-", "claimed": attempt.identity or "-",
        "detail": attempt.detail or "-", "user": "-", "ip": client_ip(request),
    })


def _provider_detail(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is None:
        return f"{type(exc).__name__}: {exc}"
    try:
        code = response.json().get("error", "")
    except ValueError:
        code = ""
    return f"HTTP {response.status_code} {code} from {response.url.split('?')[0]}".replace("  ", " ")


def _claim_values(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


class PortalOIDCBackend(UserFromSession, OIDCAuthenticationBackend):
    """Finds the portal user the provider vouches for, or refuses with a reason. A logged-in
    request's user comes with its session, and an inactive user is nobody (`UserFromSession`)."""

    def authenticate(self, request, **kwargs):
        attempt = getattr(request, "sso_attempt", None)
        if attempt is None:
            return None  # not the SSO callback: the password form, the admin, code
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError, KeyError) as exc:
            # A bad or expired code, a wrong client secret, an unreachable or misbehaving
            # provider, a token that fails its signature check.
            attempt.refuse("provider_error", _provider_detail(exc))
            return None

    def get_or_create_user(self, access_token, id_token, payload):
        attempt = self.request.sso_attempt
        audience = payload.get("aud")
        if self.OIDC_RP_CLIENT_ID not in (audience if isinstance(audience, list) else [audience]):
            attempt.refuse("provider_error", f"ID token for another client: aud={audience}")
            return None
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub", payload.get("sub")) != payload.get("sub"):
            attempt.refuse("provider_error", "userinfo is about another subject than the ID token")
            return None
        # The ID token's claims too: Entra ID sends preferred_username and groups only there.
        claims = {**payload, **userinfo}
        match_claim = self.get_settings("OIDC_MATCH_CLAIM", "email")
        identity = str(claims.get(match_claim) or "").strip()
        if not identity:
            attempt.refuse("claim_missing", match_claim)
            return None
        attempt.identity = identity
        if not AxesProxyHandler.is_allowed(self.request):
            self.request.axes_locked_out = True  # AxesMiddleware answers with the lock-out page
            attempt.refuse("locked_out")
            return None
        if match_claim == "email" and str(claims.get("email_verified", True)).lower() == "false":
            attempt.refuse("email_not_verified")
            return None
        users = list(self.UserModel.objects.filter(email__iexact=identity)[:2])
        if len(users) > 1:
            attempt.refuse("several_users")
            return None
        if users:
            if not users[0].is_active:
                attempt.refuse("inactive")
                return None
            return self.update_user(users[0], claims)
        if not self.get_settings("OIDC_CREATE_USER", False):
            attempt.refuse("no_user")
            return None
        return self.create_user(claims)

    def verify_claims(self, claims):
        return True  # get_or_create_user checks the claims, each with its own reason

    @transaction.atomic
    def create_user(self, claims):
        identity = self.request.sso_attempt.identity
        user = self.UserModel(username=self._free_username(claims.get("preferred_username") or identity),
                              email=identity)
        user.set_unusable_password()
        self._set_name(user, claims)
        user.save()
        self._add_memberships(user, claims, created=True)
        log.info("user created", extra={"event": "sso_user_created", "user": user.username, "claimed": identity})
        return user

    def update_user(self, user, claims):
        if not (user.first_name or user.last_name) and self._set_name(user, claims):
            user.save(update_fields=["first_name", "last_name"])
        self._add_memberships(user, claims, created=False)
        return user

    def _free_username(self, wanted: str) -> str:
        base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "sso-bruger"
        username, n = base, 1
        while self.UserModel.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}-{n}"
        return username

    @staticmethod
    def _set_name(user, claims) -> bool:
        first, last = claims.get("given_name") or "", claims.get("family_name") or ""
        if not (first or last) and claims.get("name"):
            first, _, last = str(claims["name"]).strip().rpartition(" ")
            first, last = (first, last) if first else (last, "")
        user.first_name, user.last_name = str(first)[:150], str(last)[:150]
        return bool(first or last)

    def _add_memberships(self, user, claims, created: bool) -> None:
        """Memberships the role claim maps to (added, never changed or removed: an
        administrator may have adjusted them), and the default one for a new user."""
        values = set(_claim_values(claims.get(self.get_settings("OIDC_ROLE_CLAIM", "")) or []))
        wanted = [(slug, role) for value, slug, role in parse_memberships(self.get_settings("OIDC_ROLE_MAP", ""))
                  if value in values]
        if created and not wanted:
            wanted = [(slug, role) for _, slug, role in parse_memberships(
                self.get_settings("OIDC_DEFAULT_MEMBERSHIP", ""))]
        for slug, role in wanted:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                log.warning("unknown municipality in OIDC_ROLE_MAP", extra={"event": "sso_config", "slug": slug})
                continue
            Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back to the portal. A refusal goes to the login page with
    its message (and the `next` the login started with), never to a 400 or 500."""

    def get(self, request):
        request.sso_attempt = attempt = Attempt()
        error = request.GET.get("error")
        if error:
            attempt.refuse("consent_declined" if error == "access_denied" else "provider_refused", error[:100])
        elif request.GET.get("state") not in request.session.get("oidc_states", {}):
            # The session that started the login has expired, or this is another browser.
            attempt.refuse("session_lost")
            return self.login_failure()
        elif not request.GET.get("code"):
            attempt.refuse("provider_refused", "no code")
        return super().get(request)

    def login_failure(self):
        attempt = self.request.sso_attempt
        if attempt.reason is None:
            attempt.refuse("provider_error", "no user from the provider")
        self.request.session.pop("oidc_id_token", None)  # a refused person's token is no one's to log out with
        if not attempt.logged:  # refusals inside authenticate() were logged by its failure signal
            log_refusal(self.request, attempt)
        if attempt.reason != "locked_out":  # that one gets the lock-out page instead
            messages.error(self.request, refusal_message(attempt))
        url = resolve_url(self.failure_url)
        next_url = self.request.session.get("oidc_login_next")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


def provider_logout_url(request) -> str | None:
    """Where "Log af" sends an SSO user: the provider's end-session endpoint (RP-initiated
    logout), which then returns the browser to the portal's login page. None when the
    session did not come from the provider or no end-session endpoint is configured."""
    id_token = request.session.get("oidc_id_token")
    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")
    if not (id_token and endpoint):
        return None
    back = getattr(settings, "OIDC_POST_LOGOUT_REDIRECT_URL", "") or request.build_absolute_uri(reverse("login"))
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back,
                       "client_id": settings.OIDC_RP_CLIENT_ID})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
