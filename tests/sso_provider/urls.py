import json

from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .claims import CLAIMS


@csrf_exempt
@require_http_methods(["PUT"])
def put_user(request, username):
    """Create or replace a provider user with its password and claims (test set-up only)."""
    data = json.loads(request.body)
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(data["password"])
    user.save()
    CLAIMS[username] = data.get("claims", {})
    return HttpResponse(status=204)


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("test/users/<str:username>", put_user),
    path("", include("oidc_provider.urls", namespace="oidc_provider")),
]
