from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan_detail"),
]
