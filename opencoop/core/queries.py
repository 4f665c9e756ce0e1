"""Query helpers that hold for every database the portal runs on."""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection
from django.db.models import F, Lookup, Q

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
