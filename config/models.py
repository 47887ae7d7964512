from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class Session(AbstractBaseSession):
    """A login session (Django's session row) that also names its user, so a request reads
    its session and its user in one query (config.sessions).

    No foreign key constraint: a session saved just as its user is deleted must not fail
    (Django's store would take the error for a taken key and try again for ever). Deleting a
    user still deletes their sessions (on_delete, run by Django), and a session naming a
    user who is gone reads as no user.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             db_constraint=False, related_name="+", verbose_name=_("bruger"))

    class Meta(AbstractBaseSession.Meta):
        db_table = "portal_session"
        verbose_name = _("session")
        verbose_name_plural = _("sessioner")

    def __str__(self) -> str:
        # Never the key (Django's __str__): the admin lists a user's sessions when deleting
        # them, and a key shown is a login taken.
        return str(_("session"))

    @classmethod
    def get_session_store_class(cls):
        from config.sessions import SessionStore

        return SessionStore
