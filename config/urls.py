from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from config.security import PortalLogoutView
from masterplan.views import accessibility_statement

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("tilgaengelighed/", accessibility_statement, name="accessibility"),
    path("admin/", admin.site.urls),
    path("accounts/logout/", PortalLogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("masterplan.urls")),
    path("", include("initiatives.urls")),
    path("", include("followup.urls")),
    path("", include("reporting.urls")),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("config.oidc_urls")))
