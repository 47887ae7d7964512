from django.urls import include, path

urlpatterns = [
    path("", include("reporting.report_urls")),
    path("", include("reporting.excel_urls")),
    path("", include("reporting.dashboard_urls")),
]
