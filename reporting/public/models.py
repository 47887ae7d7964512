"""What the public side keeps: citizens' feedback on published initiatives (held for
moderation) and personal API tokens for the open data."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative, Versioned

FEEDBACK_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 4000


class FeedbackQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Feedback.State.APPROVED)

    def expired(self, today: datetime.date | None = None):
        """Feedback older than the retention period (FEEDBACK_RETENTION_DAYS)."""
        today = today or timezone.localdate()
        cutoff = today - datetime.timedelta(days=settings.FEEDBACK_RETENTION_DAYS)
        return self.filter(created_at__date__lt=cutoff)


class Feedback(Versioned):
    """A citizen's message on a published initiative. Nothing is shown before an
    editor of the municipality approves it; the editor may answer it publicly."""

    class State(models.TextChoices):
        PENDING = "pending", _("Afventer godkendelse")
        APPROVED = "approved", _("Godkendt")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="feedback",
                                   verbose_name=_("initiativ"))
    message = models.TextField(_("kommentar"), max_length=FEEDBACK_MAX_LENGTH)
    name = models.CharField(_("navn"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    answer = models.TextField(_("svar"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("behandlet af"))
    moderated_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    created_at = models.DateTimeField(_("modtaget"), auto_now_add=True, db_index=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("borgerkommentar")
        verbose_name_plural = _("borgerkommentarer")

    def __str__(self) -> str:
        return f"{self.initiative.number}: {self.message[:60]}"

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.APPROVED


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal, revocable key to the open data API. Only its SHA-256 is stored; the
    key itself is shown once, when it is made."""

    PREFIX = "mpt_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("bruger"))
    name = models.CharField(_("navn"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("begynder med"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-nøgle")
        verbose_name_plural = _("API-nøgler")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.hint}…)"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """A new token for `user` and its key (the only time the key is known)."""
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.digest(key), hint=key[:10])
        return token, key

    @classmethod
    def user_for(cls, key: str):
        """The active user whose active token `key` is, or None."""
        if not key.startswith(cls.PREFIX) or len(key) > 100:
            return None
        token = cls.objects.active().select_related("user").filter(key_hash=cls.digest(key)).first()
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)  # not plan data: no audit row
        return token.user

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
