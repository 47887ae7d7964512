from django.urls import include, path

urlpatterns = [
    path("", include("reporting.report.urls")),
    path("", include("reporting.exchange.urls")),
    path("", include("reporting.dashboard.urls")),
    path("", include("reporting.public.urls")),
    path("", include("reporting.api.urls")),
]
