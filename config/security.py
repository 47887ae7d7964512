"""Login and session protection: the session's idle and absolute limits, the client's
IP address for the lock-out, and structured log lines for every security event."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.views import LogoutView
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out

log = logging.getLogger("portal.security")

LOGIN_AT = "_portal_login_at"
SEEN_AT = "_portal_seen_at"
# Renew the idle clock (a session write) at most this often, not on every request.
RENEW_EVERY = 60


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXIES proxies the address the outermost
    trusted proxy saw (counted from the right of X-Forwarded-For, which a client can't forge)."""
    if settings.TRUSTED_PROXIES:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= settings.TRUSTED_PROXIES:
            return hops[-settings.TRUSTED_PROXIES]
    return request.META.get("REMOTE_ADDR")


def _who(request, username=None) -> dict:
    user = getattr(request, "user", None)
    if username is None and user is not None and user.is_authenticated:
        username = user.get_username()
    return {"user": username or "-", "ip": client_ip(request) if request is not None else "-"}


class AxesBackend(AxesStandaloneBackend):
    """django-axes' backend, but a call without a request (code such as a management
    command or the test client's login()) passes on to the next backend instead of
    raising: the lock-out is about requests, and every web login path (the login form,
    the admin, OIDC) passes its request. A single sign-on callback passes too: who is
    logging in is known only once the provider's claims are read, so the OIDC backend
    (config.oidc) asks django-axes itself then."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or getattr(request, "sso_attempt", None) is not None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def axes_username(request, credentials=None):
    """The name a failed login counts under: the username typed, or for single sign-on
    the identity the provider vouched for (its e-mail claim, or OIDC_MATCH_CLAIM)."""
    attempt = getattr(request, "sso_attempt", None)
    if attempt is not None:
        return attempt.identity
    if credentials:
        return credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    return getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)


def axes_not_counted(request, credentials=None) -> bool:
    """A single sign-on failure without a claimed identity (the provider failed, or
    never said who) is not a guess at anyone's account and locks nobody out."""
    attempt = getattr(request, "sso_attempt", None)
    return attempt is not None and not attempt.identity


class SessionLimitMiddleware:
    """Log out a session idle for SESSION_IDLE_SECONDS or older than SESSION_MAX_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            reason = None
            if now - login_at > settings.SESSION_MAX_SECONDS:
                reason = "max_age"
            elif now - seen_at > settings.SESSION_IDLE_SECONDS:
                reason = "idle"
            if reason:
                log.info("session ended", extra={"event": "session_expired", "reason": reason, **_who(request)})
                logout(request)
                messages.info(request, _("Du er blevet logget af, fordi din session udløb. Log ind igen."))
            elif now - seen_at >= RENEW_EVERY or SEEN_AT not in session:
                session[SEEN_AT] = now  # a write, so the cookie's idle age starts again
        return self.get_response(request)


class SecurityEventMiddleware:
    """One line for every refused request (403, 404, and the lock-out's 429)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404, 429):
            event = {403: "access_denied", 404: "not_found", 429: "locked_out_request"}[response.status_code]
            log.warning("request refused", extra={
                "event": event, "status": response.status_code, "method": request.method,
                "path": request.path, **_who(request),
            })
        return response


def _via(request) -> str:
    return "sso" if getattr(request, "sso_attempt", None) is not None else "password"


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = int(time.time())
    log.info("login", extra={"event": "login", "via": _via(request), **_who(request, user.get_username())})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout", extra={"event": "logout", **_who(request, user.get_username() if user else "-")})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    attempt = getattr(request, "sso_attempt", None)
    if attempt is not None:
        from config.oidc import log_refusal

        log_refusal(request, attempt)  # with the claimed identity and the reason
        return
    # credentials are already cleansed of the password by Django.
    log.warning("login failed", extra={"event": "login_failed", "via": "password",
                                       **_who(request, credentials.get("username"))})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("login locked out", extra={"event": "locked_out", "user": username or "-", "ip": ip_address})


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lock-out answer: a Danish page in the portal's look, 429."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    attempt = getattr(request, "sso_attempt", None)
    return render(request, "axes/lockout.html", {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        "sso_identity": attempt.identity if attempt is not None else None,
    }, status=429)


class PortalLogoutView(LogoutView):
    """"Log af": ends the portal session and says so; a session that came from single
    sign-on is then ended at the provider too (RP-initiated logout, config.oidc), so the
    next person at a shared PC is not signed straight in."""

    def post(self, request, *args, **kwargs):
        provider_url = None
        if settings.OIDC_ENABLED and request.user.is_authenticated:
            from config.oidc import provider_logout_url

            provider_url = provider_logout_url(request)  # needs the session's ID token
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("Du er logget af."))
        return HttpResponseRedirect(provider_url) if provider_url else response
