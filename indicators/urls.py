from django.urls import path

from . import views

urlpatterns = [
    path("plans/<slug:slug>/indicators/", views.indicator_list, name="indicator_list"),
    path("plans/<slug:slug>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<id:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<id:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<id:pk>/measurements/", views.measurement_add, name="measurement_add"),
    path("indicators/<id:pk>/measurements/csv/", views.measurement_csv, name="measurement_csv"),
    path("measurements/<id:pk>/edit/", views.measurement_edit, name="measurement_edit"),
    path("measurements/<id:pk>/delete/", views.measurement_delete, name="measurement_delete"),
]
