from django.urls import path

from . import views as report_views

urlpatterns = [
    path("plans/<slug:slug>/reports/<year:year>/", report_views.report_preview, name="report_preview"),
    path("plans/<slug:slug>/reports/<year:year>/pdf/", report_views.report_pdf, name="report_pdf"),
    path("plans/<slug:slug>/reports/<year:year>/edition/", report_views.edition_save, name="report_edition_save"),
    path("plans/<slug:slug>/reports/<year:year>/finalise/", report_views.edition_finalise,
         name="report_edition_finalise"),
    path("plans/<slug:slug>/reports/<year:year>/new/", report_views.edition_new, name="report_edition_new"),
    path("plans/<slug:slug>/reports/<year:year>/editions/<id:pk>/pdf/", report_views.edition_pdf,
         name="report_edition_pdf"),
]
