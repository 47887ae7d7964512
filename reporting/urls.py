from django.urls import include, path

urlpatterns = [
    path("", include("reporting.report.urls")),
    path("", include("reporting.exchange.urls")),
    path("", include("reporting.dashboard.urls")),
]
