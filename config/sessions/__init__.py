"""Sessions that carry their user, so a logged-in request reads both in one query.

Django's database sessions keep the user's id only inside the encoded session data: every
logged-in request reads its session row and then its user row, two round trips before the
page itself starts. Here each session row also names its user (Django's documented way of
extending the database session engine, `AbstractBaseSession`), the row is read joined to
that user, and authentication takes the user from that row instead of asking again.

The query is compiled once per connection (and prepared on PostgreSQL, config.compiled),
since compiling it took longer than running it; only its SQL is kept, never a row.

Nothing is cached: the user is read in the session's own query, as fresh as Django's lookup,
and then checked exactly as Django checks it (the session's password hash in
`django.contrib.auth.get_user`, and `is_active` in the backends below). A session whose user
is refused (deactivated, deleted, or no longer matching its password hash) is ended, not
just ignored, so reactivating the user does not bring it back. Synchronous requests only:
the async path (`request.auser`) reads the user as Django does.

    SESSION_ENGINE = "config.sessions"
    MIDDLEWARE: "config.sessions.AuthenticationMiddleware" in place of Django's
    AUTHENTICATION_BACKENDS: "config.sessions.ModelBackend" in place of Django's
"""

import contextvars
import logging

from django.contrib import auth
from django.contrib.auth import backends
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from config.compiled import CompiledQuery

# The user read with this request's session, while `get_user` authenticates the request.
_session_user = contextvars.ContextVar("session_user", default=None)


def _user_id(data: dict):
    """The logged-in user's id in session data, as the user model's key (None if none)."""
    value = data.get(auth.SESSION_KEY)
    if value is None:
        return None
    try:
        return auth.get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None


class SessionStore(db.SessionStore):
    """Django's database session store on `config.models.Session`, whose rows name their user.

    `user_row` is the user read with the session (None when the session names none, or
    was not read from the database).
    """

    user_row = None

    @classmethod
    def get_model_class(cls):
        from config.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_id = _user_id(data)
        return session

    def clear(self):
        super().clear()
        self.user_row = None

    def flush(self):
        super().flush()
        self.user_row = None

    def _get_session_from_db(self):
        if self.session_key is None:  # no key, no row (Django's store would ask anyway)
            return None
        try:
            found = _session_query(self.session_key)
        except SuspiciousOperation as e:  # as Django's store
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            found = []
        session = found[0] if found else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        self.user_row = session.user  # read with it (select_related): None if none or gone
        return session


def _session_with_user(key: str):
    return SessionStore.get_model_class().objects.select_related("user").filter(session_key=key)


# Every logged-in request reads its session: compiled once (config.compiled), as building and
# compiling the queryset took four times as long as running it. The expiry is checked by the
# caller, so the key is the query's only value.
_session_query = CompiledQuery(_session_with_user, "\x00session key\x00")


def get_user(request):
    """`request.user`: Django's `auth.get_user`, with the backend handed the user row that
    came with the session (see `UserFromSession`)."""
    if not hasattr(request, "_cached_user"):
        session = request.session
        named = session.get(auth.SESSION_KEY)  # reads the session, and with it its user
        token = _session_user.set(getattr(session, "user_row", None))
        try:
            user = auth.get_user(request)
        finally:
            _session_user.reset(token)
        if named is not None and not user.is_authenticated and session.get(auth.SESSION_KEY) is not None:
            session.flush()  # its user is refused: end it, as Django does for a changed password
        request._cached_user = user
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with `request.user` from `get_user` above."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))


class UserFromSession:
    """Backend mixin: `get_user` takes the user read with the session when it is the user
    asked for, and otherwise reads it as the backend does. Either way an inactive user is
    nobody, whichever backend logged them in (the single sign-on backend's own `get_user`
    does not look), so deactivating a user ends their sessions at once."""

    def get_user(self, user_id):
        user = _session_user.get()
        if user is None or str(user.pk) != str(user_id):
            user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user) -> bool:
        """Django's ModelBackend rule (its own, where the backend has one): active users only."""
        check = getattr(super(), "user_can_authenticate", None)
        return check(user) if check else getattr(user, "is_active", True)


class ModelBackend(UserFromSession, backends.ModelBackend):
    """Django's username and password backend, taking the user from the session."""
