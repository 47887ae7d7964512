from django.urls import path

from . import views

urlpatterns = [
    path("plans/<slug:slug>/rounds/<int:year>/", views.round_detail, name="round_detail"),
    path("plans/<slug:slug>/rounds/<int:year>/open/", views.round_open, name="round_open"),
    path("plans/<slug:slug>/rounds/<int:year>/approve/", views.round_approve, name="round_approve"),
    path("plans/<slug:slug>/rounds/<int:year>/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("plans/<slug:slug>/rounds/<int:year>/requests/<int:pk>/review/", views.request_review,
         name="request_review"),
    path("plans/<slug:slug>/mine/", views.my_initiatives, name="my_initiatives"),
    path("plans/<slug:slug>/mine/reminders/", views.my_reminders, name="my_reminders"),
]
