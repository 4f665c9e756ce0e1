"""Insert and update many rows at once, by COPY on PostgreSQL: the bulk path of ``core.writes``.

Kept apart from ``writes`` so that any app may insert rows in bulk without importing what the
write service imports (search indexing, the catalogue).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from operator import attrgetter

from django.db import DatabaseError, connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.options import Options

BATCH = 500


def insert_rows(
    model: type[models.Model], objs: Sequence[models.Model], *, ignore_conflicts: bool = False
) -> None:
    """Insert ``objs`` as ``bulk_create`` would, by COPY on PostgreSQL; set their primary keys.

    ``bulk_create`` builds one parameter per value through Django's SQL compiler, which took
    most of an import's write time (a third of a million values per 500 activities); COPY
    sends the rows as one stream. The primary keys of new rows are taken from the table's
    sequence first (one query), so that the objects hold them as after ``bulk_create``.
    ``ignore_conflicts`` copies into a temporary table first and inserts from it, skipping
    rows that break a unique constraint. Other databases, inherited models and columns with
    database defaults use ``bulk_create``.
    """
    objs = list(objs)
    if not objs:
        return
    alias, connection, copies = _copy_connection(model)
    if not copies:
        model._default_manager.using(alias).bulk_create(
            objs, batch_size=BATCH, ignore_conflicts=ignore_conflicts
        )
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f.primary_key and ignore_conflicts)]
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None] if not ignore_conflicts else []
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(missing)],
            )
            for obj, (value,) in zip(missing, cursor.fetchall(), strict=True):
                setattr(obj, pk.attname, value)
        with _copy_target(cursor, connection, meta, fields, ignore_conflicts) as target:
            _copy(cursor, connection, target, fields, objs, add=True)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert rows given as the values of the fields ``names``, as ``insert_rows`` inserts objects.

    For rows nothing reads back (an index's): building a model object per row cost more than
    sending it (Wagtail's reference index, about ten rows an activity). The values are prepared
    for the database as those of objects are; the primary key is the table's (its sequence).
    Where ``insert_rows`` would not copy, objects are built and handed to it.
    """
    rows = list(rows)
    if not rows:
        return
    _alias, connection, copies = _copy_connection(model)
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    if not copies:
        attnames = [f.attname for f in fields]
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        insert_rows(model, objs, ignore_conflicts=ignore_conflicts)
        return
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    prepare = [_prepared(f, connection) for f in fields]
    with connection.cursor() as cursor:
        with _copy_target(cursor, connection, meta, fields, ignore_conflicts) as target:
            with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([prep(v) for prep, v in zip(prepare, row, strict=True)])


def _copy_connection(model: type[models.Model]) -> tuple[str, BaseDatabaseWrapper, bool]:
    """Return the alias and connection ``model`` is written to, and whether COPY can write it.

    Database defaults and generated columns need the SQL that bulk_create writes for them.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    special = any(f.generated or f.has_db_default() for f in meta.concrete_fields)
    return alias, connection, connection.vendor == "postgresql" and not (meta.parents or special)


@contextmanager
def _copy_target(
    cursor, connection, meta: Options, fields: list, ignore_conflicts: bool
) -> Iterator[str]:
    """Yield the table to COPY ``fields`` into: ``meta``'s own, or with ``ignore_conflicts`` a
    temporary one whose rows are then inserted, skipping those that break a unique constraint."""
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    if not ignore_conflicts:
        yield table
        return
    columns = ", ".join(quote(f.column) for f in fields)
    with _temporary_table(cursor, connection, f"_copy_{meta.db_table}", table, columns) as target:
        yield target
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} ON CONFLICT DO NOTHING"
        )


@contextmanager
def _temporary_table(cursor, connection, name: str, table: str, columns: str) -> Iterator[str]:
    """Yield a temporary table ``name`` holding no rows of ``columns`` of ``table``; drop it after.

    Dropped also when what runs inside fails outside a transaction: there the table outlives the
    failed statement, and the session's next bulk write would find the name taken. Inside a
    transaction the failure rolls its creation back (and no statement may run before that).
    """
    target = connection.ops.quote_name(name)
    cursor.execute(f"CREATE TEMPORARY TABLE {target} AS SELECT {columns} FROM {table} LIMIT 0")
    try:
        yield target
    except BaseException:
        if connection.get_autocommit():
            # The failure is what the caller must see, not a failure to drop (a lost connection).
            with suppress(DatabaseError):
                cursor.execute(f"DROP TABLE IF EXISTS {target}")
        raise
    cursor.execute(f"DROP TABLE {target}")


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """Write ``fields`` of ``objs`` (rows that exist) as ``bulk_update`` would, by COPY on PostgreSQL.

    ``bulk_update`` writes one ``CASE`` of every row for each field: for 200 activities of 59
    fields, 11,800 expressions that Django compiles and PostgreSQL parses (about 20 s on a loaded
    machine). Here the values are copied into a temporary table and the rows updated from it in
    one statement. Other databases and inherited models use ``bulk_update``.
    """
    objs = list(objs)
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    if connection.vendor != "postgresql" or meta.parents:
        model._default_manager.using(alias).bulk_update(objs, fields, batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    written = [meta.get_field(name) for name in fields]
    columns = [meta.pk, *written]
    names = ", ".join(quote(f.column) for f in columns)
    assignments = ", ".join(f"{quote(f.column)} = source.{quote(f.column)}" for f in written)
    with (
        connection.cursor() as cursor,
        _temporary_table(cursor, connection, f"_update_{meta.db_table}", table, names) as target,
    ):
        _copy(cursor, connection, target, columns, objs, add=False)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {target} AS source "
            f"WHERE {table}.{quote(meta.pk.column)} = source.{quote(meta.pk.column)}"
        )


#: ANALYZE a table inside a write once the write has added or changed this many of its rows.
GROWN_ROWS = 1000


def analyze_grown_tables(using: str = "default") -> list[str]:
    """ANALYZE the tables the current transaction has written many rows of (PostgreSQL).

    The planner judges a table by its last ANALYZE, which autovacuum runs only after a commit.
    What reads a bulk write's tables inside its transaction (the kept figures, the catalogue's
    rows) would then plan for the rows of one authority as if it had almost none: for an
    authority's first 2,000 activities, nested loops over rows believed absent (one figure
    table 34 s instead of 0.09 s), and the same for a new authority among many others, whose
    share of the table is small. ANALYZE inside the transaction counts the transaction's own
    rows; other sessions see its figures from the commit. A table another transaction is
    analysing is skipped rather than waited for. Returns the tables analysed.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relid::regclass::text FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd >= %s ORDER BY 1",
            [GROWN_ROWS],
        )
        tables = [name for (name,) in cursor.fetchall()]
        if tables:  # a regclass's text: quoted where it must be
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {', '.join(tables)}")
    return tables


def _copy(cursor, connection, target: str, fields: list, objs: list, *, add: bool) -> None:
    """Send the values of ``fields`` of ``objs`` to table ``target`` in one COPY stream."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    prepare = [(_value_of(f, add), _prepared(f, connection)) for f in fields]
    operation = "bulk_create" if add else "bulk_update"
    with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name=operation)
            copy.write_row([prep(value(obj)) for value, prep in prepare])


def _prepared(field: models.Field, connection) -> Callable[[object], object]:
    """Return how to turn a value of ``field`` into what the database is sent, as saving would.

    Texts, dates and switches are sent as they are: ``get_db_prep_save`` returns them unchanged
    (three calls deep, for a third of a million values in a large import). Values of another
    type, and fields whose preparation a subclass changes, go through ``get_db_prep_save``.
    """
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    kept = _sent_as_is(field, connection)
    if kept is None:
        return prepare
    return lambda value: value if value is None or type(value) is kept else prepare(value)


def _sent_as_is(field: models.Field, connection) -> type | None:
    """Return the type of value ``field`` sends to the database unchanged (None: none known)."""
    kind = type(field)
    if kind.get_db_prep_save is not models.Field.get_db_prep_save:
        return None
    if (
        issubclass(kind, (models.CharField, models.TextField))
        and kind.get_db_prep_value is models.Field.get_db_prep_value
        and kind.get_prep_value
        in (models.CharField.get_prep_value, models.TextField.get_prep_value)
        and kind.to_python in (models.CharField.to_python, models.TextField.to_python)
    ):
        return str
    if (
        issubclass(kind, models.BooleanField)
        and kind.get_db_prep_value is models.Field.get_db_prep_value
        and kind.get_prep_value is models.BooleanField.get_prep_value
        and kind.to_python is models.BooleanField.to_python
    ):
        return bool
    day = datetime.date(2000, 1, 1)
    if (
        issubclass(kind, models.DateField)
        and not issubclass(kind, models.DateTimeField)
        and kind.get_db_prep_value is models.DateField.get_db_prep_value
        and kind.get_prep_value is models.DateField.get_prep_value
        and kind.to_python is models.DateField.to_python
        and connection.ops.adapt_datefield_value(day) is day
    ):
        return datetime.date
    return None


def _value_of(field: models.Field, add: bool = True) -> Callable[[models.Model], object]:
    """Return how to read ``field``'s value of a new row, as ``pre_save`` would.

    Most fields' ``pre_save`` only reads the attribute: reading it directly saves a call per
    value (a million values in a large import). Fields that set a value as they are saved
    (``auto_now``, files) keep their own.
    """
    plain = type(field).pre_save is models.Field.pre_save
    if isinstance(field, models.DateField):  # and DateTimeField: only their auto_now* set a value
        plain = not (field.auto_now or (add and field.auto_now_add))
    if plain:
        return attrgetter(field.attname)
    return lambda obj: field.pre_save(obj, add)
