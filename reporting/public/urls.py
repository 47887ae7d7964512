from django.urls import path

from . import moderation, views

urlpatterns = [
    path("offentlig/privatliv/", views.public_privacy, name="public_privacy"),
    path("offentlig/<slug:slug>/", views.public_plan, name="public_plan"),
    path("offentlig/<slug:slug>/retninger/<number:number>/", views.public_direction, name="public_direction"),
    path("offentlig/<slug:slug>/initiativer/<id:pk>/", views.public_initiative, name="public_initiative"),
    path("offentlig/<slug:slug>/initiativer/<id:pk>/kommentar/", views.public_feedback, name="public_feedback"),
    path("offentlig/<slug:slug>/initiativer/<id:pk>/kommentar/tak/", views.public_feedback_thanks,
         name="public_feedback_thanks"),
    path("offentlig/<slug:slug>/opfoelgning/<year:year>.pdf", views.public_report_pdf, name="public_report_pdf"),
    path("plans/<slug:slug>/feedback/", moderation.feedback_list, name="feedback_list"),
    path("feedback/<id:pk>/approve/", moderation.feedback_approve, name="feedback_approve"),
    path("feedback/<id:pk>/answer/", moderation.feedback_answer, name="feedback_answer"),
    path("feedback/<id:pk>/delete/", moderation.feedback_delete, name="feedback_delete"),
]
