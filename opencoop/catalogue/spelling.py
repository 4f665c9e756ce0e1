"""Forgive what visitors type: synonyms, other names of places, and misspelt words.

A query's words are read three more ways besides as typed (``expand``):

- a word or phrase of a group of synonyms (``data/synonyms.json``: salute, sanità, health…) or
  of a place's names (``data/gazetteer.json``: Betlemme, Bethlehem…; a country's everyday names
  beside CLDR's in both portal languages) is also searched as each other member of its group;
- a word that is not in the vocabulary of what the public may read (``SearchTerm``) is replaced
  by the nearest word that is, by trigram similarity: pg_trgm's ``%`` operator and
  ``similarity()`` on PostgreSQL, the same measure computed in Python elsewhere. The corrected
  query is offered as "did you mean".

The vocabulary holds only public text: a correction never names a word of a draft, an embargoed
record, a hidden partner or a hidden place.
"""

from __future__ import annotations

import functools
import itertools
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from opencoop.core.multilingual import portal_languages

DATA = Path(__file__).resolve().parent / "data"
# pg_trgm's default threshold (pg_trgm.similarity_threshold) is 0.3; a little stricter keeps
# "did you mean" from offering words that only share a syllable.
SIMILARITY = 0.4
MIN_CORRECTED_LENGTH = 4
MAX_TERM_LENGTH = 60
MAX_VARIANTS = 40


def fold(word: str) -> str:
    """Return ``word`` lower-case and without accents ("Sanità" → "sanita")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stems(word: str) -> set[str]:
    from .indexing import stem

    return {stem(word, lang) for lang in portal_languages()}


# Groups ----------------------------------------------------------------------------------------


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Groups:
    """Synonyms and place names: each group a list of phrases (tuples of lower-case words)."""

    groups: list[list[Phrase]]
    by_phrase: dict[Phrase, list[int]]  # folded phrase → its groups
    by_stem: dict[str, list[int]]  # stem of a one-word member → its groups
    longest: int

    def matches(self, words: list[str], start: int) -> tuple[int, list[Phrase]] | None:
        """Return the longest phrase of a group at ``words[start:]`` and the group's phrases."""
        for length in range(min(self.longest, len(words) - start), 0, -1):
            phrase = tuple(fold(w) for w in words[start : start + length])
            found = list(self.by_phrase.get(phrase, []))
            if length == 1 and not found:
                found = [g for s in _stems(phrase[0]) for g in self.by_stem.get(s, [])]
            if found:
                members = [p for g in dict.fromkeys(found) for p in self.groups[g]]
                return length, list(dict.fromkeys(members))
        return None


def _phrases(names: Iterable[str]) -> list[Phrase]:
    from .indexing import words

    return list(dict.fromkeys(tuple(words(name)) for name in names if words(name)))


@functools.cache
def groups() -> Groups:
    """Return the synonyms and place names shipped as data, with CLDR's country names."""
    from opencoop.codelists import registry

    names: list[list[str]] = []
    names += json.loads((DATA / "synonyms.json").read_text(encoding="utf-8"))["groups"]
    gazetteer = json.loads((DATA / "gazetteer.json").read_text(encoding="utf-8"))
    names += gazetteer["places"]
    countries = registry.get("Country")
    for code, other_names in gazetteer["countries"].items():
        cldr = [countries.label(code, lang) for lang in portal_languages()]
        names.append([*cldr, *other_names])
    all_groups = [_phrases(group) for group in names]
    by_phrase: dict[Phrase, list[int]] = {}
    by_stem: dict[str, list[int]] = {}
    for index, group in enumerate(all_groups):
        for phrase in group:
            by_phrase.setdefault(tuple(fold(w) for w in phrase), []).append(index)
            if len(phrase) == 1:
                for s in _stems(phrase[0]):
                    by_stem.setdefault(s, []).append(index)
    longest = max(len(p) for group in all_groups for p in group)
    return Groups(all_groups, by_phrase, by_stem, longest)


# Vocabulary ------------------------------------------------------------------------------------


def _terms(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    from .indexing import words

    # One pass over the texts joined (a space ends any word): a batch of records repeats most
    # of its words, so each is checked once.
    every = set(words(" ".join(texts)))
    found = {w for w in every if 1 < len(w) <= MAX_TERM_LENGTH and not w.isdigit()}
    stems = {s for word in found for s in _stems(word) if len(s) <= MAX_TERM_LENGTH}
    return found, stems


def learn(texts: Iterable[str]) -> None:
    """Add the words of ``texts`` (public text only) and their stems to the vocabulary."""
    from .models import SearchTerm

    found, stems = _terms(texts)
    rows = [SearchTerm(term=t, is_stem=False) for t in found]
    rows += [SearchTerm(term=s, is_stem=True) for s in stems]
    SearchTerm.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def learn_multilingual(values: Iterable[dict | str | None]) -> None:
    """Learn every language of multilingual values (dicts) and plain strings."""
    texts: list[str] = []
    for value in values:
        if isinstance(value, dict):
            texts.extend(str(v) for v in value.values() if v)
        elif value:
            texts.append(str(value))
    learn(texts)


# The fields of records and pages whose words visitors search.
TEXT_FIELDS = ("title", "description", "summary", "body", "search_description")


def learn_public_records(records: Iterable) -> None:
    """Learn the words of those ``records`` the public may see (the others are left out)."""
    from wagtail.models import Page

    from opencoop.access import policy

    values: list = []
    for record in records:
        if isinstance(record, Page):
            if not policy.public_pages(Page.objects.filter(pk=record.pk)).exists():
                continue
        elif not policy.is_public(record):
            continue
        values += [getattr(record, name, None) for name in TEXT_FIELDS]
        search_text = getattr(record, "search_text", None)
        if callable(search_text):
            values.append(search_text())  # an activity's: public places, partners, labels
    learn_multilingual(values)


def public_texts() -> Iterable[dict | str | None]:
    """Yield every public text a visitor can search: records, places, labels, page titles."""

    from opencoop.access import policy
    from opencoop.activities.disclosure import public_activities, with_exact_places
    from opencoop.activities.models import Activity, Location
    from opencoop.codelists import registry

    from .indexing import SearchText

    activities = public_activities()
    for title, description in activities.values_list("title", "description").iterator():
        yield title
        yield description
    yield from Location.objects.filter(activity__in=with_exact_places(activities)).values_list(
        "name", flat=True
    )
    for model in _record_models():
        if model is Activity:
            continue
        for row in policy.public(model).values_list("title", "summary", "body").iterator():
            yield from row
    for page in (
        policy.public_pages().filter(depth__gt=1).values_list("title", "search_description")
    ):
        yield from page
    yield from _contact_texts()
    for codelist in ("Country", "SectorCategory", "Sector", "UNSDG-Goals"):
        for code in registry.get(codelist).items:
            text = SearchText()
            text.add_label(codelist, code)
            yield " ".join(text.plain)
    for group in groups().groups:
        yield " ".join(" ".join(phrase) for phrase in group)


def _contact_texts() -> Iterable[dict | str]:
    """Yield what the public sections' contacts say (shown on their pages)."""
    from opencoop.access import policy
    from opencoop.pages.models import SectionPage

    sections = policy.public_pages(SectionPage.objects.all()).select_related("reporting_org")
    for section in sections:
        organisation = section.reporting_org
        yield organisation.name
        if organisation.has_contact:
            yield organisation.contact_role
            yield organisation.contact_person
            yield organisation.contact_office


def _record_models() -> list:
    from opencoop.activities.models import Activity
    from opencoop.exchanges.models import Exchange
    from opencoop.initiatives.models import Initiative
    from opencoop.partnerships.models import Partnership
    from opencoop.plans.models import AnnualPlan

    return [Activity, Initiative, Exchange, AnnualPlan, Partnership]


def rebuild() -> int:
    """Rebuild the vocabulary from what is public now; return the number of words."""
    from .models import SearchTerm

    with transaction.atomic():
        SearchTerm.objects.all().delete()
        learn_multilingual(public_texts())
    return SearchTerm.objects.filter(is_stem=False).count()


def _known(query_words: list[str]) -> set[str]:
    """Return the query words the vocabulary knows, as written or by one of their stems."""
    from .models import SearchTerm

    stems = {word: _stems(word) for word in query_words}
    rows = SearchTerm.objects.filter(term__in=[*query_words, *itertools.chain(*stems.values())])
    words_found = set()
    stems_found = set()
    for term, is_stem in rows.values_list("term", "is_stem"):
        (stems_found if is_stem else words_found).add(term)
    return {w for w in query_words if w in words_found or stems[w] & stems_found}


def trigrams(word: str) -> set[str]:
    """Return pg_trgm's trigrams of one word: lower-case, padded with two spaces before, one after."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Return pg_trgm's similarity of two words: shared trigrams over all their trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def nearest(word: str) -> str | None:
    """Return the vocabulary's word nearest to ``word`` (None: none similar enough)."""
    from django.db.models.functions import Length

    from .models import SearchTerm

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term, similarity(term, %s) AS s FROM catalogue_searchterm "
                "WHERE NOT is_stem AND term %% %s AND similarity(term, %s) >= %s "
                "ORDER BY s DESC, abs(length(term) - %s), term LIMIT 1",
                [word, word, word, SIMILARITY, len(word)],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    # Elsewhere: the same measure over the words of a similar length.
    candidates = SearchTerm.objects.filter(is_stem=False).annotate(n=Length("term"))
    candidates = candidates.filter(n__gte=len(word) - 3, n__lte=len(word) + 3)
    best = None
    for term in candidates.values_list("term", flat=True).iterator():
        score = similarity(word, term)
        key = (-score, abs(len(term) - len(word)), term)
        if score >= SIMILARITY and (best is None or key < best):
            best = key
    return best[2] if best else None


# Expansion -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expansion:
    """The ways to read a query: word lists, the words as typed first; and "did you mean"."""

    variants: list[list[str]]
    suggestion: str = ""  # the query with its misspelt words corrected ("" when none were)


@dataclass
class _Segment:
    """A word or phrase of a query: its alternatives (as typed first) and its best reading."""

    alternatives: list[Phrase]
    best: int = 0  # the correction's index for a misspelt word, else 0 (as typed)

    @property
    def best_reading(self) -> Phrase:
        return self.alternatives[self.best]


def _segments(query_words: list[str], correct: bool) -> list[_Segment]:
    known = _known(query_words) if correct else set()
    catalogue = groups()
    segments: list[_Segment] = []
    start = 0
    while start < len(query_words):
        match = catalogue.matches(query_words, start)
        if match is not None:
            length, members = match
            typed = tuple(query_words[start : start + length])
            segments.append(_Segment([typed, *[m for m in members if m != typed]]))
            start += length
            continue
        word = query_words[start]
        segment = _Segment([(word,)])
        if (
            correct
            and word not in known
            and len(word) >= MIN_CORRECTED_LENGTH
            and not word.isdigit()
        ):
            replacement = nearest(word)
            if replacement and replacement != word:
                segment = _Segment([(word,), (replacement,)], best=1)
                again = catalogue.matches([replacement], 0)
                if again is not None:
                    segment.alternatives += [m for m in again[1] if m not in segment.alternatives]
        segments.append(segment)
        start += 1
    return segments


def expand(query_words: list[str], *, correct: bool = True) -> Expansion:
    """Read ``query_words`` as typed, with each synonym or other place name, and (``correct``)
    with their misspelt words corrected."""
    if not query_words:
        return Expansion([])
    segments = _segments(query_words, correct)
    typed = list(query_words)
    best = [w for segment in segments for w in segment.best_reading]
    variants = [typed] if best == typed else [typed, best]
    # One segment varied at a time, the others at their best reading: a number of readings
    # that grows with the words, not with their product.
    for index, segment in enumerate(segments):
        for alternative in segment.alternatives:
            variant = [
                w
                for i, other in enumerate(segments)
                for w in (alternative if i == index else other.best_reading)
            ]
            if variant not in variants:
                variants.append(variant)
    corrected = any(segment.best for segment in segments)
    return Expansion(variants[:MAX_VARIANTS], " ".join(best) if corrected else "")
