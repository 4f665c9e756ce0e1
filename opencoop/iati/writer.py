"""Write IATI 2.03: an activity's elements in schema order, from the one description.

The elements of attributes (codes, dates, texts, countries, sectors…) are written generically
from ``opencoop.activities.parts.ELEMENTS``; each ``*_element`` function writes the structured
ones (locations, transactions, results…), as XML text (``XmlText``, see "Building blocks"),
which ``activity_element`` parses into a tree. What the public may see comes only from
``opencoop.activities.disclosure``. The constants below are the structured elements' fixed codes;
the rules and the import (``opencoop.iati.reader``) read them too, so each fact is written once.
"""

from __future__ import annotations

import datetime
import functools
import mimetypes
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from lxml import etree

from opencoop.activities.disclosure import (
    hidden_organisation_ids,
    public_locations,
    public_organisation,
    public_participants,
    public_related_activities,
)
from opencoop.activities.models import Activity, result_value_text
from opencoop.activities.parts import (
    ACTIVITY_CODES,
    BY_PATH,
    CONTACT_TEXTS,
    CONTACT_VALUES,
    DATE,
    NARRATIVES,
    PERCENTAGE,
    Element,
    Part,
    part,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import portal_languages

if TYPE_CHECKING:
    from wagtail.documents.models import AbstractDocument

    from opencoop.activities.models import (
        Beneficiaries,
        Budget,
        IndicatorPeriod,
        PlannedDisbursement,
        ResultIndicator,
        Transaction,
    )
    from opencoop.core.models import AttachedDocument
    from opencoop.organisations.models import Organisation

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
POINT_SRS_NAME = "http://www.opengis.net/def/crs/EPSG/0/4326"
# The activity codes (collaboration-type…), written after the policy markers.
ACTIVITY_CODE_ELEMENTS = tuple(path for path, _field, _codelist in ACTIVITY_CODES)

# location/administrative/@vocabulary (GeographicVocabulary) for the country: ISO 3166-1 alpha-2.
COUNTRY_GEOGRAPHIC_VOCABULARY = "A4"
# Beneficiaries become one Output result (ResultType 1) counted in units (IndicatorMeasure 1).
BENEFICIARIES_RESULT_TYPE = "1"
BENEFICIARIES_MEASURE = "1"
BENEFICIARIES_TITLE = {"it": "Beneficiari", "en": "Beneficiaries"}
SEX_DIMENSION = "sex"
FEMALE = "female"
MALE = "male"
# document-link/@format when nothing better is known: a web page.
WEB_PAGE_FORMAT = "text/html"
UNKNOWN_FORMAT = "application/octet-stream"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# Values ------------------------------------------------------------------------------------------
def xml_text(value: object) -> str:
    """Return ``value`` as text, without the characters XML 1.0 cannot hold."""
    text = value if type(value) is str else str(value)
    # Most texts are printable ASCII, which XML holds as it is: no need to search them.
    if text.isascii() and text.isprintable():
        return text
    return _NOT_XML.sub("", text)


def decimal_text(value: Decimal | int | float) -> str:
    """Write a number as IATI decimals do: no exponent, no trailing zeros ("60", "12.5")."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def iso_datetime(value: datetime.datetime) -> str:
    """Write an aware date-time as xsd:dateTime, to the second."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def language_order(value: dict | None, default: str) -> list[str]:
    """List the languages of ``value`` with text: the default first, then the portal's, then A-Z."""
    if not value:
        return []
    ordered = []
    for lang in _languages_in_order(default, tuple(value)):
        text = value[lang]
        if text and (text if type(text) is str else str(text)).strip():
            ordered.append(lang)
    return ordered


@functools.cache
def _languages_in_order(default: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    """Order ``languages``: the default first, then the portal's, then A-Z.

    Cached: texts come in a handful of language sets, and the writer orders every text it
    writes. Forgotten when the portal's languages change (``_forget_language_orders``).
    """
    given = set(languages)
    order = (default, *portal_languages(), *sorted(languages))
    return tuple(lang for lang in dict.fromkeys(order) if lang in given)


@receiver(setting_changed)
def _forget_language_orders(*, setting: str, **kwargs: object) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE"):
        _languages_in_order.cache_clear()


def has_text(value: dict | None) -> bool:
    """Say whether a multilingual value has text in any language."""
    if value:
        for item in value.values():
            if item and (item if type(item) is str else str(item)).strip():
                return True
    return False


def default_language(organisation: Organisation) -> str:
    """Return the xml:lang of a reporting org's files: the portal's, or the org's first one."""
    default = settings.LANGUAGE_CODE.split("-")[0]
    languages = language_order(organisation.name, default)
    return languages[0] if languages else default


def absolute_url(href: str, base_url: str) -> str:
    """Return ``href`` resolved against the portal's address (documents are served locally)."""
    return urljoin(base_url, href) if base_url else href


def document_format(href: str, document: AbstractDocument | None = None) -> str:
    """Return the IANA media type (FileFormat code) of a file or address."""
    guessed = (
        document.content_type
        if document is not None
        else mimetypes.guess_type(urlsplit(href).path)[0] or WEB_PAGE_FORMAT
    )
    return guessed if registry.get("FileFormat").is_valid(guessed) else UNKNOWN_FORMAT


# Building blocks ---------------------------------------------------------------------------------
# The writer writes XML text, not lxml trees: building an activity's 120 elements with lxml took
# most of the export's time. The text is what libxml2 writes for the same tree (its escaping,
# and with ``pretty`` its indentation), so the export streams it as it is and ``activity_element``
# parses it back into the tree it used to build; a test compares both with lxml's output.
_PRETTY = ("\n", *("\n" + "  " * depth for depth in range(1, 64)))
_COMPACT = ("",) * 64
# What libxml2 writes as a character reference or entity: in attribute values and in text.
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def attribute_text(value: object) -> str:
    """Return ``value`` as an attribute value is written: characters XML cannot hold left out,
    the others escaped as libxml2 escapes them."""
    text = value if type(value) is str else str(value)
    # Most values are printable ASCII without markup: nothing to search or replace.
    if text.isascii() and text.isprintable():
        if "&" in text or "<" in text or ">" in text or '"' in text:
            return text.translate(_ATTRIBUTE_ESCAPES)
        return text
    return _NOT_XML.sub("", text).translate(_ATTRIBUTE_ESCAPES)


def escaped_text(text: str) -> str:
    """Return XML text ``text`` (already without characters XML cannot hold) escaped as libxml2
    escapes an element's text."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return text.translate(_TEXT_ESCAPES)
    return text


class XmlText:
    """The XML text of one element being written, child by child.

    ``pretty`` indents it as libxml2's pretty printer does (two spaces a level, an element
    without children closed as ``<tag/>``); otherwise it is written without whitespace.
    """

    __slots__ = ("_opened", "depth", "indents", "parts")

    def __init__(self, *, pretty: bool = False) -> None:
        self.parts: list[str] = []
        self.indents = _PRETTY if pretty else _COMPACT
        self.depth = 0
        self._opened: list[tuple[str, int]] = []

    def empty(self, tag: str, attributes: str = "") -> None:
        """Write ``<tag …/>``; ``attributes`` as ``attributes()`` writes them."""
        self.parts.append(f"{self.indents[self.depth]}<{tag}{attributes}/>")

    def text(self, tag: str, text: str, attributes: str = "") -> None:
        """Write ``<tag …>text</tag>``; ``text`` without the characters XML cannot hold."""
        self.parts.append(
            f"{self.indents[self.depth]}<{tag}{attributes}>{escaped_text(text)}</{tag}>"
        )

    def start(self, tag: str, attributes: str = "") -> None:
        """Open ``tag``: what is written until ``end`` are its children."""
        self.parts.append(f"{self.indents[self.depth]}<{tag}{attributes}>")
        self.depth += 1
        self._opened.append((tag, len(self.parts)))

    def end(self) -> None:
        """Close the element last opened (as ``<tag …/>`` when nothing was written in it)."""
        self.depth -= 1
        tag, written = self._opened.pop()
        if len(self.parts) == written:
            self.parts[-1] = self.parts[-1][:-1] + "/>"
        else:
            self.parts.append(f"{self.indents[self.depth]}</{tag}>")

    def fragment(self) -> XmlText:
        """Return an empty text written at this one's depth and indentation (to keep and copy)."""
        other = XmlText()
        other.indents, other.depth = self.indents, self.depth
        return other

    def value(self) -> str:
        text = "".join(self.parts)
        return text[1:] if text[:1] == "\n" else text


@functools.cache
def attribute_name(keyword: str) -> str:
    """Return the XML attribute a keyword of ``sub`` stands for (``value_date``: value-date)."""
    return keyword.rstrip("_").replace("_", "-")


def attributes(**given: object) -> str:
    """Write the given attributes (underscores become hyphens; None and "" are left out)."""
    written = ""
    for name, value in given.items():
        if value is not None and value != "":
            written += f' {attribute_name(name)}="{attribute_text(value)}"'
    return written


def sub(out: XmlText, tag: str, **given: object) -> None:
    """Write ``<tag …/>`` with the given attributes (see ``attributes``)."""
    out.empty(tag, attributes(**given) if given else "")


def start(out: XmlText, tag: str, **given: object) -> None:
    """Open ``tag`` with the given attributes (see ``attributes``); ``out.end()`` closes it."""
    out.start(tag, attributes(**given) if given else "")


# Bounded: a file may give any number of xml:lang codes.
@functools.lru_cache(maxsize=512)
def _narrative_start(lang: str) -> str:
    return f'<narrative xml:lang="{attribute_text(lang)}">'


def narratives(out: XmlText, value: dict | None, lang: str) -> int:
    """Write one ``narrative`` per language with text, each with xml:lang; return how many."""
    if not value:
        return 0
    written = 0
    indent = out.indents[out.depth]
    # language_order inlined: this runs for every text of the file.
    for code in _languages_in_order(lang, tuple(value)):
        raw = value[code]
        if not raw:
            continue
        if type(raw) is str and raw.isascii() and raw.isprintable():
            text = raw.strip()
            if not text:
                continue
        elif str(raw).strip():
            text = xml_text(raw).strip()
        else:
            continue
        out.parts.append(f"{indent}{_narrative_start(code)}{escaped_text(text)}</narrative>")
        written += 1
    return written


def text_element(out: XmlText, tag: str, value: dict | None, lang: str, **given: object) -> bool:
    """Write ``tag`` holding the narratives of ``value``; nothing when it has no text."""
    if not has_text(value):
        return False
    start(out, tag, **given)
    narratives(out, value, lang)
    out.end()
    return True


def plain_narrative(out: XmlText, tag: str, value: str) -> None:
    """Write ``tag`` with one narrative in no particular language (a name, an address)."""
    if value and value.strip():
        out.start(tag)
        out.text("narrative", xml_text(value).strip())
        out.end()


def value_element(
    out: XmlText,
    amount: Decimal,
    currency: str,
    value_date: datetime.date,
    tag: str = "value",
) -> None:
    """Write a monetary value; IATI requires its value-date."""
    iso_date = value_date.isoformat()
    written = (
        f' currency="{attribute_text(xml_text(currency))}" value-date="{iso_date}"'
        if currency
        else f' value-date="{iso_date}"'
    )
    out.text(tag, decimal_text(amount), written)


def budget_value_date(budget: Budget) -> datetime.date:
    """Return the value date written for a budget: its own, else the period start."""
    return budget.value_date or budget.period_start


def planned_value_date(planned: PlannedDisbursement) -> datetime.date:
    """Return the value date written for a planned disbursement: its own, else the period start."""
    return planned.value_date or planned.period_start


def transaction_value_date(transaction: Transaction) -> datetime.date:
    """Return the value date written for a transaction: its own, else the transaction date."""
    return transaction.value_date or transaction.date


def stored_value_date(value_date: datetime.date, implied: datetime.date) -> datetime.date | None:
    """Return the value date to store: None when it is the one the export writes by default."""
    return None if value_date == implied else value_date


def period_elements(out: XmlText, start: datetime.date, end: datetime.date) -> None:
    date_element(out, "period-start", start)
    date_element(out, "period-end", end)


def date_element(out: XmlText, tag: str, date: datetime.date) -> None:
    """Write ``<tag iso-date=…/>``; an ISO date is plain text, which XML holds as it is."""
    out.parts.append(f'{out.indents[out.depth]}<{tag} iso-date="{date.isoformat()}"/>')


def organisation_element(
    out: XmlText,
    tag: str,
    *,
    name: dict,
    ref: str,
    organisation_type: str,
    lang: str,
    **given: object,
) -> None:
    """Write an organisation reference (reporting-, participating-, provider-, receiver-org).

    The same organisation is named in most transactions of a file: its text is written once
    (per thread, depth and indentation) and copied.
    """
    key = (
        tag,
        ref,
        organisation_type,
        lang,
        out.depth,
        out.indents is _PRETTY,
        tuple(given.items()),
        tuple((name or {}).items()),
    )
    try:
        text = _FRAGMENTS.get(key)
    except TypeError:  # a value that cannot be a key (not text): written each time
        text = key = None
    if text is None:
        fragment = out.fragment()
        start(fragment, tag, ref=ref or None, type=organisation_type or None, **given)
        narratives(fragment, name, lang)
        fragment.end()
        text = "".join(fragment.parts)
        if key is not None:
            _FRAGMENTS.put(key, text)
    out.parts.append(text)


class _Fragments(threading.local):
    """Texts the writer copies rather than writes again, by what they are written from.

    One cache per thread; emptied past ``LIMIT`` texts, so that memory stays flat however many
    organisations a file names.
    """

    LIMIT = 2_000

    def __init__(self) -> None:
        self._by_key: dict[tuple, str] = {}

    def get(self, key: tuple) -> str | None:
        return self._by_key.get(key)

    def put(self, key: tuple, text: str) -> None:
        if len(self._by_key) >= self.LIMIT:
            self._by_key.clear()
        self._by_key[key] = text


_FRAGMENTS = _Fragments()


def document_link_element(
    out: XmlText, document_link: AttachedDocument, lang: str, base_url: str
) -> None:
    """Write a document-link; a document known only by its title has no url and is left out."""
    href = document_link.href
    if not href:
        return
    document = document_link.document if document_link.document_id else None
    start(
        out,
        "document-link",
        url=absolute_url(href, base_url),
        format=document_format(href, document),
    )
    out.start("title")
    if not narratives(out, document_link.title, lang):
        out.text("narrative", xml_text(href))
    out.end()
    text_element(out, "description", getattr(document_link, "description", None), lang)
    sub(out, "category", code=document_link.category)
    for category in getattr(document_link, "more_categories", ()):
        sub(out, "category", code=category)
    if document_link.language:
        sub(out, "language", code=document_link.language)
    if document_link.date:
        sub(out, "document-date", iso_date=document_link.date.isoformat())
    out.end()


# Activity ----------------------------------------------------------------------------------------
def last_updated(activity: Activity) -> datetime.datetime:
    """Return when the published activity last changed (its last publication, or now)."""
    if activity.last_published_at:
        return activity.last_published_at
    if activity.latest_revision_id and activity.latest_revision:
        return activity.latest_revision.created_at
    return timezone.now()


def activity_element(activity: Activity, *, base_url: str = "") -> etree._Element:
    """Build the ``iati-activity`` element of one public activity, children in schema order."""
    return parsed(activity_text(activity, base_url=base_url))


def activity_xml(activity: Activity, *, base_url: str = "") -> str:
    """Return the ``iati-activity`` element of one public activity as libxml2 pretty-prints it
    (the export's file holds it as it is), children in schema order."""
    if has_published(activity):
        # Elements kept as the file gave them may hold text between them, which changes how
        # libxml2 indents: the tree is built and lxml writes it.
        return etree.tostring(
            activity_element(activity, base_url=base_url), encoding=str, pretty_print=True
        )[:-1]
    return activity_text(activity, base_url=base_url, pretty=True)


def parsed(text: str) -> etree._Element:
    """Return the element whose text the writer wrote (and the elements kept in it)."""
    return etree.fromstring(text, _PARSERS.parser)


def activity_text(activity: Activity, *, base_url: str = "", pretty: bool = False) -> str:
    """Write the ``iati-activity`` element of one public activity, children in schema order."""
    out = XmlText(pretty=pretty)
    lang = default_language(activity.reporting_org)
    root = (
        f' last-updated-datetime="{iso_datetime(last_updated(activity))}"'
        f' xml:lang="{attribute_text(lang)}"'
        f' default-currency="{attribute_text(activity.default_currency)}"'
        f' hierarchy="{"2" if activity.parent_id else "1"}"'
    )
    if activity.linked_data_uri is not None:  # "" too: the file gave it empty
        root += f' linked-data-uri="{attribute_text(activity.linked_data_uri)}"'
    if activity.humanitarian:
        root += ' humanitarian="1"'
    out.start("iati-activity", root)
    out.text("iati-identifier", xml_text(activity.iati_identifier))
    org = activity.reporting_org
    organisation_element(
        out,
        "reporting-org",
        name=org.name,
        ref=org.identifier,
        organisation_type=org.type,
        lang=lang,
        secondary_reporter=flag_text(activity.secondary_reporter),
    )
    out.start("title")
    narratives(out, activity.title, lang)
    out.end()
    attribute_elements(out, "description", activity, lang)
    for participant in public_participants(activity):
        organisation_element(
            out,
            "participating-org",
            name=participant.name,
            ref=participant.identifier,
            organisation_type=participant.organisation_type,
            lang=lang,
            role=participant.role,
            activity_id=participant.activity_id or None,
        )
    for other in activity.other_identifiers.all():
        start(out, "other-identifier", ref=other.ref, type=other.type)
        if other.owner_ref or has_text(other.owner_name):
            start(out, "owner-org", ref=other.owner_ref)
            narratives(out, other.owner_name, lang)
            out.end()
        out.end()
    for path in ("activity-status", "activity-date"):
        attribute_elements(out, path, activity, lang)
    contact_info_element(out, activity, lang)
    for path in ("activity-scope", "recipient-country", "recipient-region"):
        attribute_elements(out, path, activity, lang)
    location_elements(out, activity, lang)
    for path in ("sector", "tag"):
        attribute_elements(out, path, activity, lang)
    country_budget_items_element(out, activity, lang)
    for path in ("humanitarian-scope", "policy-marker", *ACTIVITY_CODE_ELEMENTS):
        attribute_elements(out, path, activity, lang)
    for budget in activity.budgets.all():
        start(out, "budget", type=budget.type, status=budget.status)
        period_elements(out, budget.period_start, budget.period_end)
        value_element(out, budget.value, budget.currency, budget_value_date(budget))
        out.end()
    planned_disbursement_elements(out, activity, lang)
    attribute_elements(out, "capital-spend", activity, lang)
    transaction_elements(out, activity, lang)
    for document_link in activity.documents.all():
        document_link_element(out, document_link, lang, base_url)
    related_activity_elements(out, activity)
    conditions_element(out, activity, lang)
    result_elements(out, activity, lang)
    beneficiaries_element(out, activity, lang)
    append_published(out, activity.kept_xml)
    out.end()
    return out.value()


def has_published(activity: Activity) -> bool:
    """Say whether the activity, or one of its transactions, keeps elements as the file gave them."""
    return bool(activity.kept_xml) or any(t.kept_xml for t in activity.transactions.all())


class _Parsers(threading.local):
    """The parser of the writer's texts and of kept elements, one per thread (as lxml needs)."""

    def __init__(self) -> None:
        self.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


_PARSERS = _Parsers()


@dataclass(frozen=True)
class _Step:
    """How one attribute of an element of attributes is written (see ``_Plan``)."""

    name: str
    field: str
    # The value always written (already escaped), else the field's value by ``convert``.
    fixed: str
    convert: Callable[[object], str]
    empty_kept: bool


@dataclass(frozen=True)
class _Plan:
    """An ``Element`` of the description compiled for writing: its attributes in order, each
    with its conversion chosen once, so that writing a row does no dispatch on kinds."""

    element: Element
    # The field without which the element is left out ("" for a part's rows: always written).
    main: str
    steps: tuple[_Step, ...]
    texts: tuple[str, ...]

    def write(self, out: XmlText, source: object, lang: str) -> None:
        """Write the element from ``source`` (the activity or a part's row).

        An element of the activity's own fields is left out when its main field (code, date,
        text) is empty; a part's row is always written.
        """
        if self.main and not has_text_or_value(getattr(source, self.main)):
            return
        written = ""
        for step in self.steps:
            if step.fixed:
                written += step.fixed
                continue
            raw = getattr(source, step.field)
            if raw is None or raw == "":
                if step.empty_kept and raw == "":
                    # A file stated it empty (the schema allows it): written back as stated.
                    written += f' {step.name}=""'
                continue
            value = step.convert(raw)
            if value:
                written += f' {step.name}="{attribute_text(value)}"'
        if self.texts:
            out.start(self.element.path, written)
            for name in self.texts:
                narratives(out, getattr(source, name), lang)
            out.end()
        else:
            out.empty(self.element.path, written)


def _iso_date(value: datetime.date) -> str:
    return value.isoformat()


# How each kind of attribute (``parts.Attribute.kind``) writes a value that is given.
_CONVERSIONS: dict[str, Callable[[object], str]] = {PERCENTAGE: decimal_text, DATE: _iso_date}


def _compile(element: Element) -> _Plan:
    """Compile ``element`` of the description into the plan that writes it."""
    steps = tuple(
        _Step(
            attribute.name,
            attribute.field,
            f' {attribute.name}="{attribute_text(attribute.value)}"' if attribute.value else "",
            _CONVERSIONS.get(attribute.kind, str),
            attribute.empty_kept,
        )
        for attribute in element.attributes
        if attribute.kind != NARRATIVES
    )
    texts = tuple(a.field for a in element.attributes if a.kind == NARRATIVES)
    return _Plan(element, "" if element.relation else element.main.field, steps, texts)


# The plans of the elements written at each path, in the description's order.
_PLANS: dict[str, tuple[_Plan, ...]] = {
    path: tuple(_compile(element) for element in described) for path, described in BY_PATH.items()
}


def has_text_or_value(value: object) -> bool:
    """Say whether a field holds something to write (a multilingual one: text in a language;
    a number, zero included)."""
    return has_text(value) if isinstance(value, dict) else value is not None and value != ""


def attribute_elements(out: XmlText, path: str, activity: Activity, lang: str) -> None:
    """Write every element written at ``path``: one per field, or one per row of its part."""
    for plan in _PLANS.get(path, ()):
        element = plan.element
        if element.relation:
            for row in getattr(activity, element.relation).all():
                plan.write(out, row, lang)
        else:
            plan.write(out, activity, lang)
        if element.others:
            for item in getattr(activity, element.others):
                other_vocabulary_element(out, element, item, lang)


def other_vocabulary_element(out: XmlText, element: Element, item: dict, lang: str) -> None:
    """Write an element of another vocabulary, kept as the file gave it (see ``Element.others``)."""
    written = "".join(
        f' {name}="{attribute_text(xml_text(item[name]))}"'
        for name in element.others_attributes
        if name != "narrative" and item.get(name)
    )
    out.start(element.path, written)
    narratives(out, item.get("narrative"), lang)
    out.end()


def contact_info_element(out: XmlText, activity: Activity, lang: str) -> None:
    """Write contact-info when the activity names any contact or a file gave it empty entries
    (written back empty), children in schema order."""
    texts = {tag: getattr(activity, field) for tag, field in CONTACT_TEXTS}
    empty = set(activity.contact_empty or ())
    if not (
        any(has_text(value) for value in texts.values())
        or activity.contact_person
        or any(getattr(activity, field) for _tag, field in CONTACT_VALUES)
        or empty
    ):
        return
    start(out, "contact-info", type=activity.contact_type or None)

    def empty_text(tag: str) -> None:
        out.start(tag)
        out.empty("narrative")
        out.end()

    def text_or_empty(tag: str) -> None:
        if not text_element(out, tag, texts[tag], lang) and tag in empty:
            empty_text(tag)

    for tag in ("organisation", "department"):
        text_or_empty(tag)
    if (activity.contact_person or "").strip():
        plain_narrative(out, "person-name", activity.contact_person)
    elif "person-name" in empty:
        empty_text("person-name")
    text_or_empty("job-title")
    for tag, field in CONTACT_VALUES:
        if getattr(activity, field):
            out.text(tag, xml_text(getattr(activity, field)))
        elif tag in empty:
            out.empty(tag)
    text_or_empty("mailing-address")
    out.end()


def country_budget_items_element(out: XmlText, activity: Activity, lang: str) -> None:
    """Write country-budget-items when the activity has budget items."""
    items = list(activity.country_budget_items.all())
    if not items:
        return
    start(out, "country-budget-items", vocabulary=activity.country_budget_vocabulary)
    for item in items:
        start(
            out,
            "budget-item",
            code=item.code,
            percentage=decimal_text(item.percentage) if item.percentage is not None else None,
        )
        text_element(out, "description", item.description, lang)
        out.end()
    out.end()


def conditions_element(out: XmlText, activity: Activity, lang: str) -> None:
    """Write conditions when the activity says whether any are attached, or names some."""
    conditions = list(activity.conditions.all())
    if activity.conditions_attached is None and not conditions:
        return
    attached = activity.conditions_attached if activity.conditions_attached is not None else True
    start(out, "conditions", attached="1" if attached else "0")
    for condition in conditions:
        start(out, "condition", type=condition.type)
        narratives(out, condition.text, lang)
        out.end()
    out.end()


def append_published(out: XmlText, kept_xml: str) -> None:
    """Write the elements kept as the file gave them (extensions, crs-add, fss).

    Each is written as lxml writes it once parsed, with the text after it: the tree parsed
    back holds what appending the parsed elements gave. Not indented: ``activity_xml`` has lxml
    write an activity that keeps elements.
    """
    if not kept_xml:
        return
    holder = etree.fromstring(f"<kept>{kept_xml}</kept>", _PARSERS.parser)
    for element in holder:
        out.parts.append(etree.tostring(element, encoding=str, with_tail=True))


LOCATIONS, PLANNED, TRANSACTIONS = (
    part(relation) for relation in ("locations", "planned_disbursements", "transactions")
)


def coded_child(out: XmlText, row: object, described: Part, tag: str) -> None:
    """Write ``<tag code=…>`` from the row's field the description gives ``tag``, if set."""
    code = getattr(row, described.paths[tag])
    if code:
        out.empty(tag, f' code="{attribute_text(code)}"')


def location_elements(out: XmlText, activity: Activity, lang: str) -> None:
    """Write the locations disclosure lets through; hidden places (country only) are left out:
    the activity's recipient countries say as much."""
    for location in public_locations(activity):
        has_point = location.latitude is not None and location.longitude is not None
        if not location.exact:
            continue
        if not (
            has_text(location.name)
            or has_point
            or location.location_ids
            or location.administrative
            or location.country
        ):
            continue
        if location.ref is not None:  # "" too: the file gave it empty
            out.start("location", f' ref="{attribute_text(xml_text(location.ref))}"')
        else:
            out.start("location")
        coded_child(out, location, LOCATIONS, "location-reach")
        for location_id in location.location_ids:
            sub(
                out,
                "location-id",
                vocabulary=location_id["vocabulary"],
                code=location_id["code"],
            )
        text_element(out, "name", location.name, lang)
        text_element(out, "description", location.description, lang)
        if location.country:
            sub(
                out,
                "administrative",
                vocabulary=COUNTRY_GEOGRAPHIC_VOCABULARY,
                level="0",
                code=location.country,
            )
        for area in location.administrative:
            sub(
                out,
                "administrative",
                vocabulary=area["vocabulary"],
                level=area.get("level"),
                code=area["code"],
            )
        if has_point:
            start(out, "point", srsName=POINT_SRS_NAME)
            position = f"{decimal_text(location.latitude)} {decimal_text(location.longitude)}"
            out.text("pos", position)  # "latitude longitude", as GML in EPSG:4326
            out.end()
        for tag in ("exactness", "location-class", "feature-designation"):
            coded_child(out, location, LOCATIONS, tag)
        out.end()


def party_elements(out: XmlText, row: object, described: Part, hidden: set[int], lang: str) -> None:
    """Write provider-org and receiver-org; an organisation hidden here is never named."""
    paths = described.paths
    for tag, activity_path, keyword in PARTIES:
        party = public_organisation(getattr(row, paths[tag]), hidden)
        if party is None:
            continue
        extra = {}
        if activity_path in paths and not party.hidden:
            extra[keyword] = getattr(row, paths[activity_path])
        organisation_element(
            out,
            tag,
            name=party.name,
            ref=party.identifier,
            organisation_type=party.organisation_type,
            lang=lang,
            **extra,
        )


# provider-org and receiver-org: the path of each one's activity-id, and its keyword for ``sub``.
PARTIES = tuple(
    (tag, f"{tag}/@{role}-activity-id", f"{role}_activity_id")
    for tag, role in (("provider-org", "provider"), ("receiver-org", "receiver"))
)


def planned_disbursement_elements(out: XmlText, activity: Activity, lang: str) -> None:
    """Write the planned disbursements, in the schema's order of their children."""
    hidden = hidden_organisation_ids(activity)
    for planned in activity.planned_disbursements.all():
        start(out, "planned-disbursement", type=planned.type or None)
        date_element(out, "period-start", planned.period_start)
        if planned.period_end:
            date_element(out, "period-end", planned.period_end)
        value_element(out, planned.value, planned.currency, planned_value_date(planned))
        party_elements(out, planned, PLANNED, hidden, lang)
        out.end()


def related_activity_elements(out: XmlText, activity: Activity) -> None:
    """Write the related activities the public may know of (parent and sub-projects first)."""
    for related in public_related_activities(activity):
        sub(out, "related-activity", ref=related.ref, type=related.type)


def transaction_elements(out: XmlText, activity: Activity, lang: str) -> None:
    """Write the transactions; an organisation hidden for this activity is never named."""
    hidden = hidden_organisation_ids(activity)
    for transaction in activity.transactions.all():
        humanitarian = transaction.humanitarian
        start(
            out,
            "transaction",
            ref=transaction.ref,
            humanitarian=None if humanitarian is None else "1" if humanitarian else "0",
        )
        sub(out, "transaction-type", code=transaction.type)
        date_element(out, "transaction-date", transaction.date)
        value_element(
            out, transaction.value, transaction.currency, transaction_value_date(transaction)
        )
        text_element(out, "description", transaction.description, lang)
        party_elements(out, transaction, TRANSACTIONS, hidden, lang)
        transaction_classification_elements(out, transaction, lang)
        append_published(out, transaction.kept_xml)
        out.end()


def transaction_classification_elements(out: XmlText, transaction: Transaction, lang: str) -> None:
    """Write what the transaction says of itself, in the schema's order."""
    coded_child(out, transaction, TRANSACTIONS, "disbursement-channel")
    for sector in transaction.sectors:
        start(out, "sector", vocabulary=sector.get("vocabulary"), code=sector["code"])
        narratives(out, sector.get("narrative"), lang)
        out.end()
    coded_child(out, transaction, TRANSACTIONS, "recipient-country")
    if transaction.recipient_region:
        sub(
            out,
            "recipient-region",
            code=transaction.recipient_region,
            vocabulary=transaction.recipient_region_vocabulary or None,
        )
    for tag in ("flow-type", "finance-type"):
        coded_child(out, transaction, TRANSACTIONS, tag)
    for aid_type in transaction.aid_types:
        sub(out, "aid-type", code=aid_type["code"], vocabulary=aid_type.get("vocabulary"))
    coded_child(out, transaction, TRANSACTIONS, "tied-status")


def flag_text(value: bool | None) -> str | None:
    """Write a yes/no attribute the portal may not know ("1", "0", or left out)."""
    return None if value is None else ("1" if value else "0")


def result_value_element(
    out: XmlText,
    tag: str,
    value: str,
    *,
    comment: dict | None,
    dimensions: list,
    locations: list,
    lang: str,
    **given: object,
) -> None:
    """Write a baseline, target or actual: its locations, dimensions and comment, in order."""
    start(out, tag, **given, value=result_value_text(value) or None)
    for ref in locations:
        sub(out, "location", ref=ref)
    for dimension in dimensions:
        sub(out, "dimension", name=dimension.get("name"), value=dimension.get("value"))
    if comment and not has_text(comment):
        # An empty comment a file gave ({"en": ""}): written back empty, as the schema allows.
        out.start("comment")
        for code in sorted(comment):
            out.empty("narrative", f' xml:lang="{attribute_text(code)}"')
        out.end()
    else:
        text_element(out, "comment", comment, lang)
    out.end()


def has_period_value(period: IndicatorPeriod, tag: str) -> bool:
    """Say whether the period has a target (or an actual) to write: a value or what goes with it."""
    return any(
        (
            getattr(period, f"{tag}_value") not in (None, ""),
            bool(getattr(period, f"{tag}_comment")),
            getattr(period, f"{tag}_dimensions"),
            getattr(period, f"{tag}_locations"),
        )
    )


def result_elements(out: XmlText, activity: Activity, lang: str) -> None:
    """Write each result with its indicators, their baseline and periods, in the schema's order.

    A result without an indicator is left out (the schema requires one; the publication checks
    say so), as is a period without both its dates.
    """
    for result in activity.results.all():
        indicators = list(result.indicators.all())
        if not indicators:
            continue
        start(
            out,
            "result",
            type=result.type,
            aggregation_status=flag_text(result.aggregation_status),
        )
        text_element(out, "title", result.title, lang)
        text_element(out, "description", result.description, lang)
        for indicator in indicators:
            indicator_element(out, indicator, lang)
        out.end()


def indicator_element(out: XmlText, indicator: ResultIndicator, lang: str) -> None:
    start(
        out,
        "indicator",
        measure=indicator.measure,
        ascending="1" if indicator.ascending else "0",
        aggregation_status=flag_text(indicator.aggregation_status),
    )
    text_element(out, "title", indicator.title, lang)
    text_element(out, "description", indicator.description, lang)
    for reference in indicator.references:
        sub(
            out,
            "reference",
            vocabulary=reference.get("vocabulary"),
            code=reference.get("code"),
            indicator_uri=reference.get("indicator_uri"),
        )
    if indicator.baseline_year:
        result_value_element(
            out,
            "baseline",
            indicator.baseline_value,
            comment=indicator.baseline_comment,
            dimensions=indicator.baseline_dimensions,
            locations=indicator.baseline_locations,
            lang=lang,
            year=indicator.baseline_year,
            iso_date=indicator.baseline_date.isoformat() if indicator.baseline_date else None,
        )
    for baseline in indicator.more_baselines:
        result_value_element(
            out,
            "baseline",
            baseline.get("value") or "",
            comment=baseline.get("comment") or {},
            dimensions=baseline.get("dimensions") or [],
            locations=baseline.get("locations") or [],
            lang=lang,
            year=baseline.get("year"),
            iso_date=baseline.get("iso_date") or None,
        )
    for period in indicator.periods.all():
        if not (period.period_start and period.period_end):
            continue
        out.start("period")
        period_elements(out, period.period_start, period.period_end)
        for tag in ("target", "actual"):
            if has_period_value(period, tag):
                result_value_element(
                    out,
                    tag,
                    getattr(period, f"{tag}_value"),
                    comment=getattr(period, f"{tag}_comment"),
                    dimensions=getattr(period, f"{tag}_dimensions"),
                    locations=getattr(period, f"{tag}_locations"),
                    lang=lang,
                )
            for value in getattr(period, f"more_{tag}s"):
                result_value_element(
                    out,
                    tag,
                    value.get("value") or "",
                    comment=value.get("comment") or {},
                    dimensions=value.get("dimensions") or [],
                    locations=value.get("locations") or [],
                    lang=lang,
                )
        out.end()
    out.end()


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date


def beneficiaries_period(row: Beneficiaries, activity: Activity) -> Period | None:
    """Return the period people were counted in: the row's year, else the activity's dates."""
    if row.year:
        return Period(datetime.date(row.year, 1, 1), datetime.date(row.year, 12, 31))
    if activity.start_date and activity.end_date:
        return Period(activity.start_date, activity.end_date)
    return None


def beneficiaries_element(out: XmlText, activity: Activity, lang: str) -> None:
    """Write the people reached as one result: an indicator per group, split by sex."""
    rows = list(activity.beneficiaries.all())
    if not rows:
        return
    start(out, "result", type=BENEFICIARIES_RESULT_TYPE)
    text_element(out, "title", BENEFICIARIES_TITLE, lang)
    for row in rows:
        start(out, "indicator", measure=BENEFICIARIES_MEASURE, ascending="1")
        title = row.group if has_text(row.group) else BENEFICIARIES_TITLE
        text_element(out, "title", title, lang)
        period_dates = beneficiaries_period(row, activity)
        if period_dates is None:
            out.end()
            continue
        out.start("period")
        period_elements(out, period_dates.start, period_dates.end)
        sub(out, "actual", value=row.total)
        for sex, count in ((FEMALE, row.women), (MALE, row.men)):
            if count is not None:
                start(out, "actual", value=count)
                sub(out, "dimension", name=SEX_DIMENSION, value=sex)
                out.end()
        out.end()
        out.end()
    out.end()


# Organisation ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearBudget:
    """An amount for one calendar year (and, for recipient-country-budget, one country)."""

    year: int
    value: Decimal
    currency: str
    country: str = ""

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


def organisation_root_element(
    organisation: Organisation,
    *,
    total_budgets: Iterable[YearBudget],
    country_budgets: Iterable[YearBudget],
    documents: Iterable[AttachedDocument],
    last_updated_at: datetime.datetime,
    base_url: str = "",
) -> etree._Element:
    """Build the ``iati-organisation`` element of a reporting organisation."""
    out = XmlText()
    lang = default_language(organisation)
    out.start(
        "iati-organisation",
        f' last-updated-datetime="{iso_datetime(last_updated_at)}"'
        f' xml:lang="{attribute_text(lang)}"',
    )
    out.text("organisation-identifier", xml_text(organisation.identifier))
    out.start("name")
    narratives(out, organisation.name, lang)
    out.end()
    organisation_element(
        out,
        "reporting-org",
        name=organisation.name,
        ref=organisation.identifier,
        organisation_type=organisation.type,
        lang=lang,
    )
    for budget in total_budgets:
        out.start("total-budget")
        period_elements(out, budget.start, budget.end)
        value_element(out, budget.value, budget.currency, budget.start)
        out.end()
    for budget in country_budgets:
        out.start("recipient-country-budget")
        sub(out, "recipient-country", code=budget.country)
        period_elements(out, budget.start, budget.end)
        value_element(out, budget.value, budget.currency, budget.start)
        out.end()
    for document_link in documents:
        document_link_element(out, document_link, lang, base_url)
    out.end()
    return parsed(out.value())
