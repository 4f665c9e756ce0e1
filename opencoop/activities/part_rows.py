"""Read the parts of many activities at once and hand each activity its own rows.

The rows are handed to the activities (or results, indicators) as modelcluster's in-memory
children, so the code that turns an activity into data reads them as it reads an activity's own.
Two ways, the same rows: on PostgreSQL one query returns every part of the batch as JSON (a
page of the API is one round trip for its parts, not one per part); elsewhere one query per
part, and per level of nested rows. ``tests/test_part_rows.py`` compares the two.

What the public may see of the rows is not decided here: the rows are read whole, and
``disclosure`` applies its rules to them afterwards, whichever way they were read.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from modelcluster.utils import sort_by_fields

from opencoop.core.queries import prepared_cursor
from opencoop.operations.replicas import reading_alias

from .disclosure import know_related_targets
from .models import RelatedActivity
from .parts import Part


def load_parts(owners: Sequence[Model], parts: Iterable[Part], *, using: str | None = None) -> None:
    """Read the rows of ``parts`` (and their nested rows) of ``owners`` and hand them over.

    ``owners`` are activities (results, for nested parts) of one model; their rows come in the
    editor's order (``sort_order``, then ``pk``), as ``Part.queryset`` reads them. The one query
    goes where the router sends this request's reads (a replica for a public read).
    """
    parts = tuple(parts)
    if not owners or not parts:
        return
    using = using or reading_alias()
    if connections[using].vendor == "postgresql":
        _load_as_json(owners, parts, using)
    else:
        for part in parts:
            _load_one_part(owners, part)


# One query per part (every database) ---------------------------------------------------------


def _load_one_part(owners: Sequence[Model], part: Part) -> None:
    """Read the rows of ``part`` of ``owners`` in one query; nested rows a query per level."""
    owner_key = _owner_key(type(owners[0]), part)
    rows = part.queryset().prefetch_related(None)  # nested rows: read below, a query per level
    rows = rows.filter(**{f"{owner_key}__in": [owner.pk for owner in owners]}).order_by(
        "sort_order", "pk"
    )
    children = _hand_over(owners, part, owner_key, list(rows))
    for inner in part.nested:
        if children:
            _load_one_part(children, inner)


def _owner_key(owner_model: type[Model], part: Part) -> str:
    return owner_model._meta.get_field(part.relation).field.attname


def _hand_over(owners: Sequence[Model], part: Part, owner_key: str, rows: list) -> list:
    """Give each owner its rows of ``part``; return them all, in order.

    As modelcluster's ``set`` leaves them, without its per-row work: the rows point at their
    owner by id already, so each needs only its owner cached (``set`` assigns it through the
    key's descriptor, which asks the database router about every row: a fifth of reading the
    parts of 500 activities), and they come in the part's order (``sort_order``, then id).
    """
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, owner_key)].append(row)
    if not owners:
        return []
    key = type(owners[0])._meta.get_field(part.relation).field
    ordering = part.model._meta.ordering
    # A part ordered otherwise than it is read is ordered as ``set`` orders it.
    resort = list(ordering) not in ([], ["sort_order"], ["sort_order", "pk"])
    for owner in owners:
        mine = grouped.get(owner.pk, [])
        for row in mine:
            key.set_cached_value(row, owner)
        if resort and len(mine) > 1:
            sort_by_fields(mine, ordering)
        hold_children(owner, part.relation, mine)
    return [row for owner in owners for row in grouped.get(owner.pk, [])]


def hold_children(owner: Model, relation: str, rows: list) -> None:
    """Make ``rows`` the in-memory children of ``owner`` under ``relation``.

    Where modelcluster's ``DeferringRelatedManager.set`` keeps them (a private attribute, used
    only here): ``tests/test_part_rows.py`` compares the result with ``set``'s, so that a
    change in modelcluster fails a test rather than every page.
    """
    try:
        held = owner._cluster_related_objects
    except AttributeError:
        held = owner._cluster_related_objects = {}
    held[relation] = rows


# Every part in one query (PostgreSQL) --------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """The columns of one model's rows in the JSON, and how to read each back as the field's."""

    model: type[Model]
    fields: tuple[models.Field, ...]

    @functools.cached_property
    def attnames(self) -> list[str]:
        return [field.attname for field in self.fields]

    @functools.cached_property
    def converters(self) -> list[tuple[int, Callable]]:
        return [(n, _converter(field)) for n, field in enumerate(self.fields) if _as_text(field)]

    @functools.cached_property
    def signalled(self) -> bool:
        """Whether anything listens to this model's instances being built (pre/post_init)."""
        return pre_init.has_listeners(self.model) or post_init.has_listeners(self.model)

    def instance(self, values: list, using: str) -> Model:
        """Build the row as a query would: each value converted as its field converts it.

        Every concrete field is read, so the instance is ``from_db``'s without its ``__init__``
        (which checks each field against keyword arguments and sends two signals): a page of
        the API builds hundreds of rows, and this is a third of their cost. A model that
        something listens to for its instances takes ``from_db``.
        """
        for n, convert in self.converters:
            if values[n] is not None:
                values[n] = convert(values[n])
        if self.signalled:
            return self.model.from_db(using, self.attnames, values)
        row = self.model.__new__(self.model)
        row.__dict__.update(zip(self.attnames, values, strict=True))
        state = row._state = ModelState()
        state.adding, state.db = False, using
        return row


@dataclass(frozen=True)
class _Shape:
    """How one part's rows come back as JSON: its columns, then each referred row's (or null)."""

    part: Part
    owner_key: str
    columns: _Columns
    related: tuple[tuple[models.ForeignKey, _Columns], ...]
    # The index of the part nested rows belong to among the parts read (None: the owners').
    parent: int | None


def _as_text(field: models.Field) -> bool:
    """Say whether a column travels as text in the JSON, read back by the field.

    A JSON number would lose a decimal's places, and dates, times, durations and UUIDs are
    strings in JSON; a JSON column travels as JSON, decoded as Django decodes the column
    (``json.loads``, floats for decimals), unless its field has a decoder of its own.
    """
    if isinstance(field, models.JSONField):
        return field.decoder is not None
    return isinstance(field, TEXT_FIELDS)


TEXT_FIELDS = (
    models.DecimalField,
    models.DateField,  # and DateTimeField
    models.TimeField,
    models.DurationField,
    models.UUIDField,
)


def _converter(field: models.Field) -> Callable:
    if isinstance(field, models.JSONField):  # its text, decoded by the field's decoder
        return lambda value: field.from_db_value(value, None, connections["default"])
    return field.to_python


def _values(alias: str, fields: Iterable[models.Field], quote) -> str:
    columns = []
    for field in fields:
        column = f"{alias}.{quote(field.column)}"
        columns.append(f"{column}::text" if _as_text(field) else column)
    return ", ".join(columns)


_PLANS: dict[tuple, tuple[str, tuple[_Shape, ...]]] = {}


def _plan(owner_model: type[Model], parts: tuple[Part, ...]) -> tuple[str, tuple[_Shape, ...]]:
    """Return the SQL of one query reading ``parts`` of a batch of owners, and each part's shape.

    Built once per set of parts: it depends on the models alone (the batch's ids are its one
    parameter).
    """
    key = (owner_model, tuple(part.relation for part in parts))
    if key not in _PLANS:
        _PLANS[key] = _build_plan(owner_model, parts)
    return _PLANS[key]


def _build_plan(owner_model: type[Model], parts: tuple[Part, ...]) -> tuple[str, tuple]:
    quote = connections["default"].ops.quote_name
    shapes: list[_Shape] = []
    selects: list[str] = []

    def add(model: type[Model], part: Part, owners_sql: str, parent: int | None) -> None:
        owner_key = _owner_key(model, part)
        table = part.model._meta.db_table
        fields = tuple(part.model._meta.concrete_fields)
        related = []
        joins = []
        items = [_values("t", fields, quote)]
        for number, name in enumerate(part.select_related):
            foreign_key = part.model._meta.get_field(name)
            target = foreign_key.related_model
            target_fields = tuple(target._meta.concrete_fields)
            alias = f"r{number}"
            joins.append(
                f"LEFT JOIN {quote(target._meta.db_table)} {alias} ON {alias}."
                f"{quote(foreign_key.target_field.column)} = t.{quote(foreign_key.column)}"
            )
            items.append(
                f"CASE WHEN {alias}.{quote(target._meta.pk.column)} IS NULL THEN NULL "
                f"ELSE json_build_array({_values(alias, target_fields, quote)}) END"
            )
            related.append((foreign_key, _Columns(target, target_fields)))
        owner_column = part.model._meta.get_field(owner_key).column
        where = f"t.{quote(owner_column)} IN ({owners_sql})"
        selects.append(
            f"(SELECT COALESCE(json_agg(json_build_array({', '.join(items)}) "
            f"ORDER BY t.{quote('sort_order')}, t.{quote(part.model._meta.pk.column)}), '[]')"
            f"::text FROM {quote(table)} t {' '.join(joins)} WHERE {where})"
        )
        shapes.append(_Shape(part, owner_key, _Columns(part.model, fields), tuple(related), parent))
        index = len(shapes) - 1
        pk = quote(part.model._meta.pk.column)
        for inner in part.nested:
            add(
                part.model,
                inner,
                f"SELECT {pk} FROM {quote(table)} WHERE {quote(owner_column)} IN ({owners_sql})",
                index,
            )

    for part in parts:
        add(owner_model, part, "SELECT unnest(%(ids)s::bigint[])", None)
    return "SELECT " + ", ".join(selects), tuple(shapes)


def _load_as_json(owners: Sequence[Model], parts: tuple[Part, ...], using: str) -> None:
    sql, shapes = _plan(type(owners[0]), parts)
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, {"ids": [owner.pk for owner in owners]})
        columns = cursor.fetchone()
    handed: list[list] = []  # each part's rows, in order, for the parts nested under it
    for shape, column in zip(shapes, columns, strict=True):
        rows = []
        width = len(shape.columns.fields)
        for values in json.loads(column):
            row = shape.columns.instance(values[:width], using)
            for (foreign_key, columns), referred in zip(shape.related, values[width:], strict=True):
                target = None if referred is None else columns.instance(referred, using)
                foreign_key.set_cached_value(row, target)
            rows.append(row)
        if shape.part.model is RelatedActivity:
            know_related_targets(rows)
        batch = owners if shape.parent is None else handed[shape.parent]
        handed.append(_hand_over(batch, shape.part, shape.owner_key, rows) if batch else [])
