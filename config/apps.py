from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app, only so the security log receivers connect at start."""

    name = "config"
    label = "portal_config"

    def ready(self):
        from . import security  # noqa: F401
