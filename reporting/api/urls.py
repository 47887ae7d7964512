from django.urls import path
from django.views.decorators.http import require_safe

from . import tokens
from .api import api


def _schema_get_only(urls):
    """Ninja's schema view answers any method; like every other view it answers 405 to
    anything but GET and HEAD (the API's own routes do so already)."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if pattern.name == "openapi-json":
            pattern.callback = require_safe(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("api/v1/", _schema_get_only(api.urls)),
    path("accounts/profile/", tokens.profile, name="profile"),
    path("accounts/tokens/<id:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
