from django.urls import path

from . import views as dashboard_views

urlpatterns = [
    path("plans/<slug:slug>/dashboard/", dashboard_views.plan_dashboard, name="plan_dashboard"),
]
