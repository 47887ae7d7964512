"""Settings for the masterplan portal, read from the environment.

Development defaults (SQLite, DEBUG on) need no configuration; production sets
DJANGO_SECRET_KEY, DJANGO_DEBUG=0, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
# With DEBUG on, users still see the Danish error pages unless a developer asks for
# Django's debug pages (masterplan.middleware.PortalErrorPagesMiddleware).
DEBUG_PAGES = env_bool("DJANGO_DEBUG_PAGES", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "config",  # connects the security log receivers (config/apps.py)
    "masterplan",
    "initiatives",
    "followup",
    "indicators",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "masterplan.middleware.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.sessions.AuthenticationMiddleware",  # request.user read with the session (config/sessions)
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.security.SessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "masterplan.middleware.PortalErrorPagesMiddleware",
    "initiatives.audit.AuditUserMiddleware",
    "config.security.SecurityEventMiddleware",
    # Last, so it sees the lock-out flag that the login view's authenticate() sets.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "masterplan.context_processors.portal",
                "followup.context_processors.waiting_requests",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write transactions take SQLite's write lock when they begin, and a busy database
    # is waited for (up to the timeout, in seconds): two saves at once then queue up and
    # the second sees the first's version (409), instead of a "database is locked" 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
# The queries every request makes (config.compiled) are prepared on PostgreSQL; 0 behind a
# pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21,
# or later ones with max_prepared_statements = 0).
DB_PREPARE = env_bool("DJANGO_DB_PREPARE", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before any other backend runs
# (config.security.AxesBackend is axes.backends.AxesStandaloneBackend letting calls
# without a request, which no web login makes, through to the next backend).
AUTHENTICATION_BACKENDS = [
    "config.security.AxesBackend",
    "config.sessions.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Years must never read "2.024"; money is grouped explicitly by the |kr filter.
USE_THOUSAND_SEPARATOR = False
CSRF_FAILURE_VIEW = "config.csrf.csrf_failure"  # keeps what the user typed
FORMAT_MODULE_PATH = ["config.formats"]  # one Danish date format (docs/sprog.md)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background tasks, stored in the database and run by `manage.py db_worker`: report PDFs on the
# queue "reports", Excel imports and the follow-up mails on "default". A worker per queue, so an
# import or a mail never waits behind a long render (README, "Drift").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "reports"]}}
# Caps on one report render in the worker's child process.
REPORT_RENDER_TIMEOUT = int(os.environ.get("REPORT_RENDER_TIMEOUT", "300"))  # seconds
REPORT_RENDER_MEMORY_MB = int(os.environ.get("REPORT_RENDER_MEMORY_MB", "2048"))

# E-mail (Django's e-mail framework, configured the Django 6.1 way with MAILERS, from
# the environment): the console in development, SMTP in production, unless
# DJANGO_EMAIL_BACKEND names another backend (e.g. django.core.mail.backends.filebased.EmailBackend
# with EMAIL_FILE_PATH). Links in mails start with PORTAL_BASE_URL.
EMAIL_BACKEND_NAME = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
_mail_options: dict = {}
if EMAIL_BACKEND_NAME.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 30,
    }
elif EMAIL_BACKEND_NAME.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mails"))}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_NAME, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Masterplan-portalen <masterplan@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Strict CSP from the first page: only our own origin, no inline code.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Sessions: ended after DJANGO_SESSION_IDLE_MINUTES without a request and, whatever
# happens, DJANGO_SESSION_MAX_HOURS after login (config.security.SessionLimitMiddleware).
# The cookie's own age is the idle limit; the middleware renews it at most once a minute
# instead of SESSION_SAVE_EVERY_REQUEST's write on every request.
SESSION_IDLE_SECONDS = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "60")) * 60
SESSION_MAX_SECONDS = int(os.environ.get("DJANGO_SESSION_MAX_HOURS", "10")) * 60 * 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# Django's database sessions, each row naming its user, so a logged-in request reads its
# session and its user in one query (config/sessions: the store, the middleware, the backend).
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# /healthz is probed by the load balancer over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The cache: each process's own memory by default (the quick start, one process). In
# production with several workers or servers, set DJANGO_CACHE_URL to a shared Redis
# (redis://host:6379/0): the dashboard, direction and report pages computed once per change
# of the plan then serve every worker, and the rate limits count across them.
# Sessions stay in the database either way: a request reads its session and its user there in
# one query (config.sessions), where a cache would add a round trip for the user.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("DJANGO_CACHE_URL must be a redis://, rediss:// or unix:// address.")
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "masterplan")}}

# Lock-out after repeated failed logins (django-axes): AXES_FAILURE_LIMIT failures for
# one username from one IP address lock that pair for AXES_COOLOFF_TIME, never for ever.
# Behind a reverse proxy set DJANGO_TRUSTED_PROXIES to the number of proxies, so the
# client's address is read from X-Forwarded-For (config.security.client_ip).
from datetime import timedelta  # noqa: E402

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
# A single sign-on attempt counts under the identity the provider vouched for, not under
# "no username" and the (often shared) address; one without an identity is not counted.
AXES_USERNAME_CALLABLE = "config.security.axes_username"
AXES_WHITELIST_CALLABLE = "config.security.axes_not_counted"
AXES_VERBOSE = False  # our own structured lines (config.security) say it once
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))

# Log lines are key=value (logfmt), one line per event, tracebacks included escaped,
# so the municipality's log collector can index them; security events use the logger
# "portal.security" (event=login, logout, login_failed, locked_out, access_denied, ...).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"keyvalue": {"()": "config.logging.KeyValueFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "keyvalue"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default handlers for "django" (plain console in DEBUG, mail to admins).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Our SecurityEventMiddleware logs 403/404 with the user; Django's own line would repeat it.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

# The public site and the open data (reporting.public, reporting.api). Citizens'
# feedback is deleted FEEDBACK_RETENTION_DAYS after it arrived (`prune_feedback`, run
# daily); one address may send FEEDBACK_PER_HOUR messages an hour. The API allows
# API_RATE requests per client address (or token) and is read-only. Public pages are
# cached per plan and change (PUBLIC_CACHE_SECONDS is only the upper bound; any change
# to the plan shows at once). With several web servers, point CACHES at a shared
# cache (e.g. Redis) so the rate limits count across them.
FEEDBACK_RETENTION_DAYS = int(os.environ.get("FEEDBACK_RETENTION_DAYS", "365"))
FEEDBACK_PER_HOUR = int(os.environ.get("FEEDBACK_PER_HOUR", "5"))
API_RATE = os.environ.get("API_RATE", "120/m")
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "600"))
NINJA_NUM_PROXIES = TRUSTED_PROXIES

# Excel import (reporting.exchange.files): an upload above EXCEL_IMPORT_MAX_BYTES is refused
# from its Content-Length, before the body is read. Checked uploads wait for their
# confirmation in EXCEL_IMPORT_DIR (default: a private folder in the system's temp dir);
# with several web servers, point it at a shared, non-public folder.
EXCEL_IMPORT_MAX_BYTES = 10 * 1024 * 1024
EXCEL_IMPORT_DIR = os.environ.get("EXCEL_IMPORT_DIR", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads are streamed to a temp file, not held in memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # non-file form fields

# Optional single sign-on with the municipality's OpenID Connect provider (e.g. the
# municipality's Entra ID or KOMBIT adgangsstyring). Off unless OIDC_RP_CLIENT_ID is set;
# username/password login always stays available. Users are matched by e-mail (or the
# claim OIDC_MATCH_CLAIM) and are not created automatically (OIDC_CREATE_USER=1 to allow
# it). All OIDC_* variables are read in config/oidc_settings.py and checked by the system
# checks in config/checks.py.
from config.oidc_settings import from_environment as _oidc_from_environment  # noqa: E402

_oidc = _oidc_from_environment(os.environ, SECURE_CSP)
OIDC_ENABLED = _oidc.pop("OIDC_ENABLED")
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    globals().update(_oidc)
