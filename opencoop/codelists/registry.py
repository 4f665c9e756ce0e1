"""Registry of the official IATI codelists, with Italian and English labels.

The XML files shipped in ``data/iati/`` are parsed lazily, once per process. Italian labels
come from CLDR (through Babel) for Country, Language and Currency, and from
``data/labels_it.json`` for the other codelists; a label missing in Italian falls back to
English, and a code without any name is labelled with the code itself. Countries are named by
CLDR in every language ("Palestinian Territories", "Niger", "Bolivia"), as readers say them;
IATI's official English name ("Palestine, State of") is kept for search.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import babel
from lxml import etree

DATA_DIR = Path(__file__).resolve().parent / "data"
IATI_DIR = DATA_DIR / "iati"
LABELS_IT_PATH = DATA_DIR / "labels_it.json"

FALLBACK_LANGUAGE = "en"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Codelists whose Italian names come from CLDR: Babel attribute and how to spell the key.
_CLDR_SOURCES: dict[str, tuple[str, bool]] = {
    "Country": ("territories", True),
    "Language": ("languages", False),
    "Currency": ("currencies", True),
}
# CLDR writes Italian language and currency names in lower case ("inglese", "euro"); in a
# list or a label they start with a capital letter.
_CAPITALISE_CLDR = frozenset({"Language", "Currency"})
# Codelists named by CLDR in every language, not only in Italian: IATI's English country names
# are ISO's formal ones ("Niger (the)", "Bolivia (Plurinational State of)").
_CLDR_EVERY_LANGUAGE = frozenset({"Country"})
# CLDR's English names that read as codes or as a status, written as ``labels_it.json`` writes
# them in Italian.
_ENGLISH_OVERRIDES: dict[str, dict[str, str]] = {
    "Country": {
        "CD": "Congo (Democratic Republic of the)",
        "CG": "Congo (Republic of the)",
        "HK": "Hong Kong",
        "MO": "Macao",
    }
}
# Codelists offered in alphabetical order of their labels; the others are ordered by code.
SORTED_BY_LABEL = frozenset({"Country", "Language", "Currency"})


@dataclass(frozen=True)
class CodelistItem:
    """One code of a codelist, with its names by language."""

    code: str
    names: dict[str, str]
    description: str = ""
    category: str | None = None
    withdrawn: bool = False
    official_name: str = ""


@dataclass(eq=False)
class Codelist:
    """An IATI codelist: its codes and how to label them."""

    name: str
    items: dict[str, CodelistItem]
    title: str = ""
    category_codelist: str | None = None
    embedded: bool = False
    _choices_cache: dict[tuple[str, bool, bool], tuple[tuple[str, str], ...]] = field(
        default_factory=dict, repr=False
    )

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.items

    def __len__(self) -> int:
        return len(self.items)

    def is_valid(self, code: str | None) -> bool:
        """Return True if ``code`` belongs to the codelist (withdrawn codes included)."""
        return code is not None and str(code) in self.items

    def is_withdrawn(self, code: str) -> bool:
        """Return True if ``code`` belongs to the codelist but has been withdrawn."""
        item = self.items.get(str(code))
        return item is not None and item.withdrawn

    def label_with_lang(self, code: str, lang: str | None = None) -> tuple[str, str]:
        """Return the label of ``code`` and the language it is actually written in.

        ``lang`` defaults to the active Django language. The label is in that language when
        available, else in English, else in any language the codelist has. An unknown code
        (or one without any name) is returned as is, with an empty language.
        """
        item = self.items.get(str(code))
        if item is None or not item.names:
            return str(code), ""
        wanted = resolve_language(lang)
        for candidate in (wanted, FALLBACK_LANGUAGE):
            if candidate in item.names:
                return item.names[candidate], candidate
        fallback_lang, label = next(iter(item.names.items()))
        return label, fallback_lang

    def label(self, code: str, lang: str | None = None) -> str:
        """Return the label of ``code`` in ``lang`` (default: active language) or English."""
        return self.label_with_lang(code, lang)[0]

    def official_name(self, code: str) -> str:
        """Return the English name the IATI codelist gives ``code`` ("" if none or unknown)."""
        item = self.items.get(str(code))
        return item.official_name if item is not None else ""

    def category(self, code: str) -> str | None:
        """Return the category code of ``code``, or None if it has none or is unknown."""
        item = self.items.get(str(code))
        return item.category if item is not None else None

    def description(self, code: str) -> str:
        """Return the English description of ``code`` ("" if none or unknown)."""
        item = self.items.get(str(code))
        return item.description if item is not None else ""

    def choices(
        self,
        lang: str | None = None,
        include_withdrawn: bool = False,
        with_code: bool = False,
    ) -> list[tuple[str, str]]:
        """Return ``(code, label)`` pairs for a select, withdrawn codes left out by default.

        Country, Language and Currency are sorted by label, the other codelists by code
        (numbers in codes compared as numbers). ``with_code`` prefixes labels with the code,
        e.g. ``"15170 – Organizzazioni e movimenti per i diritti delle donne…"``.
        """
        language = resolve_language(lang)
        key = (language, include_withdrawn, with_code)
        cached = self._choices_cache.get(key)
        if cached is None:
            pairs = [
                (item.code, self.label(item.code, language))
                for item in self.items.values()
                if include_withdrawn or not item.withdrawn
            ]
            if self.name in SORTED_BY_LABEL:
                pairs.sort(key=lambda pair: (collation_key(pair[1]), pair[0]))
            else:
                pairs.sort(key=lambda pair: natural_key(pair[0]))
            if with_code:
                pairs = [(code, f"{code} – {label}") for code, label in pairs]
            cached = tuple(pairs)
            self._choices_cache[key] = cached
        return list(cached)


def resolve_language(lang: str | None = None) -> str:
    """Return the primary language subtag of ``lang`` or of the active Django language."""
    if not lang:
        from django.conf import settings
        from django.utils.translation import get_language

        lang = get_language() or getattr(settings, "LANGUAGE_CODE", "") or FALLBACK_LANGUAGE
    return lang.replace("_", "-").split("-")[0].lower()


def collation_key(text: str) -> str:
    """Return a key that sorts ``text`` ignoring case and accents ("Åland" near "Albania")."""
    if text.isascii():  # no accents to take off (most names): the same key, ten times faster
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Return a key that orders codes with numbers compared as numbers ("2" before "10")."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", code)
    )


@functools.cache
def _codelist_files() -> dict[str, Path]:
    """Map each codelist name to its XML file (file names are the codelist names)."""
    files: dict[str, Path] = {}
    for path in sorted(IATI_DIR.glob("*/*.xml")):
        files.setdefault(path.stem, path)
    return files


def names() -> list[str]:
    """Return the names of all available codelists, sorted."""
    return sorted(_codelist_files())


def exists(name: str) -> bool:
    """Return True if a codelist called ``name`` is available (without parsing it)."""
    return name in _codelist_files()


@functools.cache
def _italian_overrides() -> dict[str, dict[str, str]]:
    """Load the Italian labels written for the project, by codelist and code."""
    with LABELS_IT_PATH.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {name: dict(labels) for name, labels in data.items() if not name.startswith("_")}


@functools.cache
def _cldr_italian(name: str) -> dict[str, str]:
    """Return the Italian CLDR names for Country, Language or Currency codes."""
    attribute, upper = _CLDR_SOURCES[name]
    names_by_key: dict[str, str] = getattr(babel.Locale("it"), attribute)
    result: dict[str, str] = {}
    for key, label in names_by_key.items():
        if name in _CAPITALISE_CLDR:
            label = label[:1].upper() + label[1:]
        result[key.upper() if upper else key.lower()] = label
    return result


@functools.cache
def _cldr_other_languages(name: str) -> dict[str, dict[str, str]]:
    """Return CLDR's names for ``name`` in English and the portal's other languages but Italian."""
    from django.conf import settings

    languages = {FALLBACK_LANGUAGE, *(code.split("-")[0] for code, _ in settings.LANGUAGES)}
    attribute, upper = _CLDR_SOURCES[name]
    result: dict[str, dict[str, str]] = {}
    for lang in sorted(languages - {"it"}):
        names_by_key: dict[str, str] = getattr(babel.Locale.parse(lang), attribute)
        result[lang] = {(k.upper() if upper else k.lower()): v for k, v in names_by_key.items()}
    result[FALLBACK_LANGUAGE].update(_ENGLISH_OVERRIDES.get(name, {}))
    return result


def italian_labels(name: str) -> dict[str, str]:
    """Return the Italian labels known for codelist ``name`` (project file over CLDR)."""
    labels = dict(_cldr_italian(name)) if name in _CLDR_SOURCES else {}
    labels.update(_italian_overrides().get(name, {}))
    return labels


def _text(element: etree._Element | None) -> str:
    """Return the text of ``element`` with whitespace collapsed ("" if missing)."""
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def _narratives(parent: etree._Element | None, default_lang: str) -> dict[str, str]:
    """Return the narratives under ``parent`` by language (the first one of each wins)."""
    result: dict[str, str] = {}
    if parent is None:
        return result
    for narrative in parent.findall("narrative"):
        text = _text(narrative)
        lang = (narrative.get(XML_LANG) or default_lang).lower()
        if text and lang not in result:
            result[lang] = text
    return result


def _parse(name: str, path: Path) -> Codelist:
    """Parse one codelist file, adding the Italian labels."""
    root = etree.parse(str(path)).getroot()
    default_lang = (root.get(XML_LANG) or FALLBACK_LANGUAGE).lower()
    italian = italian_labels(name)
    items: dict[str, CodelistItem] = {}
    for element in root.iterfind("codelist-items/codelist-item"):
        code = _text(element.find("code"))
        if not code or code in items:
            continue
        names_by_lang = _narratives(element.find("name"), default_lang)
        official_name = names_by_lang.get(FALLBACK_LANGUAGE, "")
        if name in _CLDR_EVERY_LANGUAGE:
            for lang, cldr in _cldr_other_languages(name).items():
                if code in cldr:
                    names_by_lang[lang] = cldr[code]
        if code in italian:
            names_by_lang["it"] = italian[code]
        descriptions = _narratives(element.find("description"), default_lang)
        category = _text(element.find("category")) or None
        items[code] = CodelistItem(
            code=code,
            names=names_by_lang,
            description=descriptions.get(FALLBACK_LANGUAGE, ""),
            category=category,
            withdrawn=element.get("status") == "withdrawn",
            official_name=official_name,
        )
    title = _narratives(root.find("metadata/name"), default_lang).get(FALLBACK_LANGUAGE, "")
    return Codelist(
        name=name,
        items=items,
        title=title or name,
        category_codelist=root.get("category-codelist"),
        embedded=root.get("embedded") == "1",
    )


@functools.cache
def _load(name: str) -> Codelist:
    """Parse codelist ``name`` once per process."""
    return _parse(name, _codelist_files()[name])


def get(name: str) -> Codelist:
    """Return the codelist called ``name``, spelled as IATI does ("Country", "UNSDG-Goals")."""
    if name not in _codelist_files():
        raise KeyError(
            f"Unknown IATI codelist {name!r}: expected one of the names of the files in "
            f"{IATI_DIR} (e.g. 'Country', 'Sector', 'OrganisationRole', 'UNSDG-Goals')."
        )
    return _load(name)


def label(name: str, code: str, lang: str | None = None) -> str:
    """Return the label of ``code`` in codelist ``name`` (shortcut for ``get(name).label``)."""
    return get(name).label(code, lang)
