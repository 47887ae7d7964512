from django.conf import settings
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from config.health import healthz
from config.security import PortalLogoutView
from masterplan.views import accessibility_statement


def only(methods, patterns):
    """Django's own views, answering 405 to any method but `methods` (as ours do)."""
    return [path(str(p.pattern), require_http_methods(methods)(p.callback), name=p.name) for p in patterns]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("tilgaengelighed/", accessibility_statement, name="accessibility"),
    path("admin/", admin.site.urls),
    path("accounts/logout/", PortalLogoutView.as_view(), name="logout"),
    path("accounts/", include(only(["GET", "POST"], auth_urls.urlpatterns))),
    path("i18n/setlang/", require_POST(set_language), name="set_language"),
    path("", include("masterplan.urls")),
    path("", include("initiatives.urls")),
    path("", include("followup.urls")),
    path("", include("indicators.urls")),
    path("", include("reporting.urls")),
]

handler400 = "config.errors.bad_request"

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("config.oidc_urls")))
