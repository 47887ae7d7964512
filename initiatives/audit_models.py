"""The audit log's one model: who changed what, when, for every write to the plan data.

Its own module to keep `models.py` short; `models.py` imports it back, so it is an
`initiatives` model like the others and `initiatives.models.AuditEntry` is where callers find it.
"""

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import audit


class AuditEntry(models.Model):
    """Who changed what, when: one row per create, update or delete of plan data.

    Written only by `initiatives.audit`; read-only in every screen, admin included.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Oprettet")
        UPDATE = "update", _("Ændret")
        DELETE = "delete", _("Slettet")

    # Not indexed alone: a plan's or an initiative's history newest first is read along the
    # composite indexes below. With an index on the time alone, and statistics from before a
    # large import, PostgreSQL walked it backwards through every other plan's newer entries
    # (34 ms instead of 1 for an old plan's history). The admin lists by id (see its ordering).
    timestamp = models.DateTimeField(_("tidspunkt"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("bruger")
    )
    user_name = models.CharField(_("brugernavn"), max_length=150, blank=True)
    action = models.CharField(_("handling"), max_length=10, choices=Action.choices)
    model = models.CharField(_("objekttype"), max_length=50)
    object_id = models.CharField(_("objekt-id"), max_length=40)
    object_repr = models.CharField(_("objekt"), max_length=300)
    # Plain ids, not foreign keys: the history of a deleted object must survive it.
    # (Indexed by the composite indexes below, which begin with them.)
    plan_pk = models.BigIntegerField(null=True, blank=True)
    initiative_pk = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(_("ændringer"), default=dict, help_text="{field: [old, new]}")
    source = models.CharField(_("kilde"), max_length=50, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = _("historikpost")
        verbose_name_plural = _("historik")
        indexes = [
            models.Index(fields=["model", "object_id"]),
            # A plan's latest change: the public pages' cache key (every request) and the Excel import's
            # conflict check (entries after the export's) read it by plan, so it must not scan the log.
            models.Index(fields=["plan_pk", "-id"], name="audit_plan_latest"),
            # A plan's and an initiative's history newest first (dashboard's recent changes, the
            # history pages): the rows in their order, whatever the other plans' history holds.
            models.Index(fields=["plan_pk", "-timestamp", "-id"], name="audit_plan_recent"),
            models.Index(fields=["initiative_pk", "-timestamp", "-id"], name="audit_initiative_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.user_name} {self.get_action_display()} {self.object_repr}"

    HIDDEN_FIELDS = {"plan_id", "initiative_id", "order"}

    # Where a write came from, as the history shows it (the sources are command names).
    SOURCE_LABELS = {
        "admin": _("administration"), "import": _("indlæst fra Excel"), "word": _("indlæst fra Word"),
        "load_demo": _("demodata"), "make_synthetic_plan": _("testdata"), "open_round": _("opfølgningsrunde"),
        "send_reminders": _("påmindelser"), "public": _("offentligt site"), "prune_feedback": _("oprydning"),
    }

    @property
    def source_label(self) -> str:
        return self.SOURCE_LABELS.get(self.source, self.source)

    def model_label(self, plan=None) -> str:
        """The audited model's own name ("Aktivitet"), for every screen that lists history;
        directions and initiatives in the plan's own nouns when the plan is given."""
        if plan is not None and self.model in {"direction", "initiative", "crosslink"}:
            if self.model == "crosslink":
                return _("Understøttet %(direction)s") % {"direction": plan.direction_noun.singular}
            return getattr(plan, f"{self.model}_label")
        if plan is not None and self.model in {"indicatordirection", "indicatorinitiative"}:
            noun = plan.direction_noun if self.model == "indicatordirection" else plan.initiative_noun
            return _("Indikatorens %(noun)s") % {"noun": noun.singular}
        model = audit.audited_model(self.model)
        return capfirst(model._meta.verbose_name) if model else self.model

    def change_rows(self) -> list[dict]:
        """The changes as (field label, old, new) in Danish, with choices shown by name."""
        model = audit.audited_model(self.model)
        fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
        rows = []
        for attname, (old, new) in self.changes.items():
            if attname in self.HIDDEN_FIELDS or (self.model == "crosslink" and attname == "direction_id"):
                continue  # said by object_repr ("2.2 → 5")
            field = fields.get(attname)
            label = field.verbose_name if field else attname
            if field is not None and field.choices:
                choices = dict(field.flatchoices)
                old, new = choices.get(old, old), choices.get(new, new)
            if isinstance(old, bool) or isinstance(new, bool):
                old, new = (_("ja") if v else _("nej") if v is not None else v for v in (old, new))
            if isinstance(old, list) or isinstance(new, list):
                old, new = ("; ".join(v) if isinstance(v, list) else v for v in (old, new))
            rows.append({"label": label, "old": old, "new": new})
        return rows
