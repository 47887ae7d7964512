"""The one audit mechanism: every create, update and delete of plan data.

Signal receivers compare each saved object with its row in the database and write
an `AuditEntry` with each changed field's old and new value. Who did it comes from
a context variable that the middleware (web requests) or `audit_context` (commands,
imports) sets, so browser edits, admin, imports and commands are all recorded the
same way. Bulk queryset operations bypass signals: plan data is never written with
them, except through `bulk_create` here, which records each object as a save would;
`batched()` writes the entries themselves in batches.
"""

import contextlib
import contextvars
import datetime
import hashlib
from decimal import Decimal

from django.apps import apps
from django.db.models import BigIntegerField, Expression
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from config import bulk

_actor = contextvars.ContextVar("audit_actor", default=(None, ""))
# While `batched()` is active: the entries not yet written (written BATCH_SIZE at a time).
_pending = contextvars.ContextVar("audit_pending", default=None)
BATCH_SIZE = 500

# Models audited from the start; other apps add theirs with `register()` from their
# AppConfig.ready(), so this module never imports them.
AUDITED_MODELS = [
    "masterplan.Plan",
    "masterplan.Direction",
    "initiatives.Initiative",
    "initiatives.CrossLink",
    "initiatives.Activity",
    "initiatives.StatusUpdate",
    "initiatives.BudgetLine",
]
IGNORED_FIELDS = {"created_at", "updated_at", "version"}
_extra_ignored: dict[str, set[str]] = {}
# model_name ("activity") → model class, for reading history back (AuditEntry.model).
_audited: dict = {}


@contextlib.contextmanager
def audit_context(user=None, source=""):
    """Attribute the writes inside the block to `user`, from `source` (e.g. "import")."""
    token = _actor.set((user, source))
    try:
        yield
    finally:
        _actor.reset(token)


class AuditUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "admin" if request.path.startswith("/admin/") else "web"
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with audit_context(user, source):
            return self.get_response(request)


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, Decimal)):
        return str(value)
    return value


def snapshot(instance) -> dict:
    ignored = IGNORED_FIELDS | _extra_ignored.get(instance._meta.label, set())
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in ignored
    }


def _owners(instance):
    """(plan pk, initiative pk) that the object's history belongs to."""
    name = instance._meta.model_name
    if name == "plan":
        return instance.pk, None
    if name == "initiative":
        return instance.plan_id, instance.pk
    if hasattr(instance, "plan_id"):  # direction, budget line, report edition
        return instance.plan_id, getattr(instance, "initiative_id", None)
    initiative = instance.initiative  # crosslink, activity, statusupdate
    return initiative.plan_id, initiative.pk


def record(instance, action, changes):
    AuditEntry = apps.get_model("initiatives", "AuditEntry")
    user, source = _actor.get()
    plan_pk, initiative_pk = _owners(instance)
    entry = AuditEntry(
        user=user,
        user_name=user.get_username() if user else "",
        action=action,
        model=instance._meta.model_name,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        plan_pk=plan_pk,
        initiative_pk=initiative_pk,
        changes=changes,
        source=source,
    )
    pending = _pending.get()
    if pending is None:
        entry.save()
        return
    pending.append(entry)
    if len(pending) >= BATCH_SIZE:
        flush()


def flush():
    """Write the entries `batched()` has collected so far together (`config.bulk.insert`)."""
    pending = _pending.get()
    if pending:
        bulk.insert(apps.get_model("initiatives", "AuditEntry"), pending, batch_size=BATCH_SIZE)
        pending.clear()


@contextlib.contextmanager
def batched():
    """Collect the audit entries of the writes inside the block and write them in batches
    (an import of thousands of rows): the same entries, one per object and write, with a
    fraction of the round trips. Use inside the writes' transaction, so that the history
    and the data are committed or rolled back together."""
    token = _pending.set([])
    try:
        yield
        flush()
    finally:
        _pending.reset(token)


def create_entry_changes(instance) -> dict:
    return {key: [None, value] for key, value in snapshot(instance).items() if value not in (None, "", [], False)}


def bulk_create(model, objects: list, batch_size: int = BATCH_SIZE, as_given=()) -> list:
    """Insert the new `objects` together (`config.bulk.insert`: COPY on PostgreSQL, else
    `bulk_create`), audited as if each had been saved: one "create" entry per object, as
    `post_save` would have written. The objects get their ids (on SQLite 3.35 and later too).
    `as_given`: fields written with the objects' own values (`config.bulk.insert`)."""
    if not objects:
        return objects
    created = bulk.insert(model, objects, batch_size=batch_size, as_given=as_given)
    for instance in created:
        record(instance, "create", create_entry_changes(instance))
    return created


def keep_before(instance):
    """The next save of `instance` records its changes against its row as it is now, whatever
    is done to the row in between outside the history (the Excel import parks the numbers of
    initiatives that swap numbers, and the history shows only the old and the new number)."""
    old = type(instance)._base_manager.filter(pk=instance.pk).first()
    instance._audit_kept = snapshot(old) if old is not None else None


def _before_save(sender, instance, raw=False, **kwargs):
    instance._audit_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if "_audit_kept" in instance.__dict__:  # keep_before()
        instance._audit_before = instance.__dict__.pop("_audit_kept")
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = snapshot(instance)
    if created:
        record(instance, "create", create_entry_changes(instance))
        return
    before = getattr(instance, "_audit_before", None) or {}
    changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    if changes:
        record(instance, "update", changes)


def _after_delete(sender, instance, **kwargs):
    record(instance, "delete", {key: [value, None] for key, value in snapshot(instance).items()})


def _cross_links_changed(sender, instance, action, pk_set, reverse, **kwargs):
    """Cross-links added or removed through the related manager, not the through model."""
    if action not in {"post_add", "post_remove"} or reverse or not pk_set:
        return
    CrossLink = apps.get_model("initiatives", "CrossLink")
    for direction_pk in sorted(pk_set):
        link = CrossLink(initiative=instance, direction_id=direction_pk)
        link.pk = f"{instance.pk}-{direction_pk}"
        verb = "create" if action == "post_add" else "delete"
        change = [None, direction_pk] if verb == "create" else [direction_pk, None]
        record(link, verb, {"direction_id": change})


def register(label: str, ignore_fields=()):
    """Audit every write to the model `label` ("app.Model"), leaving out fields whose
    values do not belong in a history (e.g. a stored PDF)."""
    model = apps.get_model(label)
    _extra_ignored[model._meta.label] = set(ignore_fields)
    _audited[model._meta.model_name] = model
    uid = f"audit-{label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}-pre")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}-post")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}-delete")


def _last_change_sql(plan_id: str) -> str:
    """SELECT the id of the newest audit entry of the plan whose id is `plan_id` (SQL).

    The plan is matched as a range of one (`>=` and `<=`), not with `=`, and the order names
    the plan column: PostgreSQL drops a column compared with `=` from the order, and was then
    free to walk the whole table backwards by id until it met one of the plan's entries. With
    outdated statistics (a large import not yet analysed) it did, for a plan whose entries are
    old: 40 ms on every page instead of 0.1. This way only `audit_plan_latest` (plan, id
    descending) gives the order, and the lookup is one step into it whatever the statistics.
    """
    from django.db import connection

    AuditEntry = apps.get_model("initiatives", "AuditEntry")
    quote = connection.ops.quote_name
    table, column = quote(AuditEntry._meta.db_table), quote(AuditEntry._meta.get_field("plan_pk").column)
    return (f"SELECT {quote('id')} FROM {table} WHERE {column} >= {plan_id} AND {column} <= {plan_id} "
            f"ORDER BY {column}, {quote('id')} DESC LIMIT 1")


def last_change_of():
    """Annotation for a query of plans: the id of each plan's newest audit entry.

    Every write to a plan's data is audited, so this id moves on every change: pages keyed by
    it (the public site, the dashboard, the direction and report pages) show a change at once,
    in every process, without invalidation signals. One index lookup (`audit_plan_latest`) in
    the plan's own query, so a page served from the cache makes no round trip for it.

    Written as SQL because it runs on every page served from the cache, where compiling the
    ORM's subquery took longer than running it. It belongs to a query of plans
    (`Plan.objects…annotate(last_change=last_change_of())`, also as a subquery), not to one
    that reaches plans through a relation.
    """
    return _LastChange()


class _LastChange(Expression):
    """`last_change_of()`: the lookup of the newest audit entry of the query's own plan row,
    under whatever alias the query gives the plan table (a subquery renames it)."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection):
        Plan = apps.get_model("masterplan", "Plan")
        if compiler.query.model is not Plan:
            raise ValueError("last_change_of() annotates a query of plans.")
        table = compiler.quote_name(next(iter(compiler.query.alias_map)))  # the plan table, as aliased
        return f"({_last_change_sql(f'{table}.{connection.ops.quote_name(Plan._meta.pk.column)}')})", []


def last_change(plan) -> int:
    """The id of the plan's newest audit entry (0 before its first), for a plan read
    without `last_change_of()`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_last_change_sql("%s"), [plan.pk, plan.pk])
        row = cursor.fetchone()
    return row[0] if row else 0


def change_key(prefix: str, plan, *parts) -> str:
    """A cache key for something shown from the plan's data as it is now.

    It holds the plan's newest audit entry (`plan.last_change`, read in the plan's own query
    with `last_change_of()`, or looked up here), the plan's own `updated_at` and `parts`
    (what else the content depends on: page, filters, language). Every write to the plan is
    audited, so any change makes a new key at once in every process; no invalidation.
    """
    change = plan.last_change if hasattr(plan, "last_change") else last_change(plan)
    marker = ":".join(str(part) for part in (plan.pk, change or 0, plan.updated_at.timestamp(), *parts))
    return f"{prefix}:{hashlib.sha256(marker.encode()).hexdigest()}"


def audited_model(model_name: str):
    """The audited model whose history entries carry `model_name`, or None."""
    return _audited.get(model_name)


def connect():
    for label in AUDITED_MODELS:
        register(label)
    Initiative = apps.get_model("initiatives", "Initiative")
    m2m_changed.connect(_cross_links_changed, sender=Initiative.cross_links.through, dispatch_uid="audit-xlinks")
