"""Columns of the catalogue's rows that PostgreSQL indexes and SQLite stores as text.

A facet's keys are a ``text[]`` array with a GIN index on PostgreSQL, a JSON list on other
databases; a search document is a ``tsvector`` on PostgreSQL, its words between spaces
elsewhere. The lookup ``overlap`` (any of these keys) gives the same answers on both, so the
suite, run on both, checks one behaviour. Word searches read the words of the documents from
their own table (``row_models.CatalogueWord``), the same on both.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import Lookup


def _postgresql(connection) -> bool:
    return connection.vendor == "postgresql"


class FacetKeysField(models.Field):
    """The distinct keys of one facet a record falls in (country codes, years, partner ids)."""

    description = "facet keys"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection) -> str:
        return "text[]" if _postgresql(connection) else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        keys = sorted({str(key) for key in value})
        return keys if _postgresql(connection) else json.dumps(keys)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def value_to_string(self, obj) -> str:
        # A dump (dumpdata, the JSON backup) writes the keys as JSON, which to_python reads back.
        return json.dumps(self.value_from_object(obj))


@FacetKeysField.register_lookup
class Overlap(Lookup):
    """Keep the rows having any of the keys given (OR within a facet)."""

    lookup_name = "overlap"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        keys = sorted({str(key) for key in self.rhs})
        return f"{lhs} && %s::text[]", [*lhs_params, keys]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        keys = sorted({str(key) for key in self.rhs})
        if not keys:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(keys))
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value IN ({marks}))",
            [*lhs_params, *keys],
        )


def _tsvector_literal(title_words: list[str], other_words: list[str]) -> str:
    """Write a tsvector value: title words weighted A, the others D, each lexeme once."""
    lexemes: dict[str, str] = {}
    for word in other_words:
        lexemes.setdefault(word, "2")
    for word in title_words:
        lexemes[word] = "1A"
    return " ".join(
        "'{}':{}".format(word.replace("\\", "\\\\").replace("'", "''"), position)
        for word, position in lexemes.items()
    )


# PostgreSQL refuses a lexeme over 2,047 bytes and a tsvector over 1 MB (its to_tsvector
# leaves such words out): the document leaves them out on every database alike.
MAX_WORD_BYTES = 2047
MAX_DOCUMENT_BYTES = 1_000_000


def _searchable(words) -> list[str]:
    kept, size = [], 0
    for word in words:
        length = len(word.encode())
        if length > MAX_WORD_BYTES:
            continue
        size += length + 8  # the lexeme's quotes, position and separator
        if size > MAX_DOCUMENT_BYTES:
            break
        kept.append(word)
    return kept


class SearchDocument:
    """The words a record is found by: those of its title apart, for relevance."""

    def __init__(self, title_words: list[str], other_words: list[str]) -> None:
        self.title_words = _searchable(dict.fromkeys(title_words))
        self.other_words = _searchable(
            w for w in dict.fromkeys(other_words) if w not in self.title_words
        )

    def as_text(self) -> str:
        """Return the words between spaces, title words first, then "|" and the others."""
        return f" {' '.join(self.title_words)} | {' '.join(self.other_words)} "


class SearchDocumentField(models.Field):
    """A record's search document: a tsvector on PostgreSQL, its words as text elsewhere.

    No longer on any model (the words are kept in ``CatalogueWord``); the migrations that
    created, compressed and read the column name it.
    """

    description = "search document"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection) -> str:
        return "tsvector" if _postgresql(connection) else "text"

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s::tsvector" if _postgresql(connection) else "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not isinstance(value, SearchDocument):
            return value
        if _postgresql(connection):
            return _tsvector_literal(value.title_words, value.other_words)
        return value.as_text()

    def from_db_value(self, value, expression, connection):
        return value
