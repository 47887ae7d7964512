from django.urls import path

from . import tokens
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/profile/", tokens.profile, name="profile"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
