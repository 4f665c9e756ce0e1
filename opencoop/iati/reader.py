"""Read IATI activity files (2.01–2.03) safely, one activity at a time, as plain records.

The reader knows XML and the IATI mapping (``mapping``), nothing of the database: it turns each
``iati-activity`` into an ``ActivityRecord`` of model field values, each part with the line it
came from, and lists what it cannot keep (``Issue``): unknown codes and unreadable values are
errors, elements the portal has no place for are warnings. ``importer`` applies the records.

Safety: the file is refused outright when it declares a DOCTYPE (the only way to define entities,
so XXE and entity bombs never reach the parser's entity handling); lxml runs anyway with entity
resolution, DTD loading and network access off and its size limits on. The file is parsed with
``iterparse`` and each activity is cleared once read, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import copy
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from lxml import etree

from opencoop.activities.disclosure import LOCAL_PARTNER
from opencoop.activities.models import result_value_text
from opencoop.activities.parts import (
    ACTIVITY_DATES,
    ACTIVITY_FLAGS,
    ACTIVITY_PATHS,
    CONTACT_TEXTS,
    CONTACT_VALUES,
    DATE,
    DESCRIPTIONS,
    ELEMENTS,
    NARRATIVES,
    PERCENTAGE,
    RELATED_CHILD,
    RELATED_PARENT,
    Attribute,
    Element,
    Part,
    activity_codelist,
    codelist_of,
    field_codelist_of,
    part,
)
from opencoop.activities.vocabularies import (
    DEFAULT_AID_TYPE_VOCABULARY,
    DEFAULT_REGION_VOCABULARY,
    DEFAULT_SECTOR_VOCABULARY,
    codelist_for,
)
from opencoop.codelists import registry
from opencoop.core.multilingual import LANGUAGE_CODE_RE

from .writer import (
    BENEFICIARIES_MEASURE,
    BENEFICIARIES_RESULT_TYPE,
    BENEFICIARIES_TITLE,
    COUNTRY_GEOGRAPHIC_VOCABULARY,
    FEMALE,
    MALE,
    SEX_DIMENSION,
    XML_LANG,
    document_format,
)

PARTICIPANTS, LOCATIONS, BUDGETS, PLANNED, TRANSACTIONS, DOCUMENTS, RELATED, RESULTS = (
    part(relation)
    for relation in (
        "participating_orgs",
        "locations",
        "budgets",
        "planned_disbursements",
        "transactions",
        "documents",
        "related_activities",
        "results",
    )
)
BUDGET_ITEMS, CONDITIONS = part("country_budget_items"), part("conditions")

INDICATORS = RESULTS.nested[0]
PERIODS = INDICATORS.nested[0]
RESULT_VALUE_LENGTH = 500
# What a baseline, target or actual holds besides its value (``location`` by reference).
RESULT_VALUE_CHILDREN = {"location", "dimension", "comment"}


def children_of(described: Part) -> set[str]:
    """Return the child elements the description says a part's element holds."""
    own = {path.split("/")[0] for path in described.paths if not path.startswith("@")}
    return own | {inner.element for inner in described.nested}


ROOT_TAG = "iati-activities"
ACTIVITY_TAG = "iati-activity"
VERSIONS = ("2.01", "2.02", "2.03")
ERROR = "error"
WARNING = "warning"
# A DOCTYPE may only come before the root element; this much is read to look for one.
PROLOG_LIMIT = 1024 * 1024
READ_SIZE = 64 * 1024
# Decimal places the models keep (money and values, percentages, coordinates).
MONEY_PLACES = 2
PERCENT_PLACES = 2
COORDINATE_PLACES = 6
DATE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
# activity-date/@type and description/@type of each field, read both ways from the mapping.
DATE_FIELDS = {code: field for field, code in ACTIVITY_DATES}
DESCRIPTION_FIELDS = {code: field for field, code in DESCRIPTIONS}
GENERAL_DESCRIPTION = DESCRIPTIONS[0][1]
DATE_TYPES = codelist_of("activity-date", "type")
DESCRIPTION_TYPES = codelist_of("description", "type")
# Children of iati-activity kept as the file gives them (``Activity.kept_xml``), besides the
# elements of other namespaces (extensions), which the schema allows at the end.
KEPT_AS_PUBLISHED = ("crs-add", "fss")
# The children of iati-activity the portal keeps; any other one is reported as not kept.
ACTIVITY_CHILDREN = frozenset(
    {
        "iati-identifier",
        "reporting-org",
        "title",
        "participating-org",
        "other-identifier",
        "contact-info",
        "location",
        *(described.path for described in ELEMENTS),
        "budget",
        "planned-disbursement",
        "transaction",
        "country-budget-items",
        "document-link",
        "related-activity",
        "conditions",
        "result",
        *KEPT_AS_PUBLISHED,
    }
)


# Outcome -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    """Something wrong or not kept: what, and where (line, activity, element)."""

    message: str
    line: int | None = None
    identifier: str = ""
    element: str = ""
    level: str = ERROR
    # A warning that the portal does not keep something of the file (see ``kept``).
    lost: bool = False

    def __str__(self) -> str:
        where = []
        if self.line:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.identifier:
            where.append(_("activity %(identifier)s") % {"identifier": self.identifier})
        if self.element:
            where.append(self.element)
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {
            "message": self.message,
            "line": self.line,
            "identifier": self.identifier,
            "element": self.element,
            "level": self.level,
        }


class FileRefused(Exception):
    """The file cannot be read as an IATI activity file: not XML, hostile, or of another kind."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class OrgRecord:
    """An organisation as a file names it: identifier, type, names by language."""

    ref: str
    type: str
    name: dict[str, str]
    line: int

    @property
    def is_local_partner(self) -> bool:
        """Say whether this is how the portal's files write a partner whose name is hidden."""
        return not self.ref and not self.type and self.name == LOCAL_PARTNER


@dataclass
class Row:
    """One repeated part of an activity: model field values, and where it was read."""

    fields: dict[str, object]
    line: int
    element: str
    # The rows it holds (a result's "indicators", an indicator's "periods"; see ``Part.nested``).
    nested: dict[str, list[Row]] = field(default_factory=dict)


@dataclass
class ActivityRecord:
    """Everything the portal keeps of one ``iati-activity``, as model field values."""

    identifier: str
    line: int
    reporting_org: OrgRecord | None
    fields: dict[str, object] = field(default_factory=dict)
    # Relation name of Activity → rows; organisation fields hold an OrgRecord.
    children: dict[str, list[Row]] = field(default_factory=dict)
    parent: tuple[str, int] | None = None
    child_refs: list[tuple[str, int]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # Path below the activity → lines of the file's elements and attributes there (``kept``).
    source: dict[str, list[int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == ERROR]


# Safe opening ------------------------------------------------------------------------------------
class CountingReader:
    """Read a binary stream for the parser, counting bytes for a progress bar."""

    def __init__(self, stream: IO[bytes], on_read: Callable[[int], None] | None = None) -> None:
        self.stream = stream
        self.done = 0
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.done += len(data)
        if self.on_read is not None:
            self.on_read(self.done)
        return data


def _prolog_text(head: bytes) -> str:
    """Decode the start of a file well enough to read its markup (any ASCII-compatible encoding)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    return head.decode("latin-1")


def _prolog_verdict(text: str) -> str | None:
    """Read what comes before the root element: "ok", "doctype", or None when more is needed."""
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        rest = text[position:]
        if not rest:
            return None
        if rest in ("<", "<!", "<!-"):
            return None  # cut in the middle of a marker: read more
        if rest.startswith("<?"):
            terminator = "?>"
        elif rest.startswith("<!--"):
            terminator = "-->"
        elif rest.startswith("<!"):
            return "doctype"
        else:
            return "ok"  # the root element, or text the parser will refuse
        end = rest.find(terminator)
        if end < 0:
            return None
        position += end + len(terminator)


def check_prolog(stream: IO[bytes]) -> None:
    """Refuse a file that declares a DOCTYPE (entities, XXE, entity bombs) before parsing it."""
    head = b""
    verdict = None
    while len(head) < PROLOG_LIMIT:
        chunk = stream.read(READ_SIZE)
        if not chunk:
            break
        head += chunk
        verdict = _prolog_verdict(_prolog_text(head))
        if verdict is not None:
            break
    stream.seek(0)
    if verdict == "doctype":
        raise FileRefused(
            Issue(
                _(
                    "the file declares a DOCTYPE (a DTD or entities): IATI files have none, and "
                    "files that define entities are refused for safety (XXE, entity expansion)"
                ),
                line=1,
            )
        )
    if verdict is None and len(head) >= PROLOG_LIMIT:
        raise FileRefused(Issue(_("no root element in the first megabyte of the file"), line=1))


# Reading values ----------------------------------------------------------------------------------
def parse_date(value: str) -> datetime.date | None:
    """Return the date at the start of ``value`` ("2024-03-01", "2024-03-01T10:00:00Z")."""
    match = DATE_RE.match(value)
    try:
        return datetime.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def localname(element: etree._Element) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else ""


def attribute(element: etree._Element, name: str) -> str:
    return (element.get(name) or "").strip()


def flag(element: etree._Element, name: str) -> bool | None:
    """Return a yes/no attribute (IATI's xsd:boolean: 1, 0, true, false); None when absent."""
    value = attribute(element, name)
    return None if value not in ("1", "0", "true", "false") else value in ("1", "true")


def kept_vocabulary(described: Element, vocabulary: str) -> bool:
    """Say whether codes of ``vocabulary`` are kept (none stated: when the element needs none)."""
    if not described.only_vocabularies:
        return True
    if not vocabulary:
        return described.vocabulary is None or described.vocabulary_optional
    return vocabulary in described.only_vocabularies


def is_extension(element: etree._Element) -> bool:
    """Say whether ``element`` is of another namespace than IATI's (a publisher's extension)."""
    return isinstance(element.tag, str) and element.tag.startswith("{")


def published_xml(elements: list[etree._Element]) -> str:
    """Return ``elements`` written as the file gives them, one after the other, without the
    indentation between their tags (the export indents them its own way)."""
    written = []
    for element in elements:
        copied = copy.deepcopy(element)
        for inner in copied.iter():
            if inner.text is not None and not inner.text.strip() and len(inner):
                inner.text = None
            if inner.tail is not None and not inner.tail.strip():
                inner.tail = None
        written.append(etree.tostring(copied, encoding="unicode", with_tail=False))
    return "".join(written)


class ActivityReader:
    """Turn one ``iati-activity`` element into an ``ActivityRecord``."""

    def __init__(self, element: etree._Element, default_lang: str, fallback_lang: str) -> None:
        self.element = element
        identifier_element = element.find("iati-identifier")
        identifier = (
            "".join(identifier_element.itertext()).strip() if identifier_element is not None else ""
        )
        self.record = ActivityRecord(identifier, element.sourceline or 0, None)
        self.fallback_lang = fallback_lang
        self.untagged_reported = False
        lang = attribute(element, XML_LANG) or default_lang
        self.lang = self.language(lang, element) if lang else ""

    # Issues
    def issue(
        self,
        element: etree._Element | None,
        path: str,
        message: str,
        level: str = ERROR,
        *,
        lost: bool = False,
    ) -> None:
        line = element.sourceline if element is not None else self.record.line
        self.record.issues.append(Issue(message, line, self.record.identifier, path, level, lost))

    def not_kept(self, element: etree._Element, path: str, why: str = "") -> None:
        self.issue(
            element,
            path,
            why or _("not kept: the portal has no place for this element"),
            WARNING,
            lost=True,
        )

    def extra_children(
        self,
        element: etree._Element,
        path: str,
        known: set[str],
        *,
        known_extensions: bool = False,
    ) -> None:
        """Report the children of ``element`` the reader does not keep."""
        for child in element:
            name = localname(child)
            if name and name not in known and not (known_extensions and is_extension(child)):
                self.not_kept(child, f"{path}/{name}")

    # Values
    def language(self, value: str, element: etree._Element) -> str:
        lang = value.strip().lower().replace("_", "-")
        # IATI's Language codelist is ISO 639-1: "eng" is not one of its codes.
        if not LANGUAGE_CODE_RE.match(lang) or not registry.get("Language").is_valid(
            lang.split("-")[0]
        ):
            self.issue(
                element,
                "@xml:lang",
                _("“%(value)s” is not a language code of ISO 639-1") % {"value": value},
            )
            return ""
        return lang

    def narratives(self, element: etree._Element | None, path: str) -> dict[str, str]:
        """Return the narratives of ``element`` by language (repeated languages joined)."""
        result: dict[str, str] = {}
        if element is None:
            return result
        for narrative in element.iterfind("narrative"):
            content = "".join(narrative.itertext()).strip()
            if not content:
                continue
            lang = narrative.get(XML_LANG)
            if lang is not None:
                lang = self.language(lang, narrative)
            else:
                lang = self.lang or self.untagged_language(narrative, path)
            if not lang:
                continue
            result[lang] = f"{result[lang]}\n\n{content}" if lang in result else content
        return result

    def untagged_language(self, narrative: etree._Element, path: str) -> str:
        """Return the language of a narrative without xml:lang in an activity without one."""
        if not self.untagged_reported:
            self.untagged_reported = True
            self.issue(
                narrative,
                f"{path}/narrative",
                _(
                    "neither the narrative, the activity nor the file says its language: taken "
                    "as “%(lang)s”, the reporting organisation's default language"
                )
                % {"lang": self.fallback_lang},
                WARNING,
            )
        return self.fallback_lang

    def plain_text(self, element: etree._Element | None) -> str:
        """Return the first narrative's text (a person's name), or the element's own text."""
        if element is None:
            return ""
        narrative = element.find("narrative")
        source = narrative if narrative is not None else element
        return "".join(source.itertext()).strip()

    def code(
        self,
        element: etree._Element,
        name: str,
        codelist: str | None,
        path: str,
        *,
        required: bool = False,
        default: str = "",
        upper: bool = False,
        lower: bool = False,
    ) -> str:
        """Return the code in attribute ``name``, checked against ``codelist``.

        ``upper``/``lower`` forgive the case of codes written in one case only (countries,
        currencies, languages).
        """
        value = attribute(element, name)
        if upper:
            value = value.upper()
        if lower:
            value = value.lower()
        if not value:
            if required:
                self.issue(element, f"{path}/@{name}", _("the code is missing"))
            return default
        if codelist and not registry.get(codelist).is_valid(value):
            value = self.case_folded(element, f"{path}/@{name}", codelist, value)
        if codelist and not registry.get(codelist).is_valid(value):
            self.issue(
                element,
                f"{path}/@{name}",
                _("“%(value)s” is not a code of the IATI %(codelist)s codelist")
                % {"value": value, "codelist": codelist},
            )
        return value

    def case_folded(self, element: etree._Element, path: str, codelist: str, value: str) -> str:
        """Return the one code of ``codelist`` equal to ``value`` but for case (reported)."""
        matches = [
            code for code in registry.get(codelist).items if code.casefold() == value.casefold()
        ]
        if len(matches) != 1:
            return value
        self.issue(
            element,
            path,
            _("“%(value)s” written “%(code)s”, as the %(codelist)s codelist has it")
            % {"value": value, "code": matches[0], "codelist": codelist},
            WARNING,
        )
        return matches[0]

    def date(
        self,
        element: etree._Element | None,
        path: str,
        *,
        required: bool = True,
        name: str = "iso-date",
    ) -> datetime.date | None:
        """Return the date in attribute ``name`` (a time after the date is ignored)."""
        if element is None:
            if required:
                self.issue(None, path, _("the date is missing"))
            return None
        value = attribute(element, name)
        if value:
            date = parse_date(value)
            if date is not None:
                return date
        if value or required:
            self.issue(
                element,
                f"{path}/@{name}",
                _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": value},
            )
        return None

    def number(
        self,
        element: etree._Element,
        value: str,
        path: str,
        places: int,
        *,
        max_digits: int = 16,
        required: bool = True,
    ) -> Decimal | None:
        """Return ``value`` as a decimal with the model's places (rounding is reported)."""
        value = value.strip() if value else ""
        if not value:
            if required:
                self.issue(element, path, _("the number is missing"))
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.issue(element, path, _("“%(value)s” is not a number") % {"value": value})
            return None
        if not number.is_finite():
            self.issue(element, path, _("“%(value)s” is not a number") % {"value": value})
            return None
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if rounded != number:
            self.issue(
                element,
                path,
                _("“%(value)s” rounded to %(rounded)s") % {"value": value, "rounded": rounded},
                WARNING,
            )
        if len(rounded.as_tuple().digits) > max_digits:
            self.issue(element, path, _("“%(value)s” is too large") % {"value": value})
            return None
        return rounded

    def percentage(self, element: etree._Element, path: str) -> Decimal | None:
        value = attribute(element, "percentage")
        if not value:
            return None
        number = self.number(
            element, value, f"{path}/@percentage", PERCENT_PLACES, max_digits=5, required=False
        )
        if number is not None and not (0 <= number <= 100):
            self.issue(
                element,
                f"{path}/@percentage",
                _("“%(value)s” is not between 0 and 100") % {"value": value},
            )
            return None
        return number

    def organisation(self, element: etree._Element, path: str) -> OrgRecord:
        return OrgRecord(
            ref=attribute(element, "ref"),
            type=self.code(element, "type", PARTICIPANTS.codelist("@type"), path),
            name=self.narratives(element, path),
            line=element.sourceline or 0,
        )

    def value(self, parent: etree._Element, path: str, described: Part) -> dict:
        """Read ``value``: amount, currency and value date (None when missing)."""
        element = parent.find("value")
        if element is None:
            self.issue(parent, f"{path}/value", _("the value is missing"))
            return {}
        amount = self.number(element, element.text or "", f"{path}/value", MONEY_PLACES)
        currency = self.code(
            element, "currency", described.codelist("value/@currency"), f"{path}/value", upper=True
        )
        if not currency and not self.record.fields.get("default_currency"):
            self.issue(
                element,
                f"{path}/value/@currency",
                _("the value has no currency and the activity no default-currency"),
            )
        value_date = self.date(element, f"{path}/value", required=False, name="value-date")
        return {"value": amount, "currency": currency, "value_date": value_date}

    # The activity
    def read(self) -> ActivityRecord:
        element, record = self.element, self.record
        if not record.identifier:
            self.issue(element, "iati-identifier", _("the activity has no iati-identifier"))
        record.fields["default_currency"] = self.code(
            element,
            "default-currency",
            activity_codelist("@default-currency"),
            "iati-activity",
            upper=True,
        )
        if attribute(element, "budget-not-provided"):
            self.not_kept(
                element, "iati-activity/@budget-not-provided", _("not kept: no place for it")
            )
        # None when the file leaves it out, "" when it gives it empty: written back as given.
        linked = element.get("linked-data-uri")
        record.fields[ACTIVITY_PATHS["@linked-data-uri"]] = (
            None if linked is None else linked.strip()
        )
        humanitarian = attribute(element, "humanitarian")
        record.fields[ACTIVITY_FLAGS["@humanitarian"]] = humanitarian in ("1", "true")
        kept = []
        for child in element:
            name = localname(child)
            if is_extension(child) or name in KEPT_AS_PUBLISHED:
                kept.append(child)
            elif name and name not in ACTIVITY_CHILDREN:
                self.not_kept(child, name)
        record.fields["kept_xml"] = published_xml(kept)
        reporting = element.find("reporting-org")
        if reporting is None:
            self.issue(element, "reporting-org", _("the reporting organisation is missing"))
        else:
            record.reporting_org = self.organisation(reporting, "reporting-org")
            if not record.reporting_org.ref:
                self.issue(reporting, "reporting-org/@ref", _("the identifier is missing"))
        record.fields[ACTIVITY_FLAGS["reporting-org/@secondary-reporter"]] = (
            None if reporting is None else flag(reporting, "secondary-reporter")
        )
        self.texts()
        self.participants()
        self.other_identifiers()
        self.dates()
        self.contact()
        self.geography()
        self.attribute_elements()
        self.country_budget_items()
        self.budgets()
        self.planned_disbursements()
        self.transactions()
        self.documents()
        self.related()
        self.conditions()
        self.results()
        if not record.fields["default_currency"]:
            # Every value then states its currency: the first one becomes the default.
            currencies = [
                row.fields["currency"]
                for relation in ("budgets", "transactions")
                for row in record.children[relation]
                if row.fields.get("currency")
            ]
            record.fields["default_currency"] = currencies[0] if currencies else ""
        record.issues.sort(key=lambda issue: issue.line or 0)
        return record

    def repeated_once(self, tag: str) -> etree._Element | None:
        elements = self.element.findall(tag)
        for extra in elements[1:]:
            self.not_kept(extra, tag, _("not kept: only the first one is kept"))
        return elements[0] if elements else None

    def texts(self) -> None:
        title = self.repeated_once("title")
        self.record.fields["title"] = self.narratives(title, "title")
        if title is None:
            self.issue(self.element, "title", _("the title is missing"))
        texts: dict[str, dict[str, str]] = {field: {} for field, _code in DESCRIPTIONS}
        for description in self.element.iterfind("description"):
            kind = self.code(
                description, "type", DESCRIPTION_TYPES, "description", default=GENERAL_DESCRIPTION
            )
            if not registry.get(DESCRIPTION_TYPES).is_valid(kind):
                continue
            target = DESCRIPTION_FIELDS.get(kind)
            if target is None:
                self.not_kept(description, f"description[@type='{kind}']")
                continue
            for lang, content in self.narratives(description, "description").items():
                previous = texts[target].get(lang)
                texts[target][lang] = f"{previous}\n\n{content}" if previous else content
        self.record.fields.update(texts)

    def participants(self) -> None:
        rows = []
        for element in self.element.iterfind("participating-org"):
            path = "participating-org"
            role = self.code(element, "role", PARTICIPANTS.codelist("@role"), path, required=True)
            organisation = self.organisation(element, path)
            if attribute(element, "crs-channel-code"):
                self.not_kept(element, f"{path}/@crs-channel-code", _("not kept: no place for it"))
            if not organisation.ref and not organisation.name:
                self.not_kept(
                    element, path, _("not kept: the organisation has neither identifier nor name")
                )
                continue
            rows.append(
                Row(
                    {
                        "organisation": organisation,
                        "role": role,
                        "hide_name": organisation.is_local_partner,
                        "participant_activity_id": attribute(element, "activity-id")[:200],
                    },
                    element.sourceline or 0,
                    path,
                )
            )
        self.record.children["participating_orgs"] = rows

    def other_identifiers(self) -> None:
        rows = []
        described = part("other_identifiers")
        for element in self.element.iterfind("other-identifier"):
            path = "other-identifier"
            self.extra_children(element, path, children_of(described))
            ref = attribute(element, "ref")
            if not ref:
                self.not_kept(element, f"{path}/@ref", _("not kept: the identifier is missing"))
                continue
            owner = element.find("owner-org")
            fields = {
                "ref": ref,
                "type": self.code(
                    element, "type", described.codelist("@type"), path, required=True
                ),
                "owner_ref": attribute(owner, "ref") if owner is not None else "",
                "owner_name": self.narratives(owner, f"{path}/owner-org"),
            }
            rows.append(Row(fields, element.sourceline or 0, path))
        self.record.children["other_identifiers"] = rows

    def dates(self) -> None:
        for _field, _code in ACTIVITY_DATES:
            self.record.fields[_field] = None
            self.record.fields[f"{_field}_note"] = {}
        for element in self.element.iterfind("activity-date"):
            kind = self.code(element, "type", DATE_TYPES, "activity-date", required=True)
            target = DATE_FIELDS.get(kind)
            if target is None:
                continue
            path = f"activity-date[@type='{kind}']"
            if self.record.fields[target] is not None:
                self.not_kept(element, path, _("not kept: a date of this type was given before"))
                continue
            self.record.fields[target] = self.date(element, path)
            self.record.fields[f"{target}_note"] = self.narratives(element, path)

    def contact(self) -> None:
        fields = self.record.fields
        fields.update({"contact_type": "", "contact_person": ""})
        fields.update({name: {} for _tag, name in CONTACT_TEXTS})
        fields.update({name: "" for _tag, name in CONTACT_VALUES})
        fields["contact_empty"] = []
        element = self.repeated_once("contact-info")
        if element is None:
            return
        known = {
            "person-name",
            *(tag for tag, _name in CONTACT_TEXTS),
            *(tag for tag, _name in CONTACT_VALUES),
        }
        self.extra_children(element, "contact-info", known)
        fields["contact_type"] = self.code(
            element, "type", field_codelist_of("contact_type"), "contact-info"
        )
        for tag, name in CONTACT_TEXTS:
            found = element.findall(tag)
            for extra in found[1:]:
                self.not_kept(
                    extra, f"contact-info/{tag}", _("not kept: only the first one is kept")
                )
            fields[name] = self.narratives(found[0] if found else None, f"contact-info/{tag}")
        fields["contact_person"] = self.plain_text(element.find("person-name"))
        validators = {"email": EmailValidator(), "website": URLValidator()}
        for tag, name in CONTACT_VALUES:
            found = [child for child in element.findall(tag) if "".join(child.itertext()).strip()]
            for extra in found[1:]:
                self.not_kept(
                    extra, f"contact-info/{tag}", _("not kept: only the first one is kept")
                )
            child = found[0] if found else None
            value = "".join(child.itertext()).strip() if child is not None else ""
            if value and tag in validators:
                try:
                    validators[tag](value)
                except ValidationError:
                    self.not_kept(
                        child,
                        f"contact-info/{tag}",
                        _("“%(value)s” is not valid: not kept") % {"value": value},
                    )
                    value = ""
            fields[name] = value
        fields["contact_empty"] = self.empty_contact_entries(element)

    def empty_contact_entries(self, element: etree._Element) -> list[str]:
        """Return the children of contact-info given only empty, kept to be written back empty.

        ``<email/>`` or ``<person-name><narrative/></person-name>``: the schema allows them.
        """
        tags = ["person-name", *(tag for tag, _name in (*CONTACT_TEXTS, *CONTACT_VALUES))]
        return [
            tag
            for tag in tags
            if (found := element.findall(tag))
            and not any("".join(child.itertext()).strip() for child in found)
        ]

    def geography(self) -> None:
        locations = []
        for element in self.element.iterfind("location"):
            row = self.location(element)
            if row is not None:
                locations.append(row)
        self.record.children["locations"] = locations

    def location(self, element: etree._Element) -> Row | None:
        path = "location"
        self.extra_children(element, path, children_of(LOCATIONS))
        fields: dict[str, object] = {
            "name": self.narratives(element.find("name"), f"{path}/name"),
            "description": self.narratives(element.find("description"), f"{path}/description"),
            "country": "",
            "latitude": None,
            "longitude": None,
            "location_ids": [],
            "administrative": [],
            # None when the file leaves it out, "" when it gives it empty: written back as given.
            "ref": None if element.get("ref") is None else attribute(element, "ref"),
        }
        # Blank when the file does not say: the portal does not assume "exact" or "activity".
        for tag in ("location-reach", "exactness", "location-class", "feature-designation"):
            fields[LOCATIONS.paths[tag]] = self.coded_child(element, tag, LOCATIONS, path)
        for location_id in element.iterfind("location-id"):
            vocabulary = self.code(
                location_id, "vocabulary", "GeographicVocabulary", f"{path}/location-id"
            )
            code = attribute(location_id, "code")
            if vocabulary and code:
                fields["location_ids"].append({"vocabulary": vocabulary, "code": code})
            else:
                self.not_kept(
                    location_id,
                    f"{path}/location-id",
                    _("not kept: it needs a vocabulary and a code"),
                )
        for administrative in element.iterfind("administrative"):
            apath = f"{path}/administrative"
            vocabulary = self.code(administrative, "vocabulary", "GeographicVocabulary", apath)
            if vocabulary == COUNTRY_GEOGRAPHIC_VOCABULARY and not fields["country"]:
                fields["country"] = self.code(
                    administrative, "code", LOCATIONS.codelist("administrative"), apath, upper=True
                )
                continue
            code = attribute(administrative, "code")
            if not (vocabulary and code):
                self.not_kept(
                    administrative, apath, _("not kept: it needs a vocabulary and a code")
                )
                continue
            area = {"vocabulary": vocabulary, "code": code}
            if attribute(administrative, "level"):
                area["level"] = attribute(administrative, "level")
            fields["administrative"].append(area)
        point = element.find("point")
        if point is not None:
            position = (point.findtext("pos") or "").split()
            if len(position) != 2:
                self.issue(
                    point, f"{path}/point/pos", _("a position is two numbers: latitude longitude")
                )
            else:
                latitude = self.number(
                    point, position[0], f"{path}/point/pos", COORDINATE_PLACES, max_digits=9
                )
                longitude = self.number(
                    point, position[1], f"{path}/point/pos", COORDINATE_PLACES, max_digits=9
                )
                if latitude is not None and not -90 <= latitude <= 90:
                    self.issue(
                        point,
                        f"{path}/point/pos",
                        _("latitude %(value)s is out of range") % {"value": latitude},
                    )
                elif longitude is not None and not -180 <= longitude <= 180:
                    self.issue(
                        point,
                        f"{path}/point/pos",
                        _("longitude %(value)s is out of range") % {"value": longitude},
                    )
                else:
                    fields["latitude"], fields["longitude"] = latitude, longitude
        if not (
            fields["name"]
            or fields["location_ids"]
            or fields["administrative"]
            or fields["country"]
            or fields["latitude"] is not None
        ):
            self.not_kept(
                element,
                path,
                _(
                    "not kept: the location has neither name, location-id, administrative area "
                    "nor point"
                ),
            )
            return None
        return Row(fields, element.sourceline or 0, path)

    def coded_child(self, parent: etree._Element, tag: str, described: Part, path: str) -> str:
        """Return the code of ``<tag code=…>`` below ``parent`` ("" when absent), checked against
        the codelist of the field the description gives ``tag``."""
        child = parent.find(tag)
        if child is None:
            return ""
        return self.code(child, "code", described.codelist(tag), f"{path}/{tag}")

    # Elements of attributes, read from the one description
    def attribute_elements(self) -> None:
        """Read every element of ``parts.ELEMENTS`` but the dates and texts (see their methods)."""
        for described in ELEMENTS:
            if described.others:
                self.record.fields[described.others] = []
        for described in ELEMENTS:
            if described.path in ("activity-date", "description"):
                continue
            if described.relation:
                rows = []
                for element in self.element.iterfind(described.path):
                    fields = self.attribute_fields(element, described)
                    if fields is not None:
                        rows.append(Row(fields, element.sourceline or 0, described.path))
                self.record.children[described.relation] = rows
            else:
                self.single_element(described)

    def single_element(self, described: Element) -> None:
        """Read the activity fields held by one element; later ones are reported as not kept."""
        values: dict[str, object] = {
            a.field: None if a.kind in (DATE, PERCENTAGE) else {} if a.kind == NARRATIVES else ""
            for a in described.fields
        }
        seen = False
        for element in self.element.iterfind(described.path):
            if seen and self.vocabulary_kept(element, described):
                self.not_kept(element, described.path, _("not kept: only the first one is kept"))
                continue
            fields = self.attribute_fields(element, described)
            if fields is not None:
                seen = True
                values.update(fields)
        self.record.fields.update(values)

    @staticmethod
    def vocabulary_kept(element: etree._Element, described: Element) -> bool:
        """Say, without reporting anything, whether the element's vocabulary is one kept."""
        declared = described.vocabulary
        stated = attribute(element, "vocabulary") or (declared.default if declared else "")
        return kept_vocabulary(described, stated)

    def attribute_fields(self, element: etree._Element, described: Element) -> dict | None:
        """Return the fields ``element`` holds as ``described``; None when it is not kept."""
        path = described.path
        fields: dict[str, object] = {}
        vocabulary_attribute = described.vocabulary
        if vocabulary_attribute is not None:
            vocabulary = self.attribute_value(element, described, vocabulary_attribute)
            if vocabulary_attribute.field:
                fields[vocabulary_attribute.field] = vocabulary
        else:
            vocabulary = attribute(element, "vocabulary")
        if (
            described.only_vocabularies
            and vocabulary
            and (vocabulary not in described.only_vocabularies)
        ):
            if described.others:
                self.other_vocabulary(element, described, vocabulary)
                return None
            note = described.only_note
            self.not_kept(
                element,
                f"{path}[@vocabulary='{vocabulary}']",
                _("not kept: only %(note)s are kept") % {"note": _(note)} if note else "",
            )
            return None
        for described_attribute in described.attributes:
            if described_attribute is vocabulary_attribute or not described_attribute.field:
                continue
            if described_attribute.kind == NARRATIVES:
                fields[described_attribute.field] = self.narratives(element, path)
                continue
            value = self.attribute_value(element, described, described_attribute, vocabulary)
            if described_attribute.needed_because and not value:
                self.not_kept(
                    element,
                    path,
                    _("not kept: %(reason)s") % {"reason": _(described_attribute.needed_because)},
                )
                return None
            fields[described_attribute.field] = value
            if described_attribute.name == "code":
                for name in described.not_kept:
                    if attribute(element, name):
                        self.not_kept(element, f"{path}/@{name}", _("not kept: no place for it"))
        return fields

    def other_vocabulary(
        self, element: etree._Element, described: Element, vocabulary: str
    ) -> None:
        """Keep an element of a vocabulary the fields or rows do not hold, as the file gives it."""
        path = f"{described.path}[@vocabulary='{vocabulary}']"
        item: dict[str, object] = {}
        for name in described.others_attributes:
            if name == "narrative":
                narrative = self.narratives(element, path)
                if narrative:
                    item[name] = narrative
            elif name == "vocabulary":
                item[name] = vocabulary
            elif name == "code":
                codelist = codelist_for(described.others_codes, vocabulary)
                item[name] = self.code(element, name, codelist, path, required=True)
            elif attribute(element, name):
                item[name] = attribute(element, name)
        if item.get("code"):
            self.record.fields[described.others].append(item)

    def attribute_value(
        self,
        element: etree._Element,
        described: Element,
        described_attribute: Attribute,
        vocabulary: str = "",
    ) -> object:
        """Read one described attribute of ``element``: a percentage or a checked code."""
        if described_attribute.kind == PERCENTAGE:
            return self.percentage(element, described.path)
        if described_attribute.empty_kept and not attribute(element, described_attribute.name):
            return None if element.get(described_attribute.name) is None else ""
        codelist = described_attribute.codelist
        if codelist is None and described_attribute.name == "code":
            codelist = described.vocabularies.get(vocabulary)
        return self.code(
            element,
            described_attribute.name,
            codelist,
            described.path,
            required=described_attribute.required,
            default=described_attribute.default or described_attribute.value,
            upper=described_attribute.upper,
        )

    def budgets(self) -> None:
        rows = []
        for element in self.element.iterfind("budget"):
            path = "budget"
            fields = {
                # IATI: a budget without @type is original (1), without @status indicative (1).
                "type": self.code(element, "type", BUDGETS.codelist("@type"), path, default="1"),
                "status": self.code(
                    element, "status", BUDGETS.codelist("@status"), path, default="1"
                ),
                "period_start": self.date(element.find("period-start"), f"{path}/period-start"),
                "period_end": self.date(element.find("period-end"), f"{path}/period-end"),
                **self.value(element, path, BUDGETS),
            }
            rows.append(Row(fields, element.sourceline or 0, path))
        self.record.children["budgets"] = rows

    def country_budget_items(self) -> None:
        """Read country-budget-items: its vocabulary (an activity field) and its budget items."""
        rows: list[Row] = []
        self.record.fields["country_budget_vocabulary"] = ""
        self.record.children["country_budget_items"] = rows
        element = self.repeated_once("country-budget-items")
        if element is None:
            return
        path = "country-budget-items"
        self.extra_children(element, path, children_of(BUDGET_ITEMS))
        vocabulary = self.code(
            element,
            "vocabulary",
            field_codelist_of("country_budget_vocabulary"),
            path,
            required=True,
        )
        self.record.fields["country_budget_vocabulary"] = vocabulary
        for item in element.iterfind("budget-item"):
            ipath = f"{path}/budget-item"
            self.extra_children(item, ipath, {"description"})
            fields = {
                "code": self.code(
                    item,
                    "code",
                    codelist_for("country_budget_items", vocabulary),
                    ipath,
                    required=True,
                ),
                "percentage": self.percentage(item, ipath),
                "description": self.narratives(item.find("description"), f"{ipath}/description"),
            }
            rows.append(Row(fields, item.sourceline or 0, ipath))

    def conditions(self) -> None:
        """Read conditions: whether any are attached (an activity field) and each condition."""
        rows: list[Row] = []
        self.record.fields["conditions_attached"] = None
        self.record.children["conditions"] = rows
        element = self.repeated_once("conditions")
        if element is None:
            return
        path = "conditions"
        self.extra_children(element, path, children_of(CONDITIONS))
        attached = attribute(element, "attached")
        if attached in ("1", "true", "0", "false"):
            self.record.fields["conditions_attached"] = attached in ("1", "true")
        else:
            self.issue(
                element,
                f"{path}/@attached",
                _("“%(value)s” is not 1 or 0 (yes or no)") % {"value": attached},
            )
        for condition in element.iterfind("condition"):
            cpath = f"{path}/condition"
            self.extra_children(condition, cpath, {"narrative"})
            fields = {
                "type": self.code(
                    condition, "type", CONDITIONS.codelist("condition/@type"), cpath, required=True
                ),
                "text": self.narratives(condition, cpath),
            }
            rows.append(Row(fields, condition.sourceline or 0, cpath))

    def planned_disbursements(self) -> None:
        rows = []
        for element in self.element.iterfind("planned-disbursement"):
            path = "planned-disbursement"
            self.extra_children(element, path, children_of(PLANNED))
            fields = {
                "type": self.code(element, "type", PLANNED.codelist("@type"), path),
                "period_start": self.date(element.find("period-start"), f"{path}/period-start"),
                "period_end": self.date(
                    element.find("period-end"), f"{path}/period-end", required=False
                ),
                **self.value(element, path, PLANNED),
                **self.parties(element, path, PLANNED),
            }
            rows.append(Row(fields, element.sourceline or 0, path))
        self.record.children["planned_disbursements"] = rows

    def parties(self, element: etree._Element, path: str, described: Part) -> dict[str, object]:
        """Read provider-org and receiver-org (and their activity identifiers, when kept)."""
        fields: dict[str, object] = {}
        for tag in ("provider-org", "receiver-org"):
            party = element.find(tag)
            organisation = self.organisation(party, f"{path}/{tag}") if party is not None else None
            activity_path = f"{tag}/@{tag.split('-')[0]}-activity-id"
            activity_field = described.paths.get(activity_path)
            if party is not None and attribute(party, activity_path.rsplit("@", 1)[1]):
                if activity_field:
                    fields[activity_field] = attribute(party, activity_path.rsplit("@", 1)[1])
                else:
                    self.not_kept(party, f"{path}/{activity_path}", _("not kept: no place for it"))
            elif activity_field:
                fields[activity_field] = ""
            if organisation is not None and not organisation.ref and not organisation.name:
                organisation = None
            fields[described.paths[tag]] = organisation
        return fields

    def transactions(self) -> None:
        rows = []
        for element in self.element.iterfind("transaction"):
            path = "transaction"
            self.extra_children(element, path, children_of(TRANSACTIONS), known_extensions=True)
            kind = element.find("transaction-type")
            fields = {
                "type": self.code(
                    kind,
                    "code",
                    TRANSACTIONS.codelist("transaction-type"),
                    f"{path}/transaction-type",
                    required=True,
                )
                if kind is not None
                else "",
                "date": self.date(element.find("transaction-date"), f"{path}/transaction-date"),
                **self.value(element, path, TRANSACTIONS),
                "description": self.narratives(element.find("description"), f"{path}/description"),
                **self.parties(element, path, TRANSACTIONS),
                **self.transaction_classifications(element, path),
                "ref": attribute(element, "ref"),
                "humanitarian": self.yes_no(element, "humanitarian", path),
                "kept_xml": published_xml([child for child in element if is_extension(child)]),
            }
            if kind is None:
                self.issue(
                    element, f"{path}/transaction-type", _("the transaction type is missing")
                )
            rows.append(Row(fields, element.sourceline or 0, path))
        self.record.children["transactions"] = rows

    def transaction_classifications(self, element: etree._Element, path: str) -> dict:
        """Read what a transaction says of itself: sectors, recipient, flow, finance, aid, tied."""
        paths = TRANSACTIONS.paths
        fields: dict[str, object] = {
            paths[tag]: self.coded_child(element, tag, TRANSACTIONS, path)
            for tag in ("disbursement-channel", "flow-type", "finance-type", "tied-status")
        }
        fields[paths["recipient-country"]] = ""
        country = element.find("recipient-country")
        if country is not None:
            fields[paths["recipient-country"]] = self.code(
                country,
                "code",
                TRANSACTIONS.codelist("recipient-country"),
                f"{path}/recipient-country",
                upper=True,
            )
        fields[paths["recipient-region"]] = ""
        fields[paths["recipient-region/@vocabulary"]] = ""
        region = element.find("recipient-region")
        if region is not None:
            rpath = f"{path}/recipient-region"
            vocabulary = self.code(
                region, "vocabulary", TRANSACTIONS.codelist("recipient-region/@vocabulary"), rpath
            )
            fields[paths["recipient-region/@vocabulary"]] = vocabulary
            fields[paths["recipient-region"]] = self.code(
                region,
                "code",
                codelist_for("recipient_regions", vocabulary or DEFAULT_REGION_VOCABULARY),
                rpath,
                required=True,
            )
        fields[paths["sector"]] = self.coded_list(
            element,
            "sector",
            path,
            lambda vocabulary: codelist_for("sectors", vocabulary or DEFAULT_SECTOR_VOCABULARY),
        )
        fields[paths["aid-type"]] = self.coded_list(
            element,
            "aid-type",
            path,
            lambda vocabulary: codelist_for("aid_types", vocabulary or DEFAULT_AID_TYPE_VOCABULARY),
        )
        return fields

    def yes_no(self, element: etree._Element, name: str, path: str) -> bool | None:
        """Read an xsd:boolean attribute (None when absent)."""
        value = attribute(element, name)
        if not value:
            return None
        if value not in ("1", "true", "0", "false"):
            self.issue(
                element,
                f"{path}/@{name}",
                _("“%(value)s” is not 1 or 0 (yes or no)") % {"value": value},
            )
            return None
        return value in ("1", "true")

    def coded_list(
        self,
        parent: etree._Element,
        tag: str,
        path: str,
        codelist: Callable[[str], str | None],
    ) -> list[dict[str, str]]:
        """Read every ``<tag vocabulary=… code=…>`` as {"vocabulary", "code"} (vocabulary only
        when stated: IATI's default applies otherwise)."""
        items = []
        for child in parent.iterfind(tag):
            vocabulary = attribute(child, "vocabulary")
            code = self.code(child, "code", codelist(vocabulary), f"{path}/{tag}", required=True)
            if not code:
                continue
            item = {"vocabulary": vocabulary, "code": code} if vocabulary else {"code": code}
            narrative = self.narratives(child, f"{path}/{tag}")
            if narrative:
                item["narrative"] = narrative
            items.append(item)
        return items

    def documents(self) -> None:
        rows = []
        for element in self.element.iterfind("document-link"):
            path = "document-link"
            self.extra_children(
                element, path, {"title", "category", "language", "document-date", "description"}
            )
            url = attribute(element, "url")
            if not url:
                self.issue(element, f"{path}/@url", _("the address is missing"))
                continue
            categories = element.findall("category")
            if not categories:
                self.issue(element, f"{path}/category", _("the category is missing"))
                continue
            languages = element.findall("language")
            for extra in languages[1:]:
                self.not_kept(extra, f"{path}/language", _("not kept: only the first one is kept"))
            descriptions = element.findall("description")
            for extra in descriptions[1:]:
                self.not_kept(
                    extra, f"{path}/description", _("not kept: only the first one is kept")
                )
            stated_format = attribute(element, "format")
            if stated_format and stated_format != document_format(url):
                self.not_kept(
                    element,
                    f"{path}/@format",
                    _(
                        "“%(stated)s” not kept: the portal derives the format from the "
                        "address (“%(derived)s”)"
                    )
                    % {"stated": stated_format, "derived": document_format(url)},
                )
            document_date = element.find("document-date")
            rows.append(
                Row(
                    {
                        "title": self.narratives(element.find("title"), f"{path}/title"),
                        "url": url,
                        "category": self.code(
                            categories[0],
                            "code",
                            DOCUMENTS.codelist("category"),
                            f"{path}/category",
                            required=True,
                        ),
                        "language": self.code(
                            languages[0],
                            "code",
                            DOCUMENTS.codelist("language"),
                            f"{path}/language",
                            lower=True,
                        )
                        if languages
                        else "",
                        "more_categories": [
                            self.code(
                                extra,
                                "code",
                                DOCUMENTS.codelist("category"),
                                f"{path}/category",
                                required=True,
                            )
                            for extra in categories[1:]
                        ],
                        "description": self.narratives(
                            descriptions[0] if descriptions else None, f"{path}/description"
                        ),
                        "date": self.date(document_date, f"{path}/document-date", required=False),
                    },
                    element.sourceline or 0,
                    path,
                )
            )
        self.record.children["documents"] = rows

    def related(self) -> None:
        rows = []
        for element in self.element.iterfind("related-activity"):
            path = "related-activity"
            kind = self.code(element, "type", RELATED.codelist("@type"), path, required=True)
            ref = attribute(element, "ref")
            if not ref:
                self.issue(
                    element, f"{path}/@ref", _("the related activity's identifier is missing")
                )
                continue
            # The parent and children also link activities of this portal (Activity.parent).
            if kind == RELATED_PARENT and self.record.parent is None:
                self.record.parent = (ref, element.sourceline or 0)
            elif kind == RELATED_CHILD:
                self.record.child_refs.append((ref, element.sourceline or 0))
            if kind:
                rows.append(Row({"ref": ref, "type": kind}, element.sourceline or 0, path))
        self.record.children["related_activities"] = rows

    # Results
    def results(self) -> None:
        results, beneficiaries = [], []
        for element in self.element.iterfind("result"):
            people = self.beneficiaries(element)
            if people is not None:
                beneficiaries.extend(people)
            else:
                results.extend(self.result(element))
        self.record.children["results"] = results
        self.record.children["beneficiaries"] = beneficiaries

    def result(self, element: etree._Element) -> list[Row]:
        """Read a result with its indicators, each with its baseline and periods."""
        path = "result"
        self.extra_children(element, path, children_of(RESULTS))
        fields = {
            "type": self.code(element, "type", RESULTS.codelist("@type"), path, required=True),
            "aggregation_status": flag(element, "aggregation-status"),
            "title": self.narratives(element.find("title"), f"{path}/title"),
            "description": self.narratives(element.find("description"), f"{path}/description"),
        }
        indicators = [
            self.indicator(indicator, f"{path}/indicator")
            for indicator in element.iterfind("indicator")
        ]
        if not indicators:
            self.not_kept(element, path, "not kept: the result has no indicator")
            return []
        return [Row(fields, element.sourceline or 0, path, {"indicators": indicators})]

    def indicator(self, indicator: etree._Element, path: str) -> Row:
        self.extra_children(indicator, path, children_of(INDICATORS))
        fields = {
            "title": self.narratives(indicator.find("title"), f"{path}/title"),
            "description": self.narratives(indicator.find("description"), f"{path}/description"),
            "measure": self.code(
                indicator, "measure", INDICATORS.codelist("@measure"), path, required=True
            ),
            # IATI: an indicator without @ascending is ascending.
            "ascending": attribute(indicator, "ascending") not in ("0", "false"),
            "aggregation_status": flag(indicator, "aggregation-status"),
            "references": self.indicator_references(indicator, f"{path}/reference"),
            "baseline_year": None,
            "baseline_date": None,
            "baseline_value": "",
            "baseline_comment": {},
            "baseline_dimensions": [],
            "baseline_locations": [],
            "more_baselines": [],
        }
        baselines = [self.baseline(b, f"{path}/baseline") for b in indicator.iterfind("baseline")]
        if baselines:
            fields.update({f"baseline_{name}": value for name, value in baselines[0].items()})
        # IATI 2.03 allows several baselines: the others are kept as the file gives them.
        fields["more_baselines"] = [
            {
                "year": b["year"],
                "iso_date": b["date"].isoformat() if b["date"] else "",
                **{name: b[name] for name in ("value", "comment", "dimensions", "locations")},
            }
            for b in baselines[1:]
            if b["year"] is not None
        ]
        periods = [self.period(period, f"{path}/period") for period in indicator.iterfind("period")]
        return Row(fields, indicator.sourceline or 0, path, {"periods": periods})

    def baseline(self, baseline: etree._Element, path: str) -> dict[str, object]:
        """Read a baseline: its year and date, then its value, comment, dimensions, locations."""
        year = attribute(baseline, "year")
        fields: dict[str, object] = {"year": None}
        if year.isdigit() and 1000 <= int(year) <= 9999:
            fields["year"] = int(year)
        else:
            self.issue(baseline, f"{path}/@year", _("“%(year)s” is not a year") % {"year": year})
        iso_date = attribute(baseline, "iso-date")
        fields["date"] = parse_date(iso_date) if iso_date else None
        if iso_date and fields["date"] is None:
            self.not_kept(
                baseline,
                f"{path}/@iso-date",
                _("“%(date)s” not kept: not a date") % {"date": iso_date},
            )
        return {**fields, **self.result_value(baseline, path)}

    def indicator_references(self, indicator: etree._Element, path: str) -> list[dict[str, str]]:
        references = []
        for reference in indicator.iterfind("reference"):
            item = {
                "vocabulary": attribute(reference, "vocabulary"),
                "code": attribute(reference, "code"),
            }
            if not (item["vocabulary"] and item["code"]):
                self.not_kept(reference, path, "not kept: its vocabulary or code is missing")
                continue
            if attribute(reference, "indicator-uri"):
                item["indicator_uri"] = attribute(reference, "indicator-uri")
            references.append(item)
        return references

    def period(self, period: etree._Element, path: str) -> Row:
        self.extra_children(period, path, children_of(PERIODS))
        fields: dict[str, object] = {
            "period_start": self.date(period.find("period-start"), f"{path}/period-start"),
            "period_end": self.date(period.find("period-end"), f"{path}/period-end"),
        }
        for tag in ("target", "actual"):
            found = [self.result_value(value, f"{path}/{tag}") for value in period.findall(tag)]
            values = (
                found[0]
                if found
                else {
                    "value": "",
                    "comment": {},
                    "dimensions": [],
                    "locations": [],
                }
            )
            fields.update({f"{tag}_{name}": value for name, value in values.items()})
            # IATI 2.03 allows several: the others are kept as the file gives them.
            fields[f"more_{tag}s"] = found[1:]
        return Row(fields, period.sourceline or 0, path)

    def result_value(self, element: etree._Element, path: str) -> dict[str, object]:
        """Read a baseline, target or actual: value, comment, dimensions and locations."""
        self.extra_children(element, path, RESULT_VALUE_CHILDREN)
        dimensions = []
        for dimension in element.iterfind("dimension"):
            name, value = attribute(dimension, "name"), attribute(dimension, "value")
            if not (name and value):
                self.not_kept(
                    dimension, f"{path}/dimension", "not kept: its name or value is missing"
                )
                continue
            dimensions.append({"name": name, "value": value})
        locations = []
        for location in element.iterfind("location"):
            if not attribute(location, "ref"):
                self.not_kept(location, f"{path}/location", "not kept: its reference is missing")
                continue
            locations.append(attribute(location, "ref"))
        return {
            "value": self.indicator_value(element, path),
            "comment": self.result_comment(element.find("comment"), f"{path}/comment"),
            "dimensions": dimensions,
            "locations": locations,
        }

    def result_comment(self, comment: etree._Element | None, path: str) -> dict[str, str]:
        """Return a result value's comment by language; an empty one is kept empty.

        The schema lets a comment's narrative be empty, so ``<comment><narrative/></comment>``
        is written back as the file gives it: ``{language: ""}``.
        """
        texts = self.narratives(comment, path)
        if comment is None or texts:
            return texts
        narrative = comment.find("narrative")
        stated = None if narrative is None else narrative.get(XML_LANG)
        lang = self.language(stated, narrative) if stated else self.lang or self.fallback_lang
        return {lang: ""} if lang else {}

    def indicator_value(self, element: etree._Element, path: str) -> str:
        """Return a baseline, target or actual value as kept: a number or, qualitative, a word."""
        value = result_value_text(attribute(element, "value"))
        if len(value) > RESULT_VALUE_LENGTH:
            self.not_kept(element, f"{path}/@value", "not kept: longer than 500 characters")
            return ""
        return value

    def beneficiaries(self, element: etree._Element) -> list[Row] | None:
        """Read the result the portal writes for people reached; None when it is another one."""
        if attribute(element, "type") != BENEFICIARIES_RESULT_TYPE:
            return None
        if set(map(localname, element)) - {"title", "indicator"}:
            return None
        if self.narratives(element.find("title"), "result/title") != BENEFICIARIES_TITLE:
            return None
        rows = []
        for indicator in element.iterfind("indicator"):
            row = self.beneficiaries_row(indicator)
            if row is None:
                return None
            rows.append(row)
        return rows or None

    def beneficiaries_row(self, indicator: etree._Element) -> Row | None:
        if attribute(indicator, "measure") != BENEFICIARIES_MEASURE:
            return None
        if attribute(indicator, "ascending") not in ("", "1", "true"):
            return None
        periods = indicator.findall("period")
        if set(map(localname, indicator)) - {"title", "period"} or len(periods) != 1:
            return None
        period = periods[0]
        if set(map(localname, period)) - {"period-start", "period-end", "actual"}:
            return None
        start = self.quiet_date(period.find("period-start"))
        end = self.quiet_date(period.find("period-end"))
        counts: dict[str, int] = {}
        for actual in period.iterfind("actual"):
            dimensions = actual.findall("dimension")
            if len(actual) != len(dimensions) or len(dimensions) > 1:
                return None
            key = "total"
            if dimensions:
                if attribute(dimensions[0], "name") != SEX_DIMENSION:
                    return None
                key = {FEMALE: "women", MALE: "men"}.get(attribute(dimensions[0], "value"), "")
            value = attribute(actual, "value")
            if not key or key in counts or not value.isdigit():
                return None
            counts[key] = int(value)
        if start is None or end is None or "total" not in counts:
            return None
        if counts.get("women", 0) + counts.get("men", 0) > counts["total"]:
            return None
        if start == datetime.date(start.year, 1, 1) and end == datetime.date(start.year, 12, 31):
            year = start.year
        elif (start, end) == self.activity_period():
            year = None
        else:
            return None
        group = self.narratives(indicator.find("title"), "result/indicator/title")
        if not group:
            return None
        return Row(
            {
                "group": group,
                "year": year,
                "total": counts["total"],
                "women": counts.get("women"),
                "men": counts.get("men"),
            },
            indicator.sourceline or 0,
            "result/indicator",
        )

    def activity_period(self) -> tuple[datetime.date | None, datetime.date | None]:
        """Return the activity's start and end as ``Activity.start_date``/``end_date`` do."""
        fields = self.record.fields
        start = fields.get("actual_start") or fields.get("planned_start")
        end = fields.get("actual_end") or fields.get("planned_end")
        return start, end

    @staticmethod
    def quiet_date(element: etree._Element | None) -> datetime.date | None:
        return parse_date(attribute(element, "iso-date")) if element is not None else None


# The file ----------------------------------------------------------------------------------------
class ActivityFileReader:
    """Stream the activities of an IATI activity file as ``ActivityRecord`` objects.

    Iterating raises ``FileRefused`` for a file that cannot be read at all; ``warnings`` collects
    what the file holds outside any activity and the portal does not keep.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        fallback_lang: str,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.stream = stream
        self.fallback_lang = fallback_lang
        self.on_read = on_read
        self.version = ""
        self.warnings: list[Issue] = []

    def __iter__(self) -> Iterator[ActivityRecord]:
        check_prolog(self.stream)
        source = CountingReader(self.stream, self.on_read)
        events = etree.iterparse(
            source,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        root = None
        default_lang = ""
        try:
            for event, element in events:
                if root is None:
                    root = element
                    self.check_root(root)
                    default_lang = attribute(root, XML_LANG)
                    continue
                if event != "end" or element.getparent() is not root:
                    continue
                if localname(element) == ACTIVITY_TAG:
                    yield self.read_activity(element, root, default_lang)
                elif localname(element):
                    self.warnings.append(
                        Issue(
                            _("not kept: only iati-activity elements are read"),
                            element.sourceline,
                            element=localname(element),
                            level=WARNING,
                            lost=True,
                        )
                    )
                # Free what has been read: memory stays flat however long the file.
                element.clear()
                while element.getprevious() is not None:
                    del root[0]
        except etree.XMLSyntaxError as exc:
            raise FileRefused(
                Issue(_("not well-formed XML: %(detail)s") % {"detail": exc.msg}, exc.lineno)
            ) from exc
        if root is None:
            raise FileRefused(Issue(_("the file is empty"), 1))

    def read_activity(
        self, element: etree._Element, root: etree._Element, default_lang: str
    ) -> ActivityRecord:
        """Read one ``iati-activity`` of the file (``incoming.CheckedFileReader`` checks it first)."""
        return ActivityReader(element, default_lang, self.fallback_lang).read()

    def check_root(self, root: etree._Element) -> None:
        """Refuse anything but an ``iati-activities`` root of version 2.01–2.03."""
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise FileRefused(Issue(_("the file declares a DOCTYPE: refused for safety"), 1))
        tag = root.tag if isinstance(root.tag, str) else ""
        line = root.sourceline
        if tag.startswith("{"):
            namespace, _brace, name = tag[1:].partition("}")
            raise FileRefused(
                Issue(
                    _(
                        "the root element <%(name)s> is in the namespace “%(namespace)s”: IATI "
                        "activity files use <%(root)s> without a namespace"
                    )
                    % {"name": name, "namespace": namespace, "root": ROOT_TAG},
                    line,
                )
            )
        if tag == "iati-organisations":
            raise FileRefused(
                Issue(
                    _(
                        "this is an IATI organisation file: only activity files "
                        "(<iati-activities>) can be imported"
                    ),
                    line,
                )
            )
        if tag != ROOT_TAG:
            raise FileRefused(
                Issue(
                    _("the root element is <%(tag)s>, not <%(root)s>: not an IATI activity file")
                    % {"tag": tag, "root": ROOT_TAG},
                    line,
                )
            )
        self.version = attribute(root, "version")
        if self.version not in VERSIONS:
            stated = (
                _("version “%(version)s”") % {"version": self.version}
                if self.version
                else _("no version")
            )
            raise FileRefused(
                Issue(
                    _(
                        "the file has %(stated)s: IATI activity files of versions %(versions)s can be imported"
                    )
                    % {"stated": stated, "versions": ", ".join(VERSIONS)},
                    line,
                    element=f"{ROOT_TAG}/@version",
                )
            )
