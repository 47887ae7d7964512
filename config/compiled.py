"""Read queries the ORM compiles once, for the few that every request makes.

A logged-in request reads its session with its user, and a plan's page reads the plan with
the access check. Building and compiling those querysets took longer than running them
(bench/README.md, "Throughput"). The SQL is the same every time and only the values differ,
so `CompiledQuery` lets the ORM write it once per database connection and then runs it with
each request's values. Rows are still read by the ORM's own iterable: select_related,
annotations, converters and `from_db` all work as for the queryset itself.

On PostgreSQL the query is also prepared outside transactions (parsed and planned by the
server once per connection, not on every request; the plan lookup's planning cost four times
its running). Django leaves psycopg's prepared statements off, for poolers that do not keep
them between transactions: DJANGO_DB_PREPARE=0 leaves these off too (PgBouncer in transaction
mode before 1.21, or with max_prepared_statements = 0). A statement the server has lost
(DEALLOCATE, DISCARD ALL) or that a migration made stale is prepared again.

    plan_by_slug = CompiledQuery(lambda slug: Plan.objects.filter(slug=slug), "\\x00slug\\x00")
    plans = plan_by_slug("svendborg-masterplan")  # a list, as list(queryset) would give

Values are bound by position: each marker, given where a value goes when the queryset is
built, must reach the query's parameters exactly once and unchanged, which holds for strings
and integers that no other parameter equals. A value is refused unless it has its marker's
type, so nothing the ORM would have converted (dates, model instances) slips in unconverted.
"""

import functools
import weakref

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router


class _Compiled:
    """One compiled query on one connection: the queryset, its compiler after `as_sql` (which
    knows the columns and how to read them), its SQL and where the values go."""

    def __init__(self, queryset, markers):
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.positions = []
        for marker in markers:
            found = [i for i, param in enumerate(self.params) if type(param) is type(marker) and param == marker]
            if len(found) != 1:
                raise ImproperlyConfigured(f"The marker {marker!r} is {len(found)} of the query's parameters, "
                                           f"not one: {self.params!r}")
            self.positions.append(found[0])
        self.compiler.connection = None  # each run's copy is given it: no cycle, kept on it

    def run(self, connection, values) -> list:
        params = list(self.params)
        for position, value in zip(self.positions, values):
            params[position] = value
        compiler = _shallow_copy(self.compiler, _running(type(self.compiler)))
        compiler.connection, compiler.run_sql, compiler.run_params = connection, self.sql, tuple(params)
        query = _shallow_copy(self.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler
        queryset = _shallow_copy(self.queryset)  # never evaluated itself: its result cache is empty
        queryset._query = query
        return list(queryset)


@functools.cache
def _running(compiler_class):
    """The compiler class, running the compiled SQL instead of compiling its query."""

    class Running(compiler_class):
        def execute_sql(self, *args, **kwargs):
            return _execute(self, self.run_sql, self.run_params)

    return Running


def _execute(compiler, sql, params):
    """The compiler's `execute_sql` for the ORM's iterable: the rows, in one chunk."""
    connection = compiler.connection
    prepare = _prepares(connection)
    try:
        rows = _fetch(connection, prepare, sql, params)
    except DatabaseError as error:
        if not (prepare and _stale(error)):
            raise
        # The server no longer has the statement psycopg thinks it prepared (DEALLOCATE or
        # DISCARD ALL elsewhere), or a migration changed a column it reads: forget the
        # connection's prepared statements and run it again (outside a transaction the
        # failed statement left nothing behind). Run unprepared this once: psycopg deallocates
        # after a statement, and would deallocate one prepared now too.
        connection.connection._prepared.clear()
        rows = _fetch(connection, False, sql, params)
    if compiler.has_extra_select:
        rows = [row[:compiler.col_count] for row in rows]
    return [rows]


def _prepares(connection) -> bool:
    """Whether to prepare: on PostgreSQL, unless DJANGO_DB_PREPARE is off, and outside a
    transaction, where a statement psycopg believes prepared but the server has lost can be
    run again (inside one, its error would end the transaction)."""
    return connection.vendor == "postgresql" and settings.DB_PREPARE and not connection.in_atomic_block


def _stale(error) -> bool:
    from psycopg import errors

    return isinstance(error.__cause__, (errors.InvalidSqlStatementName, errors.FeatureNotSupported))


def _fetch(connection, prepare: bool, sql: str, params: tuple) -> list:
    with _cursor(connection) if prepare else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cursor(connection):
    """Django's cursor (the time zone, the query log, execute wrappers) over a psycopg cursor
    that prepares what it runs."""
    connection.ensure_connection()
    psycopg_connection = connection.connection
    factory = psycopg_connection.cursor_factory
    psycopg_connection.cursor_factory = _preparing_cursor()  # only while Django makes this one
    try:
        return connection.cursor()
    finally:
        psycopg_connection.cursor_factory = factory


@functools.cache
def _preparing_cursor():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Django's server-side binding cursor, having each query prepared (psycopg keeps
        a connection's prepared statements, the most recent 100). Django turns psycopg's
        preparing off for the connection (`prepare_threshold` None); it is on only for
        this cursor's statement, so Django's own cursors behave as they always do."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            connection = self.connection
            threshold, connection.prepare_threshold = connection.prepare_threshold, 0
            try:
                return super().execute(query, params, prepare=True, binary=binary)
            finally:
                connection.prepare_threshold = threshold

    return PreparingCursor


def _shallow_copy(obj, cls=None):
    """A copy sharing obj's attributes (of `cls`, by default obj's class), as `Query.clone`
    starts one (`copy.copy` would pickle a queryset's state, and that runs the query)."""
    new = object.__new__(cls or type(obj))
    new.__dict__.update(obj.__dict__)
    return new


class CompiledQuery:
    """A read query compiled once per database connection (connections are per thread) and
    run with new values. `build(*markers)` returns the queryset."""

    def __init__(self, build, *markers):
        self.build, self.markers = build, markers
        self._using = None

    def __call__(self, *values) -> list:
        if len(values) != len(self.markers):
            raise TypeError(f"The query takes {len(self.markers)} values, not {len(values)}.")
        for marker, value in zip(self.markers, values):
            if type(value) is not type(marker):
                raise TypeError(f"The query takes a {type(marker).__name__} here, not {value!r}.")
        if self._using is None:
            self._using = router.db_for_read(self.build(*self.markers).model)
        connection = connections[self._using]
        # Kept on the connection itself, so they go with it (a thread's connection ends with
        # the thread); weakly, so a query that is gone takes its entry along.
        kept = vars(connection).get("_compiled_queries")
        if kept is None:
            kept = vars(connection)["_compiled_queries"] = weakref.WeakKeyDictionary()
        compiled = kept.get(self)
        if compiled is None:
            compiled = kept[self] = _Compiled(self.build(*self.markers).using(self._using), self.markers)
        return compiled.run(connection, values)
