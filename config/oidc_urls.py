"""The single sign-on URLs, mounted at /oidc/ when OIDC_RP_CLIENT_ID is set. Register
https://<host>/oidc/callback/ as the redirect URI at the provider."""

from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from config.oidc import CallbackView

urlpatterns = [
    path("authenticate/", OIDCAuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
