from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app, so the security log receivers and the single
    sign-on system checks connect at start."""

    name = "config"
    label = "portal_config"

    def ready(self):
        from . import checks, security  # noqa: F401
