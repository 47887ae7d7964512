"""Inserting thousands of new rows at once: PostgreSQL's COPY, elsewhere `bulk_create`.

An import of a large plan inserts some 35,000 rows (its objects and their history entries).
`bulk_create` on PostgreSQL sends each column as one array, which psycopg writes out value by
value in Python; with the SQL assembled around it, that took longer than the database's own
work. COPY streams the rows through psycopg's C code instead. The new rows' ids are taken from
the table's sequence first (one query), so the objects come back with their ids, as from
`bulk_create`, and the values are the ones `bulk_create` would write: each field's `pre_save`
(an `auto_now_add` time is set on the object) and `get_db_prep_save`, which is skipped for a
plain string, number or flag in a plain field (`_PLAIN`), where it writes the same text.

COPY is logged in Django's query log (so `CaptureQueriesContext` counts it) but does not pass
through execute wrappers. Rows with a value the database computes (an expression) go through
`bulk_create`.
"""

import time

from django.db import connections, models, router, transaction


def insert(model, objects: list, batch_size: int = 500, as_given=()) -> list:
    """Insert the new `objects` of `model` (no signals, like `bulk_create`); returns them with
    their ids. The fields named in `as_given` keep the objects' values even where the field
    sets its own on insert (`auto_now_add`: an imported history keeps its times)."""
    if not objects:
        return objects
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return _bulk_create(model, objects, batch_size, as_given)
    opts = model._meta
    fields = [field for field in opts.concrete_fields if not field.generated]
    for obj in objects:
        if obj.pk is None:
            obj.pk = opts.pk.get_pk_value_on_save(obj)
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        _take_ids(cursor, connection, opts, [obj for obj in objects if obj.pk is None])
        plain = [_plain_type(field) for field in fields]
        rows = []
        for obj in objects:
            row = []
            for field, kind in zip(fields, plain):
                value = getattr(obj, field.attname) if field.name in as_given else field.pre_save(obj, True)
                plain_value = kind is not None and (value is None or type(value) is kind)
                row.append(value if plain_value else field.get_db_prep_save(value, connection))
            rows.append(row)
        if any(hasattr(value, "resolve_expression") for row in rows for value in row):
            return _bulk_create(model, objects, batch_size, as_given)
        quote = connection.ops.quote_name
        sql = (f"COPY {quote(opts.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
               "FROM STDIN")
        started = time.monotonic()
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:
            connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows",
                                           "time": f"{time.monotonic() - started:.3f}"})
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


# Fields whose values of exactly this type go to COPY as they are: what `get_db_prep_save` makes
# of them is the same text (a third of the insert's Python time went to it).
_PLAIN = {models.CharField: str, models.TextField: str, models.BooleanField: bool, models.IntegerField: int,
          models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int, models.SmallIntegerField: int,
          models.BigIntegerField: int, models.PositiveBigIntegerField: int, models.AutoField: int,
          models.BigAutoField: int, models.SmallAutoField: int}


def _plain_type(field):
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    return _PLAIN.get(type(field))


def _bulk_create(model, objects, batch_size, as_given):
    given = [[getattr(obj, name) for name in as_given] for obj in objects]
    created = model._default_manager.bulk_create(objects, batch_size=batch_size)
    if as_given:
        for obj, values in zip(created, given):
            for name, value in zip(as_given, values):
                setattr(obj, name, value)
        model._default_manager.bulk_update(created, list(as_given), batch_size=batch_size)
    return created


def _take_ids(cursor, connection, opts, objects):
    """Give the objects the next ids of their table's sequence (an identity column's too)."""
    if not objects:
        return
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                   [connection.ops.quote_name(opts.db_table), opts.pk.column, len(objects)])
    for obj, (value,) in zip(objects, sorted(cursor.fetchall())):
        setattr(obj, opts.pk.attname, value)
