from django.urls import path

from . import plan_views, views

urlpatterns = [
    path("plans/<slug:slug>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<slug:slug>/directions/new/", plan_views.direction_create, name="direction_create"),
    path("plans/<slug:slug>/directions/<number:number>/", plan_views.direction_detail, name="direction_detail"),
    path("plans/<slug:slug>/directions/<number:number>/edit/", plan_views.direction_edit, name="direction_edit"),
    path("initiatives/<id:pk>/", views.initiative_detail, name="initiative_detail"),
    path("initiatives/<id:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path("initiatives/<id:pk>/status/", views.initiative_status, name="initiative_status"),
    path("initiatives/<id:pk>/cross-links/", views.cross_links_update, name="initiative_cross_links"),
    path("initiatives/<id:pk>/activities/", views.activity_add, name="activity_add"),
    path("activities/<id:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<id:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<id:pk>/move/", views.activity_move, name="activity_move"),
    path("plans/<slug:slug>/initiatives/new/", views.initiative_create, name="initiative_create"),
    path("plans/<slug:slug>/history/", views.plan_history, name="plan_history"),
]
