"""The portal's URLs with single sign-on mounted, as config/urls.py mounts them when
OIDC_RP_CLIENT_ID is set at start (tests switch SSO on after start)."""

from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("oidc/", include("config.oidc_urls")), *portal_urlpatterns]
