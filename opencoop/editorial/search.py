"""The back office's search: what editors type, found in the records they may reach.

A plain ORM filter applied to the listing's own queryset, which is already scoped to the user;
Wagtail's search index is not used here because it holds only what the public may read (no draft
wording, no hidden partner for the authority's own staff) and cannot be narrowed by the scope's
subquery (it searched everything, then intersected its first results with the user's records).

Each word typed must be found, case-insensitively, in one of the model's searched fields: any
language of a multilingual text, a code (IATI identifier), or the names of related places and
partners. Hidden partners and exact places of a sensitive activity are searched only for whom
may read them (``opencoop.access.policy.may_see_field``'s rule, in SQL), so a search cannot tell
anyone else that a record names them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models.expressions import Func

from opencoop.access import policy

# More words than this add nothing an editor needs and only lengthen the SQL.
MAX_WORDS = 8


class MultilingualText(Func):
    """Every text of a multilingual JSON value (``{language: text}``), joined by spaces.

    Read value by value, whatever the languages: SQLite stores JSON with non-ASCII characters
    escaped ("citt\\u00e0"), so the raw column cannot be compared with what an editor types, and
    PostgreSQL's text of a jsonb value holds its keys ("it", "en") too.
    """

    arity = 1
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(SELECT group_concat(value, ' ') FROM json_each({sql}))", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(SELECT string_agg(value, ' ') FROM jsonb_each_text({sql}))", params

    def as_sql(self, compiler, connection, **extra):
        # Other databases: the JSON text as stored (keys and escapes included).
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS TEXT)", params


@dataclass(frozen=True)
class Related:
    """Objects related to a record whose words find it: its places, its partners.

    ``link`` is the field of the related model holding the record's key, ``record_key`` the
    record's field it holds (``pk`` for children, a foreign key for a partner organisation).
    ``readable`` narrows them to those the user may read, or returns None when all are.
    """

    model: str
    link: str
    texts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    record_key: str = "pk"
    readable: Callable[[object], models.Q | None] | None = None


@dataclass(frozen=True)
class Searched:
    """What the search of one model reads: its multilingual texts, codes and related objects."""

    texts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    related: tuple[Related, ...] = field(default=())


def _readable_partners(user) -> models.Q | None:
    from opencoop.activities.disclosure import named_participations

    authorities = policy.authorities_read_in_full(user)
    if authorities is None:
        return None
    return models.Q(activity__reporting_org_id__in=authorities) | models.Q(
        pk__in=named_participations().values("pk")
    )


def _readable_places(user) -> models.Q | None:
    from opencoop.activities.disclosure import with_exact_places
    from opencoop.activities.models import Activity

    authorities = policy.authorities_read_in_full(user)
    if authorities is None:
        return None
    return models.Q(activity__reporting_org_id__in=authorities) | models.Q(
        activity__in=with_exact_places(Activity.objects.all()).values("pk")
    )


RECORD_TEXTS = ("title", "summary", "body")

SEARCHED: dict[str, Searched] = {
    "activities.Activity": Searched(
        texts=("title", "description"),
        codes=("iati_identifier",),
        related=(
            Related(
                "activities.Location",
                link="activity_id",
                texts=("name",),
                readable=_readable_places,
            ),
            Related(
                "activities.ParticipatingOrg",
                link="activity_id",
                texts=("organisation__name",),
                codes=("organisation__identifier",),
                readable=_readable_partners,
            ),
        ),
    ),
    "initiatives.Initiative": Searched(
        texts=(*RECORD_TEXTS, "place"),
        related=(
            Related(
                "initiatives.InitiativePartner",
                link="initiative_id",
                texts=("organisation__name",),
                codes=("organisation__identifier",),
            ),
        ),
    ),
    "exchanges.Exchange": Searched(texts=(*RECORD_TEXTS, "theme", "place")),
    "partnerships.Partnership": Searched(
        texts=(*RECORD_TEXTS, "city"),
        related=(
            Related(
                "organisations.Organisation",
                link="pk",
                texts=("name",),
                codes=("identifier",),
                record_key="partner_id",
            ),
        ),
    ),
    "plans.AnnualPlan": Searched(texts=RECORD_TEXTS),
    "organisations.Organisation": Searched(texts=("name",), codes=("identifier",)),
}


def query_words(query: str) -> list[str]:
    """Split what an editor typed into the words to find (as typed, duplicates dropped)."""
    return list(dict.fromkeys(query.split()))[:MAX_WORDS]


def _matching(model: type[models.Model], texts, codes, word: str) -> models.QuerySet:
    """Return the objects of ``model`` with ``word`` in one of ``texts`` or ``codes``."""
    aliases = {f"_search_{i}": MultilingualText(name) for i, name in enumerate(texts)}
    condition = models.Q()
    for alias in aliases:
        condition |= models.Q(**{f"{alias}__icontains": word})
    for name in codes:
        condition |= models.Q(**{f"{name}__icontains": word})
    return model._default_manager.alias(**aliases).filter(condition)


def _word_condition(searched: Searched, model, word: str, user) -> models.Q:
    condition = models.Q(pk__in=_matching(model, searched.texts, searched.codes, word).values("pk"))
    for related in searched.related:
        objects = _matching(apps.get_model(related.model), related.texts, related.codes, word)
        readable = related.readable(user) if related.readable else None
        if readable is not None:
            objects = objects.filter(readable)
        condition |= models.Q(**{f"{related.record_key}__in": objects.values(related.link)})
    return condition


def is_searchable(model: type[models.Model]) -> bool:
    """Say whether the back office knows how to search ``model``."""
    return model._meta.label in SEARCHED


def search(queryset: models.QuerySet, query: str, user) -> models.QuerySet:
    """Narrow ``queryset`` (already scoped to ``user``) to the objects matching ``query``.

    Every word must be found in one of the fields the model's search reads (``SEARCHED``); an
    empty query leaves the queryset as it is.
    """
    searched = SEARCHED[queryset.model._meta.label]
    for word in query_words(query):
        queryset = queryset.filter(_word_condition(searched, queryset.model, word, user))
    return queryset
