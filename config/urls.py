from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("tilgaengelighed/", TemplateView.as_view(template_name="accessibility.html"), name="accessibility"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("masterplan.urls")),
    path("", include("initiatives.urls")),
    path("", include("followup.urls")),
    path("", include("reporting.urls")),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
