from django.urls import path

from . import views

urlpatterns = [
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative_detail"),
]
