from django.urls import path

from . import views

urlpatterns = [
    path("plans/<slug:slug>/rounds/<year:year>/", views.round_detail, name="round_detail"),
    path("plans/<slug:slug>/rounds/<year:year>/open/", views.round_open, name="round_open"),
    path("plans/<slug:slug>/rounds/<year:year>/approve/", views.round_approve, name="round_approve"),
    path("plans/<slug:slug>/rounds/<year:year>/missing/", views.round_request_missing, name="round_request_missing"),
    path("plans/<slug:slug>/rounds/<year:year>/requests/<id:pk>/", views.request_detail, name="request_detail"),
    path("plans/<slug:slug>/rounds/<year:year>/requests/<id:pk>/review/", views.request_review,
         name="request_review"),
    path("plans/<slug:slug>/mine/", views.my_initiatives, name="my_initiatives"),
    path("plans/<slug:slug>/mine/reminders/", views.my_reminders, name="my_reminders"),
]
