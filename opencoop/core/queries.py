"""Query helpers that hold for every database the portal runs on."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import F, Func, Lookup, OuterRef, Q, QuerySet, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber

# Up to this many values a plain IN (...) is as fast.
ARRAY_FROM = 100


class _AnyOf(Lookup):
    """``lhs = ANY(%s)`` with one array parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Sent as the text of an array: psycopg would otherwise dump a list value by value in
        # Python (measured: 5% of the IATI export, 500 keys per kind of part and chunk).
        keys = "{" + ",".join(str(int(value)) for value in self.rhs) + "}"
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, keys]


def among_ids(field: str, ids: Collection[int]) -> Q | Lookup:
    """Return the condition "``field`` is one of ``ids``" (integers), for ``filter()``.

    On PostgreSQL a long list goes as one array parameter: as IN (...) it would be one
    placeholder per value, each parsed and quoted by the driver in Python (measured: 120 ms for
    a catalogue query holding two lists of 5,000 ids).
    """
    if connection.vendor != "postgresql" or len(ids) < ARRAY_FROM:
        return Q(**{f"{field}__in": ids})
    return _AnyOf(F(field), list(ids))


def first_of_each(
    rows: QuerySet, group: str, groups: QuerySet, order: Sequence[str | OrderBy], count: int
) -> QuerySet:
    """Return the first ``count`` of ``rows`` in each group, in ``order``, in one query.

    ``group`` is the field of a row naming its group and ``groups`` a query of the groups (their
    primary keys are what ``group`` holds). On PostgreSQL each group's rows are read in
    ``order`` until ``count`` are found (with an index on the group and the order, ``count``
    rows a group); elsewhere every row of the groups is ranked. The result is a plain query of
    the rows' model: order it and choose its columns.
    """
    if connection.vendor == "postgresql":
        first = rows.filter(**{group: OuterRef("pk")}).order_by(*order).values("pk")[:count]
        chosen = groups.order_by().annotate(first=Func(ArraySubquery(first), function="unnest"))
        # Not ``rows.filter``: its conditions again would make the planner read every row.
        return rows.model._base_manager.using(rows.db).filter(pk__in=chosen.values("first"))
    ranked = rows.annotate(
        rank=Window(RowNumber(), partition_by=F(group), order_by=list(order))
    ).filter(rank__lte=count)
    return rows.model._base_manager.using(rows.db).filter(pk__in=ranked.values("pk"))


def prepared_cursor(using: str = "default"):
    """Return a cursor whose statements PostgreSQL plans once per connection.

    Django's psycopg cursors bind parameters on the client: the server plans every statement
    afresh. The activity page's one query for all its parts (``part_rows``, some 10,000
    characters over twenty tables) took 2.0 ms to plan for 0.8 ms of work. psycopg's own cursor
    binds on the server and prepares its statements (``prepare_threshold`` 0 in the settings),
    which the connection plans once, generically (``plan_cache_mode``), for as long as it lives
    (``CONN_MAX_AGE``): 0.65 ms a page instead of 2.8 ms at 100,000 activities. Session pooling
    keeps a connection's prepared statements (docs/deploy.md, PgBouncer). Only for statements
    whose parameters PostgreSQL can type by themselves (casts in the SQL): server-side binding
    refuses some shapes Django writes. Elsewhere than PostgreSQL, Django's own cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return _LoggedAsWritten(cursor, connection)
    return connection.make_cursor(cursor)


class _LoggedAsWritten(CursorDebugWrapper):
    """Django's query log for a cursor bound on the server: the statement as written.

    Django logs the text psycopg sent; psycopg keeps none for these cursors, and the log (and
    the tests that count queries) would hold None.
    """

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)
