"""Write IATI 2.03: an activity's elements in schema order, from the one description.

The elements of attributes (codes, dates, texts, countries, sectors…) are written generically
from ``opencoop.activities.parts.ELEMENTS``; each ``*_element`` function builds the structured
ones (locations, transactions, results…). What the public may see comes only from
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

_SubElement = etree.SubElement
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
@functools.cache
def attribute_name(keyword: str) -> str:
    """Return the XML attribute a keyword of ``sub`` stands for (``value_date``: value-date)."""
    return keyword.rstrip("_").replace("_", "-")


def sub(parent: etree._Element, tag: str, **attributes: object) -> etree._Element:
    """Append ``tag`` with the given attributes (underscores become hyphens; None is left out)."""
    attrib = {}
    for name, value in attributes.items():
        if value is not None and value != "":
            text = value if type(value) is str else str(value)
            # xml_text's test, inlined: this runs for every attribute of the file.
            if not (text.isascii() and text.isprintable()):
                text = _NOT_XML.sub("", text)
            attrib[attribute_name(name)] = text
    return etree.SubElement(parent, tag, attrib)


def narratives(parent: etree._Element, value: dict | None, lang: str) -> int:
    """Append one ``narrative`` per language with text, each with xml:lang; return how many."""
    if not value:
        return 0
    written = 0
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
        _SubElement(parent, "narrative", {XML_LANG: code}).text = text
        written += 1
    return written


def text_element(
    parent: etree._Element, tag: str, value: dict | None, lang: str, **attributes: object
) -> etree._Element | None:
    """Append ``tag`` holding the narratives of ``value``; nothing when it has no text."""
    if not has_text(value):
        return None
    element = sub(parent, tag, **attributes)
    narratives(element, value, lang)
    return element


def plain_narrative(parent: etree._Element, tag: str, value: str) -> None:
    """Append ``tag`` with one narrative in no particular language (a name, an address)."""
    if value and value.strip():
        element = etree.SubElement(parent, tag)
        etree.SubElement(element, "narrative").text = xml_text(value).strip()


def value_element(
    parent: etree._Element,
    amount: Decimal,
    currency: str,
    value_date: datetime.date,
    tag: str = "value",
) -> etree._Element:
    """Append a monetary value; IATI requires its value-date."""
    iso_date = value_date.isoformat()
    attrib = {"currency": xml_text(currency), "value-date": iso_date} if currency else None
    element = _SubElement(parent, tag, attrib or {"value-date": iso_date})
    element.text = decimal_text(amount)
    return element


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


def period_elements(parent: etree._Element, start: datetime.date, end: datetime.date) -> None:
    date_element(parent, "period-start", start)
    date_element(parent, "period-end", end)


def date_element(parent: etree._Element, tag: str, date: datetime.date) -> etree._Element:
    """Append ``<tag iso-date=…>``; an ISO date is plain text, which XML holds as it is."""
    return _SubElement(parent, tag, {"iso-date": date.isoformat()})


def organisation_element(
    parent: etree._Element,
    tag: str,
    *,
    name: dict,
    ref: str,
    organisation_type: str,
    lang: str,
    **attributes: object,
) -> etree._Element:
    """Append an organisation reference (reporting-, participating-, provider-, receiver-org).

    The same organisation is named in most transactions of a file: its element is built once
    (per thread) and copied, which takes a quarter of the time of building it.
    """
    key = (
        tag,
        ref,
        organisation_type,
        lang,
        tuple(attributes.items()),
        tuple((name or {}).items()),
    )
    try:
        template = _FRAGMENTS.get(key)
    except TypeError:  # a value that cannot be a key (not text): built each time
        template = key = None
    if template is None:
        template = sub(
            etree.Element("fragment"),
            tag,
            ref=ref or None,
            type=organisation_type or None,
            **attributes,
        )
        narratives(template, name, lang)
        if key is not None:
            _FRAGMENTS.put(key, template)
    element = template.__deepcopy__(None)  # copy.deepcopy's own bookkeeping doubled the cost
    parent.append(element)
    return element


class _Fragments(threading.local):
    """Elements the writer copies rather than builds again, by what they are written from.

    One cache per thread (lxml trees are not shared between threads); emptied past ``LIMIT``
    elements, so that memory stays flat however many organisations a file names.
    """

    LIMIT = 2_000

    def __init__(self) -> None:
        self._by_key: dict[tuple, etree._Element] = {}

    def get(self, key: tuple) -> etree._Element | None:
        return self._by_key.get(key)

    def put(self, key: tuple, element: etree._Element) -> None:
        if len(self._by_key) >= self.LIMIT:
            self._by_key.clear()
        self._by_key[key] = element


_FRAGMENTS = _Fragments()


def document_link_element(
    parent: etree._Element, document_link: AttachedDocument, lang: str, base_url: str
) -> etree._Element | None:
    """Append a document-link; a document known only by its title has no url and is left out."""
    href = document_link.href
    if not href:
        return None
    document = document_link.document if document_link.document_id else None
    element = sub(
        parent,
        "document-link",
        url=absolute_url(href, base_url),
        format=document_format(href, document),
    )
    title = sub(element, "title")
    if not narratives(title, document_link.title, lang):
        etree.SubElement(title, "narrative").text = xml_text(href)
    text_element(element, "description", getattr(document_link, "description", None), lang)
    sub(element, "category", code=document_link.category)
    for category in getattr(document_link, "more_categories", ()):
        sub(element, "category", code=category)
    if document_link.language:
        sub(element, "language", code=document_link.language)
    if document_link.date:
        sub(element, "document-date", iso_date=document_link.date.isoformat())
    return element


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
    lang = default_language(activity.reporting_org)
    root = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": iso_datetime(last_updated(activity)),
            XML_LANG: lang,
            "default-currency": activity.default_currency,
            "hierarchy": "2" if activity.parent_id else "1",
        },
    )
    if activity.linked_data_uri is not None:  # "" too: the file gave it empty
        root.set("linked-data-uri", xml_text(activity.linked_data_uri))
    if activity.humanitarian:
        root.set("humanitarian", "1")
    sub(root, "iati-identifier").text = xml_text(activity.iati_identifier)
    org = activity.reporting_org
    organisation_element(
        root,
        "reporting-org",
        name=org.name,
        ref=org.identifier,
        organisation_type=org.type,
        lang=lang,
        secondary_reporter=flag_text(activity.secondary_reporter),
    )
    title = sub(root, "title")
    narratives(title, activity.title, lang)
    attribute_elements(root, "description", activity, lang)
    for participant in public_participants(activity):
        organisation_element(
            root,
            "participating-org",
            name=participant.name,
            ref=participant.identifier,
            organisation_type=participant.organisation_type,
            lang=lang,
            role=participant.role,
            activity_id=participant.activity_id or None,
        )
    for other in activity.other_identifiers.all():
        element = sub(root, "other-identifier", ref=other.ref, type=other.type)
        if other.owner_ref or has_text(other.owner_name):
            owner = sub(element, "owner-org", ref=other.owner_ref)
            narratives(owner, other.owner_name, lang)
    for path in ("activity-status", "activity-date"):
        attribute_elements(root, path, activity, lang)
    contact_info_element(root, activity, lang)
    for path in ("activity-scope", "recipient-country", "recipient-region"):
        attribute_elements(root, path, activity, lang)
    location_elements(root, activity, lang)
    for path in ("sector", "tag"):
        attribute_elements(root, path, activity, lang)
    country_budget_items_element(root, activity, lang)
    for path in ("humanitarian-scope", "policy-marker", *ACTIVITY_CODE_ELEMENTS):
        attribute_elements(root, path, activity, lang)
    for budget in activity.budgets.all():
        element = sub(root, "budget", type=budget.type, status=budget.status)
        period_elements(element, budget.period_start, budget.period_end)
        value_element(element, budget.value, budget.currency, budget_value_date(budget))
    planned_disbursement_elements(root, activity, lang)
    attribute_elements(root, "capital-spend", activity, lang)
    transaction_elements(root, activity, lang)
    for document_link in activity.documents.all():
        document_link_element(root, document_link, lang, base_url)
    related_activity_elements(root, activity)
    conditions_element(root, activity, lang)
    result_elements(root, activity, lang)
    beneficiaries_element(root, activity, lang)
    append_published(root, activity.kept_xml)
    return root


@dataclass(frozen=True)
class _Step:
    """How one attribute of an element of attributes is written (see ``_Plan``)."""

    name: str
    field: str
    # The value always written (already made XML text), else the field's value by ``convert``.
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

    def write(self, parent: etree._Element, source: object, lang: str) -> etree._Element | None:
        """Append the element written from ``source`` (the activity or a part's row).

        An element of the activity's own fields is left out when its main field (code, date,
        text) is empty; a part's row is always written.
        """
        if self.main and not has_text_or_value(getattr(source, self.main)):
            return None
        attrib = {}
        for step in self.steps:
            if step.fixed:
                attrib[step.name] = step.fixed
                continue
            raw = getattr(source, step.field)
            if raw is None or raw == "":
                if step.empty_kept and raw == "":
                    # A file stated it empty (the schema allows it): written back as stated.
                    attrib[step.name] = ""
                continue
            value = step.convert(raw)
            if value:
                if not (value.isascii() and value.isprintable()):
                    value = _NOT_XML.sub("", value)
                attrib[step.name] = value
        written = _SubElement(parent, self.element.path, attrib)
        for name in self.texts:
            narratives(written, getattr(source, name), lang)
        return written


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
            xml_text(attribute.value) if attribute.value else "",
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


def attribute_elements(parent: etree._Element, path: str, activity: Activity, lang: str) -> None:
    """Append every element written at ``path``: one per field, or one per row of its part."""
    for plan in _PLANS.get(path, ()):
        element = plan.element
        if element.relation:
            for row in getattr(activity, element.relation).all():
                plan.write(parent, row, lang)
        else:
            plan.write(parent, activity, lang)
        if element.others:
            for item in getattr(activity, element.others):
                other_vocabulary_element(parent, element, item, lang)


def other_vocabulary_element(
    parent: etree._Element, element: Element, item: dict, lang: str
) -> None:
    """Append an element of another vocabulary, kept as the file gave it (see ``Element.others``)."""
    attrib = {
        name: xml_text(item[name])
        for name in element.others_attributes
        if name != "narrative" and item.get(name)
    }
    written = etree.SubElement(parent, element.path, attrib)
    narratives(written, item.get("narrative"), lang)


def contact_info_element(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append contact-info when the activity names any contact or a file gave it empty entries
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
    element = sub(parent, "contact-info", type=activity.contact_type or None)

    def text_or_empty(tag: str) -> None:
        if text_element(element, tag, texts[tag], lang) is None and tag in empty:
            etree.SubElement(etree.SubElement(element, tag), "narrative")

    for tag in ("organisation", "department"):
        text_or_empty(tag)
    if (activity.contact_person or "").strip():
        plain_narrative(element, "person-name", activity.contact_person)
    elif "person-name" in empty:
        etree.SubElement(etree.SubElement(element, "person-name"), "narrative")
    text_or_empty("job-title")
    for tag, field in CONTACT_VALUES:
        if getattr(activity, field):
            sub(element, tag).text = xml_text(getattr(activity, field))
        elif tag in empty:
            etree.SubElement(element, tag)
    text_or_empty("mailing-address")


def country_budget_items_element(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append country-budget-items when the activity has budget items."""
    items = list(activity.country_budget_items.all())
    if not items:
        return
    element = sub(parent, "country-budget-items", vocabulary=activity.country_budget_vocabulary)
    for item in items:
        budget_item = sub(
            element,
            "budget-item",
            code=item.code,
            percentage=decimal_text(item.percentage) if item.percentage is not None else None,
        )
        text_element(budget_item, "description", item.description, lang)


def conditions_element(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append conditions when the activity says whether any are attached, or names some."""
    conditions = list(activity.conditions.all())
    if activity.conditions_attached is None and not conditions:
        return
    attached = activity.conditions_attached if activity.conditions_attached is not None else True
    element = sub(parent, "conditions", attached="1" if attached else "0")
    for condition in conditions:
        narratives(sub(element, "condition", type=condition.type), condition.text, lang)


def append_published(parent: etree._Element, kept_xml: str) -> None:
    """Append the elements kept as the file gave them (extensions, crs-add, fss)."""
    if not kept_xml:
        return
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    holder = etree.fromstring(f"<kept>{kept_xml}</kept>", parser)
    for element in holder:
        parent.append(element)


LOCATIONS, PLANNED, TRANSACTIONS = (
    part(relation) for relation in ("locations", "planned_disbursements", "transactions")
)


def coded_child(parent: etree._Element, row: object, described: Part, tag: str) -> None:
    """Append ``<tag code=…>`` from the row's field the description gives ``tag``, if set."""
    code = getattr(row, described.paths[tag])
    if code:
        sub(parent, tag, code=code)


def location_elements(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append the locations disclosure lets through; hidden places (country only) are left out:
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
        element = sub(parent, "location")
        if location.ref is not None:  # "" too: the file gave it empty
            element.set("ref", xml_text(location.ref))
        coded_child(element, location, LOCATIONS, "location-reach")
        for location_id in location.location_ids:
            sub(
                element,
                "location-id",
                vocabulary=location_id["vocabulary"],
                code=location_id["code"],
            )
        text_element(element, "name", location.name, lang)
        text_element(element, "description", location.description, lang)
        if location.country:
            sub(
                element,
                "administrative",
                vocabulary=COUNTRY_GEOGRAPHIC_VOCABULARY,
                level="0",
                code=location.country,
            )
        for area in location.administrative:
            sub(
                element,
                "administrative",
                vocabulary=area["vocabulary"],
                level=area.get("level"),
                code=area["code"],
            )
        if has_point:
            point = sub(element, "point", srsName=POINT_SRS_NAME)
            position = f"{decimal_text(location.latitude)} {decimal_text(location.longitude)}"
            sub(point, "pos").text = position  # "latitude longitude", as GML in EPSG:4326
        for tag in ("exactness", "location-class", "feature-designation"):
            coded_child(element, location, LOCATIONS, tag)


def party_elements(
    parent: etree._Element, row: object, described: Part, hidden: set[int], lang: str
) -> None:
    """Append provider-org and receiver-org; an organisation hidden here is never named."""
    paths = described.paths
    for tag, activity_path, keyword in PARTIES:
        party = public_organisation(getattr(row, paths[tag]), hidden)
        if party is None:
            continue
        extra = {}
        if activity_path in paths and not party.hidden:
            extra[keyword] = getattr(row, paths[activity_path])
        organisation_element(
            parent,
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


def planned_disbursement_elements(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append the planned disbursements, in the schema's order of their children."""
    hidden = hidden_organisation_ids(activity)
    for planned in activity.planned_disbursements.all():
        element = sub(parent, "planned-disbursement", type=planned.type or None)
        date_element(element, "period-start", planned.period_start)
        if planned.period_end:
            date_element(element, "period-end", planned.period_end)
        value_element(element, planned.value, planned.currency, planned_value_date(planned))
        party_elements(element, planned, PLANNED, hidden, lang)


def related_activity_elements(parent: etree._Element, activity: Activity) -> None:
    """Append the related activities the public may know of (parent and sub-projects first)."""
    for related in public_related_activities(activity):
        sub(parent, "related-activity", ref=related.ref, type=related.type)


def transaction_elements(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append the transactions; an organisation hidden for this activity is never named."""
    hidden = hidden_organisation_ids(activity)
    for transaction in activity.transactions.all():
        humanitarian = transaction.humanitarian
        element = sub(
            parent,
            "transaction",
            ref=transaction.ref,
            humanitarian=None if humanitarian is None else "1" if humanitarian else "0",
        )
        sub(element, "transaction-type", code=transaction.type)
        date_element(element, "transaction-date", transaction.date)
        value_element(
            element, transaction.value, transaction.currency, transaction_value_date(transaction)
        )
        text_element(element, "description", transaction.description, lang)
        party_elements(element, transaction, TRANSACTIONS, hidden, lang)
        transaction_classification_elements(element, transaction, lang)
        append_published(element, transaction.kept_xml)


def transaction_classification_elements(
    element: etree._Element, transaction: Transaction, lang: str
) -> None:
    """Append what the transaction says of itself, in the schema's order."""
    coded_child(element, transaction, TRANSACTIONS, "disbursement-channel")
    for sector in transaction.sectors:
        written = sub(element, "sector", vocabulary=sector.get("vocabulary"), code=sector["code"])
        narratives(written, sector.get("narrative"), lang)
    coded_child(element, transaction, TRANSACTIONS, "recipient-country")
    if transaction.recipient_region:
        sub(
            element,
            "recipient-region",
            code=transaction.recipient_region,
            vocabulary=transaction.recipient_region_vocabulary or None,
        )
    for tag in ("flow-type", "finance-type"):
        coded_child(element, transaction, TRANSACTIONS, tag)
    for aid_type in transaction.aid_types:
        sub(element, "aid-type", code=aid_type["code"], vocabulary=aid_type.get("vocabulary"))
    coded_child(element, transaction, TRANSACTIONS, "tied-status")


def flag_text(value: bool | None) -> str | None:
    """Write a yes/no attribute the portal may not know ("1", "0", or left out)."""
    return None if value is None else ("1" if value else "0")


def result_value_element(
    parent: etree._Element,
    tag: str,
    value: str,
    *,
    comment: dict | None,
    dimensions: list,
    locations: list,
    lang: str,
    **attributes: object,
) -> etree._Element:
    """Append a baseline, target or actual: its locations, dimensions and comment, in order."""
    element = sub(parent, tag, **attributes, value=result_value_text(value) or None)
    for ref in locations:
        sub(element, "location", ref=ref)
    for dimension in dimensions:
        sub(element, "dimension", name=dimension.get("name"), value=dimension.get("value"))
    if comment and not has_text(comment):
        # An empty comment a file gave ({"en": ""}): written back empty, as the schema allows.
        empty = sub(element, "comment")
        for code in sorted(comment):
            etree.SubElement(empty, "narrative", {XML_LANG: code})
    else:
        text_element(element, "comment", comment, lang)
    return element


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


def result_elements(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append each result with its indicators, their baseline and periods, in the schema's order.

    A result without an indicator is left out (the schema requires one; the publication checks
    say so), as is a period without both its dates.
    """
    for result in activity.results.all():
        indicators = list(result.indicators.all())
        if not indicators:
            continue
        element = sub(
            parent,
            "result",
            type=result.type,
            aggregation_status=flag_text(result.aggregation_status),
        )
        text_element(element, "title", result.title, lang)
        text_element(element, "description", result.description, lang)
        for indicator in indicators:
            indicator_element(element, indicator, lang)


def indicator_element(parent: etree._Element, indicator: ResultIndicator, lang: str) -> None:
    element = sub(
        parent,
        "indicator",
        measure=indicator.measure,
        ascending="1" if indicator.ascending else "0",
        aggregation_status=flag_text(indicator.aggregation_status),
    )
    text_element(element, "title", indicator.title, lang)
    text_element(element, "description", indicator.description, lang)
    for reference in indicator.references:
        sub(
            element,
            "reference",
            vocabulary=reference.get("vocabulary"),
            code=reference.get("code"),
            indicator_uri=reference.get("indicator_uri"),
        )
    if indicator.baseline_year:
        result_value_element(
            element,
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
            element,
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
        period_element = sub(element, "period")
        period_elements(period_element, period.period_start, period.period_end)
        for tag in ("target", "actual"):
            if has_period_value(period, tag):
                result_value_element(
                    period_element,
                    tag,
                    getattr(period, f"{tag}_value"),
                    comment=getattr(period, f"{tag}_comment"),
                    dimensions=getattr(period, f"{tag}_dimensions"),
                    locations=getattr(period, f"{tag}_locations"),
                    lang=lang,
                )
            for value in getattr(period, f"more_{tag}s"):
                result_value_element(
                    period_element,
                    tag,
                    value.get("value") or "",
                    comment=value.get("comment") or {},
                    dimensions=value.get("dimensions") or [],
                    locations=value.get("locations") or [],
                    lang=lang,
                )


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


def beneficiaries_element(parent: etree._Element, activity: Activity, lang: str) -> None:
    """Append the people reached as one result: an indicator per group, split by sex."""
    rows = list(activity.beneficiaries.all())
    if not rows:
        return
    result = sub(parent, "result", type=BENEFICIARIES_RESULT_TYPE)
    text_element(result, "title", BENEFICIARIES_TITLE, lang)
    for row in rows:
        indicator = sub(result, "indicator", measure=BENEFICIARIES_MEASURE, ascending="1")
        title = row.group if has_text(row.group) else BENEFICIARIES_TITLE
        text_element(indicator, "title", title, lang)
        period_dates = beneficiaries_period(row, activity)
        if period_dates is None:
            continue
        period = sub(indicator, "period")
        period_elements(period, period_dates.start, period_dates.end)
        sub(period, "actual", value=row.total)
        for sex, count in ((FEMALE, row.women), (MALE, row.men)):
            if count is not None:
                actual = sub(period, "actual", value=count)
                sub(actual, "dimension", name=SEX_DIMENSION, value=sex)


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
    lang = default_language(organisation)
    root = etree.Element(
        "iati-organisation",
        {"last-updated-datetime": iso_datetime(last_updated_at), XML_LANG: lang},
    )
    sub(root, "organisation-identifier").text = xml_text(organisation.identifier)
    name = sub(root, "name")
    narratives(name, organisation.name, lang)
    organisation_element(
        root,
        "reporting-org",
        name=organisation.name,
        ref=organisation.identifier,
        organisation_type=organisation.type,
        lang=lang,
    )
    for budget in total_budgets:
        element = sub(root, "total-budget")
        period_elements(element, budget.start, budget.end)
        value_element(element, budget.value, budget.currency, budget.start)
    for budget in country_budgets:
        element = sub(root, "recipient-country-budget")
        sub(element, "recipient-country", code=budget.country)
        period_elements(element, budget.start, budget.end)
        value_element(element, budget.value, budget.currency, budget.start)
    for document_link in documents:
        document_link_element(root, document_link, lang, base_url)
    return root
