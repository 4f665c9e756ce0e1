"""The catalogue's rows (``CatalogueRow``): what the catalogue filters, counts and pages on.

A row is written for each published activity, initiative and exchange, in the transaction that
publishes, unpublishes, deletes or writes it (``signals``: Wagtail's publish and unpublish,
``post_delete`` and ``write_records``' ``records_written``), so the next request sees it.
``manage.py rebuild_catalogue_rows`` writes them all again (after a migration, or a change of
the rules below).

What a row holds comes from the rules that decide it elsewhere: sector groups and SDG goals from
``activities.derived``, the partners the public may see named from ``activities.disclosure``,
the words a record is found by from ``indexing`` (its Snowball stems, never a hidden partner or
place), the day it becomes public from the access policy (``policy.public_from``).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import F, Model

from opencoop.access import policy
from opencoop.activities.derived import with_sdg_goals, with_sector_groups
from opencoop.activities.disclosure import named_participations
from opencoop.activities.models import Activity, PolicyMarker, RecipientCountry, SdgTag, Sector
from opencoop.core.queries import among_ids
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative, InitiativeCountry, InitiativePartner

from .fields import SearchDocument
from .indexing import ACTIVITY_INDEX_PREFETCH, SearchText, activity_search_text, words
from .regions import continent_of_country
from .row_models import CatalogueRow

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


def fold(word: str) -> str:
    """Return ``word`` without accents ("fès" → "fes"): documents and queries are folded alike."""
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
    activities = list(
        Activity.objects.filter(among_ids("pk", ids))
        .select_related("reporting_org", "partnership")
        .prefetch_related(*ACTIVITY_INDEX_PREFETCH)
    )
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
            CatalogueRow.objects.filter(kind=kind, record_id__in=chunk).delete()
            rows = build_rows(kind, chunk)
            CatalogueRow.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
    return written


def mark_stale(model: type[Model], record_id: int, authority_id: int | None = None) -> None:
    """Say that a record changed outside publication: its row is written at the next read.

    A record with no row yet gets a placeholder, public from no day, until then.
    """
    kind = KIND_OF_MODEL[model]
    if CatalogueRow.objects.filter(kind=kind, record_id=record_id).update(stale=True):
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
        CatalogueRow.objects.filter(kind=kind, record_id__in=list(ids)).delete()


def rebuild() -> dict[str, int]:
    """Write every row again, in one transaction; return how many rows of each kind."""
    counts = {}
    with transaction.atomic():
        CatalogueRow.objects.all().delete()
        for kind, model in MODELS.items():
            # Published ones whatever their embargo: a row keeps the day its embargo ends.
            published = policy.public(model, today=datetime.date.max)
            ids = list(published.order_by("pk").values_list("pk", flat=True))
            counts[kind] = refresh(model, ids)
    return counts
