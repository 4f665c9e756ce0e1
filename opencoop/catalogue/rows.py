"""The catalogue's rows (``CatalogueRow``): what the catalogue filters, counts and pages on.

A row is written for each published activity, initiative and exchange, in the transaction that
publishes, unpublishes, deletes or writes it (``signals``: Wagtail's publish and unpublish,
``post_delete`` and ``write_records``' ``records_written``), so the next request sees it; its
search document's words (``CatalogueWord``, what word searches read) are written and deleted
with it.
``manage.py rebuild_catalogue_rows`` writes them all again (after a migration, or a change of
the rules below).

What a row holds comes from the rules that decide it elsewhere: sector groups and SDG goals from
``activities.derived``, the partners the public may see named from ``activities.disclosure``,
the words a record is found by from ``indexing`` (its Snowball stems, never a hidden partner or
place), the day it becomes public from the access policy (``policy.public_from``).
"""

from __future__ import annotations

import datetime
import functools
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import F, Model

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import named_participations
from opencoop.activities.models import Activity, PolicyMarker, RecipientCountry, SdgTag, Sector
from opencoop.core.queries import among_ids
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative, InitiativeCountry, InitiativePartner

from .fields import SearchDocument
from .indexing import SearchText, activities_for_index, activity_search_text, words
from .regions import continent_of_country
from .row_models import (
    ARRAY_FACETS,
    OTHER_WEIGHT,
    PAIRED_FACETS,
    TITLE_WEIGHT,
    CatalogueCount,
    CataloguePairCount,
    CatalogueRow,
    CatalogueWord,
)

BATCH = 500

MODELS: dict[str, type[Model]] = {
    CatalogueRow.ACTIVITY: Activity,
    CatalogueRow.INITIATIVE: Initiative,
    CatalogueRow.EXCHANGE: Exchange,
}
KIND_OF_MODEL = {model: kind for kind, model in MODELS.items()}


def _parents() -> dict[type[Model], tuple[type[Model], str]]:
    """Map each part model a row reads to its record's model and the column naming the record."""
    from opencoop.activities.parts import PARTS

    parents = {part.model: (Activity, "activity_id") for part in PARTS}
    parents[InitiativeCountry] = (Initiative, "initiative_id")
    parents[InitiativePartner] = (Initiative, "initiative_id")
    return parents


PARENTS = _parents()


@functools.lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """Return ``word`` without accents ("fès" → "fes"): documents and queries are folded alike.

    Records repeat the same words, most of them plain ASCII (which has no accent to take off):
    folding a catalogue row's words one character at a time took a third of writing the row.
    """
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded_words(text: str) -> list[str]:
    return [fold(word) for word in words(text)]


def _document(title: dict | None, other_texts: Iterable[str]) -> SearchDocument:
    """Return the search document of a record: its title's words and stems, then the rest."""
    title_text = SearchText()
    title_text.add_multilingual(title)
    title_words = folded_words(title_text.render())
    other: list[str] = []
    for value in other_texts:
        other += folded_words(value)
    return SearchDocument(title_words, other)


def _years(start: datetime.date | None, end: datetime.date | None) -> list[int]:
    """Return the years a record is active in, from its first known date to its last."""
    if start is None:
        return []
    return list(range(start.year, (end or start).year + 1))


def _regions(countries: Iterable[str]) -> set[str]:
    continent = continent_of_country()
    return {continent[code] for code in countries if code in continent}


def _pairs(queryset, key: str) -> dict[int, set[str]]:
    keys: dict[int, set[str]] = defaultdict(set)
    for record_id, value in queryset.values_list("activity_id", key):
        if value not in (None, ""):
            keys[record_id].add(str(value))
    return keys


def _activity_rows(ids: list[int]) -> Iterator[CatalogueRow]:
    activities = activities_for_index(ids)
    ids = [activity.pk for activity in activities]
    mine = {"activity_id__in": ids}
    countries = _pairs(RecipientCountry.objects.filter(**mine), "code")
    groups = _pairs(with_sector_groups(Sector.objects.filter(**mine)), "sector_group")
    sectors = _pairs(Sector.objects.filter(vocabulary="1", **mine), "code")
    goals = _pairs(with_sdg_goals(SdgTag.objects.filter(**mine)), "sdg_goal")
    targets = _pairs(SdgTag.objects.filter(vocabulary="3", **mine), "code")
    markers = _pairs(PolicyMarker.objects.filter(**mine).exclude(significance="0"), "code")
    partners = _pairs(
        named_participations()
        .filter(**mine)
        .exclude(organisation_id=F("activity__reporting_org_id")),
        "organisation_id",
    )
    for activity in activities:
        public_from = policy.public_from(activity)
        if public_from is None:
            continue
        start = (
            activity.actual_start
            or activity.planned_start
            or activity.actual_end
            or activity.planned_end
        )
        end = (
            activity.actual_end
            or activity.planned_end
            or activity.actual_start
            or activity.planned_start
        )
        pk = activity.pk
        texts = [
            text for field in ("description",) for text in (getattr(activity, field) or {}).values()
        ]
        texts += [activity.iati_identifier, activity_search_text(activity)]
        yield CatalogueRow(
            kind=CatalogueRow.ACTIVITY,
            record_id=pk,
            authority_id=activity.reporting_org_id,
            public_from=public_from,
            status=activity.status or "",
            partnership_id=activity.partnership_id,
            years=_years(start, end) if start and end and end >= start else [],
            regions=_regions(countries[pk]),
            countries=countries[pk],
            sector_groups=groups[pk],
            sectors=sectors[pk],
            sdgs=goals[pk],
            sdg_targets=targets[pk],
            markers=markers[pk],
            partners=partners[pk],
            title=activity.title or {},
            start=start,
            end=end,
            search_document=_document(activity.title, texts),
        )


def _record_text(record, country_codes: Iterable[str], partner_names: Iterable[dict]) -> str:
    """Return the public words of an initiative or exchange, stemmed like an activity's."""
    text = SearchText()
    for field in ("summary", "body", "place", "theme"):
        text.add_multilingual(getattr(record, field, None))
    for code in country_codes:
        text.add_label("Country", code)
    for name in partner_names:
        text.add_multilingual(name)
    text.add_multilingual(record.reporting_org.name)
    return text.render()


def _other_rows(kind: str, ids: list[int]) -> Iterator[CatalogueRow]:
    model = MODELS[kind]
    records = list(model.objects.filter(among_ids("pk", ids)).select_related("reporting_org"))
    countries: dict[int, list[str]] = defaultdict(list)
    partners: dict[int, list] = defaultdict(list)
    if model is Initiative:
        for pk, code in InitiativeCountry.objects.filter(initiative__in=ids).values_list(
            "initiative_id", "code"
        ):
            countries[pk].append(code)
        for partner in InitiativePartner.objects.filter(initiative__in=ids).select_related(
            "organisation"
        ):
            partners[partner.initiative_id].append(partner.organisation)
    for record in records:
        public_from = policy.public_from(record)
        if public_from is None:
            continue
        codes = countries[record.pk] if model is Initiative else [record.country or ""]
        codes = [code for code in dict.fromkeys(codes) if code]
        named = [o for o in partners[record.pk] if o.pk != record.reporting_org_id]
        start = record.start_date or record.end_date
        end = record.end_date or record.start_date
        yield CatalogueRow(
            kind=kind,
            record_id=record.pk,
            authority_id=record.reporting_org_id,
            public_from=public_from,
            years=_years(start, end) if start and end and end >= start else [],
            regions=_regions(codes),
            countries=codes,
            partners=[o.pk for o in named],
            title=record.title or {},
            start=start,
            end=end,
            search_document=_document(
                record.title, [_record_text(record, codes, [o.name for o in named])]
            ),
        )


# Counts kept per key (``CatalogueCount``) --------------------------------------------------------

# What of a row its counts read (the rest of a row is left unread when it is written again).
COUNTED_FIELDS = ("kind", "authority_id", "public_from", "stale", "status", "partnership_id")
COUNTED_FIELDS += tuple(ARRAY_FACETS.values())


def facet_keys(row: CatalogueRow) -> Iterator[tuple[str, str]]:
    """Yield the (facet, key) pairs ``row`` is counted in: ("", "") for the row itself."""
    yield "", ""
    if row.status:
        yield "status", row.status
    if row.partnership_id is not None:
        yield "partnership", str(row.partnership_id)
    for param, column in ARRAY_FACETS.items():
        for key in sorted({str(key) for key in getattr(row, column)}):  # as the column keeps them
            yield param, key


def facet_pairs(keys: list[tuple[str, str]]) -> Iterator[tuple[str, str, str, str]]:
    """Yield the (given facet, key, facet, key) pairs of a row's ``keys`` (``facet_keys``)."""
    for given, given_key in keys:
        if given in PAIRED_FACETS:
            for facet, key in keys:
                if facet and facet != given:
                    yield given, given_key, facet, key


def _count_changes(
    removed: Iterable[CatalogueRow], added: Iterable[CatalogueRow], *, pairs: bool = True
) -> None:
    """Add the rows ``added`` to the kept counts and take ``removed`` away (stale ones are not).

    Runs in the transaction writing the rows. Keys whose count does not change are not written,
    so writing an unchanged record again touches no count. ``pairs``: the pair counts too
    (False only before their table exists: migration 0005).
    """
    changes: Counter = Counter()
    pair_changes: Counter = Counter()
    for rows, sign in ((removed, -1), (added, 1)):
        for row in rows:
            if row.stale:
                continue
            scope = (row.authority_id, row.kind, row.public_from)
            keys = list(facet_keys(row))
            for facet, key in keys:
                changes[(*scope, facet, key)] += sign
            if pairs:
                for pair in facet_pairs(keys):
                    pair_changes[(*pair, *scope)] += sign
    _write_counts(
        CatalogueCount,
        ("authority_id", "kind", "public_from", "facet", "facet_key"),
        {
            (a, k, connection.ops.adapt_datefield_value(d), f, key): n
            for (a, k, d, f, key), n in changes.items()
        },
    )
    _write_counts(
        CataloguePairCount,
        ("given_facet", "given_key", "facet", "facet_key", "authority_id", "kind", "public_from"),
        {
            (*pair, a, k, connection.ops.adapt_datefield_value(d)): n
            for (*pair, a, k, d), n in pair_changes.items()
        },
    )


# Counts written per statement on PostgreSQL (as arrays), and each column's array type.
PAIR_BATCH = 20_000
_ARRAY_TYPES = {
    "CharField": "text",
    "DateField": "date",
    "ForeignKey": "bigint",
    "IntegerField": "integer",
}


def _field_name(column: str) -> str:
    return column.removesuffix("_id")


def _write_counts(model: type[Model], columns: tuple[str, ...], changes: dict[tuple, int]) -> None:
    """Add ``changes`` (by the values of ``columns``, the model's unique key) to ``model``'s n;
    drop the counts that fall to 0."""
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(map(quote, columns))
    width = len(columns) + 1
    # In the order of the unique key, so that writers of the same counts lock them alike.
    values = [(*key, n) for key, n in sorted(changes.items())]
    upsert = (
        f"ON CONFLICT ({names}) "
        f"DO UPDATE SET {quote('n')} = {table}.{quote('n')} + excluded.{quote('n')}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array a column: a statement of many thousand counts is a few parameters, not
            # a placeholder a value for the driver to find and quote (5 ms a row's pairs).
            types = [
                _ARRAY_TYPES[model._meta.get_field(_field_name(c)).get_internal_type()]
                for c in columns
            ]
            arrays = ", ".join(f"%s::{kind}[]" for kind in [*types, "integer"])
            for start in range(0, len(values), PAIR_BATCH):
                chunk = values[start : start + PAIR_BATCH]
                cursor.execute(
                    f"INSERT INTO {table} ({names}, {quote('n')}) "
                    f"SELECT * FROM unnest({arrays}) {upsert}",
                    [list(column) for column in zip(*chunk, strict=True)],
                )
        else:
            for start in range(0, len(values), BATCH):
                chunk = values[start : start + BATCH]
                marks = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({names}, {quote('n')}) VALUES {marks} {upsert}",
                    [value for row in chunk for value in row],
                )
        authority = columns.index("authority_id")
        authorities = sorted({key[authority] for key in changes})
        marks = ", ".join(["%s"] * len(authorities))
        cursor.execute(
            f"DELETE FROM {table} WHERE {quote('authority_id')} IN ({marks}) AND {quote('n')} = 0",
            authorities,
        )


def _delete_all(model: type[Model]) -> None:
    """Delete every row of ``model`` in one statement: ``QuerySet.delete`` reads each first
    to send its signals (137,000 pair counts at 100,000 activities), and counts have none."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def recount(*, pairs: bool = True) -> int:
    """Count every row again into the kept counts (after a migration); return how many rows.

    ``pairs``: the pair counts too (False only before their table exists: migration 0005).
    """
    counted = 0
    with transaction.atomic():
        CatalogueCount.objects.all().delete()
        if pairs:
            _delete_all(CataloguePairCount)
        batch: list[CatalogueRow] = []
        for row in CatalogueRow.objects.filter(stale=False).only(*COUNTED_FIELDS).iterator(BATCH):
            batch.append(row)
            if len(batch) == 4 * BATCH:
                _count_changes([], batch, pairs=pairs)
                counted, batch = counted + len(batch), []
        _count_changes([], batch, pairs=pairs)
    return counted + len(batch)


# Words written per statement: a row holds a few hundred of them.
WORD_BATCH = 5000
# Between the words of one statement: a control character, which no word (\w+) holds.
WORD_SEPARATOR = "\x1f"


def document_words(document: SearchDocument) -> Iterator[tuple[str, int]]:
    """Yield each word of a search document once, with its weight (``CatalogueWord``)."""
    for word in document.title_words:
        yield word, TITLE_WEIGHT
    for word in document.other_words:
        yield word, OTHER_WEIGHT


def _write_words(rows: Iterable[CatalogueRow]) -> None:
    """Write the words of ``rows`` (just created, so with their ids) in the caller's transaction.

    As plain values, not model instances: a row has a hundred words or more, and building an
    object for each took most of the time of writing a row again.
    """
    values = [
        (word, row.pk, weight)
        for row in rows
        if isinstance(row.search_document, SearchDocument)
        for word, weight in document_words(row.search_document)
    ]
    table = connection.ops.quote_name(CatalogueWord._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(values), WORD_BATCH):
            chunk = values[start : start + WORD_BATCH]
            if connection.vendor == "postgresql":
                # One statement of three columns: no SQL text a hundred thousand values long.
                # Each column goes as one text split by the server: psycopg adapts a list
                # element by element in Python (294,000 words, 2,000 activities: 0.72-1.05 s
                # of processor as arrays, 0.37-0.43 s as texts).
                words, row_ids, weights = zip(*chunk, strict=True)
                joined = WORD_SEPARATOR.join(words)
                if joined.count(WORD_SEPARATOR) != len(words) - 1:  # never from \w+ words
                    raise ValueError("a catalogue word holds the separator of their list")
                cursor.execute(
                    f"INSERT INTO {table} (word, row_id, weight) SELECT * FROM unnest("
                    "string_to_array(%s, E'\\x1f'), string_to_array(%s, ',')::bigint[], "
                    "string_to_array(%s, ',')::smallint[])",
                    [joined, ",".join(map(str, row_ids)), ",".join(map(str, weights))],
                )
            else:
                cursor.executemany(
                    f"INSERT INTO {table} (word, row_id, weight) VALUES (%s, %s, %s)", chunk
                )


def _drop_words(row_ids: list[int]) -> None:
    """Delete the words of the rows ``row_ids`` in one statement per batch.

    Not through the ORM's delete: the page cache listens to every deletion, so the ORM would
    read each word before deleting it.
    """
    table = connection.ops.quote_name(CatalogueWord._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(row_ids), BATCH):
            chunk = row_ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE row_id IN ({marks})", chunk)


def _take_rows(kind: str, ids: list[int]) -> list[CatalogueRow]:
    """Delete the rows of ``ids`` and their words, returning what their counts read.

    The rows are locked first, so that they are read once.
    """
    rows = list(
        CatalogueRow.objects.select_for_update()
        .filter(kind=kind, record_id__in=ids)
        .only(*COUNTED_FIELDS)
    )
    if rows:
        row_ids = [row.pk for row in rows]
        _drop_words(row_ids)
        CatalogueRow.objects.filter(pk__in=row_ids).delete()
    return rows


def build_rows(kind: str, ids: list[int]) -> list[CatalogueRow]:
    """Return the rows of the published records of ``kind`` among ``ids`` (none for drafts)."""
    if kind == CatalogueRow.ACTIVITY:
        return list(_activity_rows(ids))
    return list(_other_rows(kind, ids))


def refresh(model: type[Model], records: Iterable) -> int:
    """Write again the rows of ``records`` (instances or ids) of ``model``; return how many.

    A record no longer published loses its row. Runs in the caller's transaction (one of its
    own otherwise). Models the catalogue does not list are left alone.
    """
    kind = KIND_OF_MODEL.get(model)
    if kind is None:
        return 0
    ids = sorted({getattr(record, "pk", record) for record in records})
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            removed = _take_rows(kind, chunk)
            rows = build_rows(kind, chunk)
            CatalogueRow.objects.bulk_create(rows, batch_size=BATCH)
            _write_words(rows)
            _count_changes(removed, rows)
            written += len(rows)
    return written


def mark_stale(model: type[Model], record_id: int, authority_id: int | None = None) -> None:
    """Say that a record changed outside publication: its row is written at the next read.

    A record with no row yet gets a placeholder, public from no day, until then. A stale row
    leaves the kept counts until it is written again.
    """
    kind = KIND_OF_MODEL[model]
    with transaction.atomic():
        current = list(
            CatalogueRow.objects.select_for_update()
            .filter(kind=kind, record_id=record_id)
            .only(*COUNTED_FIELDS)
        )
        if current:
            counted = [row for row in current if not row.stale]
            if counted:
                CatalogueRow.objects.filter(pk__in=[row.pk for row in counted]).update(stale=True)
                _count_changes(counted, [])
            return
    if authority_id is None:
        authority_id = (
            model.objects.filter(pk=record_id).values_list("reporting_org_id", flat=True).first()
        )
    if authority_id is not None:
        CatalogueRow.objects.create(
            kind=kind,
            record_id=record_id,
            authority_id=authority_id,
            public_from=datetime.date.max,
            stale=True,
        )


def refresh_stale(limit: int = 4 * BATCH) -> int:
    """Write again the rows marked stale (at most ``limit``); return how many records."""
    pending = list(CatalogueRow.objects.filter(stale=True).values_list("kind", "record_id")[:limit])
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, record_id in pending:
        by_kind[kind].append(record_id)
    for kind, ids in by_kind.items():
        refresh(MODELS[kind], ids)
    return len(pending)


def forget(model: type[Model], ids: Iterable[int]) -> None:
    """Drop the rows of deleted records."""
    kind = KIND_OF_MODEL.get(model)
    if kind is not None:
        with transaction.atomic():
            _count_changes(_take_rows(kind, list(ids)), [])


def rebuild() -> dict[str, int]:
    """Write every row again, in one transaction; return how many rows of each kind."""
    counts = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(CatalogueWord._meta.db_table)}")
        CatalogueRow.objects.all().delete()
        CatalogueCount.objects.all().delete()
        _delete_all(CataloguePairCount)
        for kind, model in MODELS.items():
            # Published ones whatever their embargo: a row keeps the day its embargo ends.
            published = policy.public(model, today=datetime.date.max)
            ids = list(published.order_by("pk").values_list("pk", flat=True))
            counts[kind] = refresh(model, ids)
    return counts
