from django.urls import path

from . import views as excel_views
from . import word_views

urlpatterns = [
    path("plans/<slug:slug>/export/", excel_views.plan_export, name="plan_export"),
    path("plans/<slug:slug>/import/", excel_views.plan_import, name="plan_import"),
    path("plans/<slug:slug>/import/confirm/", excel_views.plan_import_confirm, name="plan_import_confirm"),
    path("plans/<slug:slug>/import/word/", word_views.plan_import_word, name="plan_import_word"),
    path("plans/<slug:slug>/import/word/confirm/", word_views.plan_import_word_confirm,
         name="plan_import_word_confirm"),
    path("plans/<slug:slug>/import/status/", excel_views.plan_import_status, name="plan_import_status"),
    path("plans/<slug:slug>/import/template/", excel_views.plan_import_template, name="plan_import_template"),
]
