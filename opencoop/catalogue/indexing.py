"""Full-text search over multilingual records: per-language stems in the index and in queries.

Wagtail's database backend indexes one text per record with one text-search configuration
(PostgreSQL) or none at all (SQLite FTS5 has no stemmer), while a record here is written in
several languages at once. So the index holds, next to the words as written, each word's Snowball
stem in the language it is written in ("cooperazioni" → "cooper", "donne" → "donn"), and a query
looks for its words as typed, or all stemmed in one portal language. Index and query go
through the same code whatever the backend (PostgreSQL, SQLite, OpenSearch/Elasticsearch).
"""

from __future__ import annotations

import functools
import re

import snowballstemmer
from django.conf import settings
from wagtail.search.query import Or, PlainText, SearchQuery

from opencoop.access import policy
from opencoop.activities.derived import sector_group
from opencoop.codelists import registry
from opencoop.core.multilingual import portal_languages
from opencoop.core.queries import among_ids

from .regions import continent_label, continent_of_country

WORD_RE = re.compile(r"\w+")
MAX_QUERY_WORDS = 12
# Readings of one query joined by OR: the words as typed, corrected, with synonyms, stemmed.
MAX_READINGS = 60

# Snowball algorithm of each language that records may be written in (IATI narratives).
SNOWBALL_LANGUAGES = {
    "it": "italian",
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "de": "german",
    "nl": "dutch",
    "ar": "arabic",
}

# Irregular plurals a suffix stemmer cannot join to their singular (PostgreSQL's english
# configuration, also Snowball, leaves "women" and "woman" apart too).
IRREGULAR_FORMS = {
    "en": {"women": "woman", "men": "man", "children": "child"},
    "it": {"uomini": "uomo"},
}


@functools.cache
def _stemmer(lang: str):
    algorithm = SNOWBALL_LANGUAGES.get(lang)
    return snowballstemmer.stemmer(algorithm) if algorithm else None


def words(text: str) -> list[str]:
    """Split ``text`` into lower-case words."""
    return WORD_RE.findall((text or "").lower())


# Records repeat the same words (labels of countries, sectors, goals): indexing 100,000 of
# them spends most of its time stemming unless each word is stemmed once.
@functools.lru_cache(maxsize=100_000)
def stem(word: str, lang: str) -> str:
    """Return the stem of one lower-case ``word`` in ``lang`` (the word itself when unknown)."""
    word = IRREGULAR_FORMS.get(lang, {}).get(word, word)
    stemmer = _stemmer(lang)
    return stemmer.stemWord(word) if stemmer else word


def stems(text: str, lang: str) -> list[str]:
    """Return the stems of the words of ``text`` written in ``lang``."""
    return [stem(word, lang) for word in words(text)]


class SearchText:
    """Collect what a record says, language by language, and render it for the index."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.stemmed: list[str] = []

    def add(self, text: str, lang: str | None = None) -> None:
        """Add ``text`` written in ``lang`` (None: names and codes, indexed as written)."""
        if not text:
            return
        self.plain.append(text)
        if lang:
            self.stemmed.extend(stems(text, lang))

    def add_multilingual(self, value: dict | None) -> None:
        """Add every language of a multilingual value."""
        for lang, text in (value or {}).items():
            self.add(text, lang)

    def add_label(self, codelist: str, code: str) -> None:
        """Add a code's label in each portal language (countries, sectors, goals).

        A country's official IATI name is added too: it is how the name is written in documents
        ("Palestine, State of") while pages show CLDR's everyday one.
        """
        plain, stemmed = _label_words(codelist, code, tuple(portal_languages()))
        self.plain.extend(plain)
        self.stemmed.extend(stemmed)

    def render(self) -> str:
        # Stems that equal a plain word add nothing: keep the index small.
        plain_words = set(words(" ".join(self.plain)))
        extra = [s for s in dict.fromkeys(self.stemmed) if s not in plain_words]
        return " ".join([*self.plain, *extra])


# Records repeat the same codes: a code's labels and their stems are worked out once per process
# (codelists are read once per process too): under the profiler the labels took 2.3 s of the
# 3.3 s the search texts of 2,000 imported activities took.
@functools.lru_cache(maxsize=20_000)
def _label_words(
    codelist: str, code: str, languages: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the texts and stems ``SearchText.add_label`` adds for a code."""
    text = SearchText()
    found = registry.get(codelist)
    for lang in languages:
        text.add(found.label(code, lang), lang)
    official = found.official_name(code)
    if official and official != found.label(code, "en"):
        text.add(official, "en")
    return tuple(text.plain), tuple(text.stemmed)


@functools.lru_cache(maxsize=1_000)
def _continent_words(
    continent: str, languages: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the texts and stems of a continent's names in ``languages``."""
    text = SearchText()
    for lang in languages:
        text.add(continent_label(continent, lang), lang)
    return tuple(text.plain), tuple(text.stemmed)


def activity_search_text(activity) -> str:
    """Return the public text of an activity for the index: never a hidden partner or place.

    Titles and descriptions are indexed as written by their own search fields; this adds their
    stems and what the catalogue shows about the activity in words (countries, continents,
    sectors, goals, partners, places, documents).
    """
    from opencoop.activities.disclosure import public_locations, public_participants
    from opencoop.activities.vocabularies import DAC_SECTORS

    text = SearchText()
    for field in ("title", "description", "objectives", "target_groups"):
        for lang, value in (getattr(activity, field) or {}).items():
            text.stemmed.extend(stems(value, lang))
    countries = [rc.code for rc in activity.recipient_countries.all()]
    for location in public_locations(activity):
        if location.exact:
            text.add_multilingual(location.name)
        if location.country:
            countries.append(location.country)
    for code in dict.fromkeys(countries):
        text.add_label("Country", code)
        continent = continent_of_country().get(code)
        if continent:
            plain, stemmed = _continent_words(continent, tuple(portal_languages()))
            text.plain.extend(plain)
            text.stemmed.extend(stemmed)
    for sector in activity.sectors.all():
        if sector.codelist:
            text.add_label(sector.codelist, sector.code)
        if sector.vocabulary == DAC_SECTORS:
            # A purpose code is found by its category's words too.
            text.add_label("SectorCategory", sector_group(sector.code))
    for tag in activity.sdg_tags.all():
        if tag.codelist:
            text.add_label(tag.codelist, tag.code)
    for participant in public_participants(activity):
        if not participant.hidden:
            text.add_multilingual(participant.name)
            text.add(participant.identifier)
    for document in activity.documents.all():
        text.add_multilingual(document.title)
    text.add_multilingual(activity.reporting_org.name)
    if activity.partnership_id and policy.is_public(activity.partnership):
        text.add_multilingual(activity.partnership.title)
    return text.render()


def query_words(q: str) -> list[str]:
    """Return the distinct words of a query, at most ``MAX_QUERY_WORDS``."""
    return list(dict.fromkeys(words(q)))[:MAX_QUERY_WORDS]


def query_readings(q: str, *, correct: bool = False) -> list[list[str]]:
    """Return the ways to read a query: its words as typed, then stemmed in each language.

    A visitor writes in one language, so each reading stems every word the same way. Besides
    the words as typed, the query is read with synonyms and other names of places and, with
    ``correct``, with its misspelt words corrected (``spelling.expand``), each of those stemmed
    the same way.
    """
    from .spelling import expand

    variants = expand(query_words(q), correct=correct).variants
    languages = [code for code, _name in settings.LANGUAGES]
    unique: list[list[str]] = []
    for variant in variants:
        for reading in [variant] + [[stem(word, lang) for word in variant] for lang in languages]:
            if reading not in unique:
                unique.append(reading)
    return unique[:MAX_READINGS]


def did_you_mean(q: str) -> str:
    """Return ``q`` with its misspelt words corrected, or "" when none was."""
    from .spelling import expand

    return expand(query_words(q)).suggestion


def build_query(q: str, *, correct: bool = False) -> SearchQuery | None:
    """Turn what a visitor typed into a query: every word must match, in one of the readings.

    One reading is a plain AND of words; readings are joined by OR. (An AND of ORs would be
    simpler, but Wagtail's SQLite backend writes it without parentheses, and FTS5 then reads
    "a OR b AND c OR d" as "a OR (b AND c) OR d".) Return None when ``q`` holds no word.
    """
    readings = query_readings(q, correct=correct)
    if not readings:
        return None
    parts = [PlainText(" ".join(reading), operator="and") for reading in readings]
    return parts[0] if len(parts) == 1 else Or(parts)


# The parts an activity's search text reads besides its own row (``activity_search_text``).
ACTIVITY_INDEX_PARTS = (
    "recipient_countries",
    "locations",
    "sectors",
    "sdg_tags",
    "documents",
    "participating_orgs",
)


def activities_for_index(ids: list[int]) -> list:
    """Return the activities ``ids`` with what their search text reads, every part in one query.

    Through ``part_rows`` rather than a prefetch per part: the catalogue's rows and the search
    index read back every activity an import writes, and six prefetches were most of that read.
    """
    from opencoop.activities.models import Activity
    from opencoop.activities.part_rows import load_parts
    from opencoop.activities.parts import part

    found = Activity.objects.filter(among_ids("pk", ids)).select_related(
        "reporting_org", "partnership"
    )
    activities = list(found)
    load_parts(activities, [part(name) for name in ACTIVITY_INDEX_PARTS], using=found.db)
    return activities


def add_to_search_index(activities: list, *, backends=None) -> None:
    """Add activities (parts fetched or in memory) to the search index in one go per backend.

    The index asks each record for its search text once per indexed column: it is worked out
    once here, the instance attribute hiding the method. ``backends`` defaults to those kept
    up to date on save.
    """
    from modelsearch.backends import get_search_backends

    from opencoop.activities.models import Activity
    from opencoop.core.writes import add_index_entries

    from .spelling import learn_public_records

    for activity in activities:
        activity.search_text = functools.partial(str, activity.search_text())
    try:
        learn_public_records(activities)
        for backend in (
            backends if backends is not None else get_search_backends(with_auto_update=True)
        ):
            add_index_entries(backend, Activity, activities)
    finally:
        # The records may be the caller's own (a write's, in memory): give them back their method.
        for activity in activities:
            del activity.search_text
