"""Login and session protection: the session's idle and absolute limits, the client's
IP address for the lock-out, and structured log lines for every security event."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
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
    the admin, OIDC) passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


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


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = int(time.time())
    log.info("login", extra={"event": "login", **_who(request, user.get_username())})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout", extra={"event": "logout", **_who(request, user.get_username() if user else "-")})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # credentials are already cleansed of the password by Django.
    log.warning("login failed", extra={"event": "login_failed", **_who(request, credentials.get("username"))})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("login locked out", extra={"event": "locked_out", "user": username or "-", "ip": ip_address})


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lock-out answer: a Danish page in the portal's look, 429."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    return render(request, "axes/lockout.html", {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }, status=429)
