"""An activity and its parts, described once.

Every module that walks an activity's repeated parts (the IATI reader and writer, the records and
downloads, the publication checks, the spreadsheet import, the generator, the write service) reads
this description instead of keeping its own list, so adding a part is a change here plus a
migration.

Two tables: ``PARTS``, the repeated parts (child models), and ``ELEMENTS``, the IATI elements
that hold only attributes (and narratives), each written from one activity field or from one row
of a part. The IATI writer and reader handle every ``Element`` generically; the structured parts
(locations, budgets, transactions, documents, results) keep their own code there, and their
``Part`` says which IATI path holds which field; the codelist of a path is the one its model
field names (``Part.codelist``). ``VOCABULARY_CODELISTS`` (in ``vocabularies``, so that the
models' panels read it too) is the one table of which codelist holds the codes of each vocabulary.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from .models import (
    Activity,
    Beneficiaries,
    Budget,
    Condition,
    CountryBudgetItem,
    DocumentLink,
    HumanitarianScope,
    IndicatorPeriod,
    Location,
    OtherIdentifier,
    ParticipatingOrg,
    PlannedDisbursement,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    RelatedActivity,
    Result,
    ResultIndicator,
    SdgTag,
    Sector,
    Transaction,
)
from .vocabularies import (
    DEFAULT_AID_TYPE_VOCABULARY,
    DEFAULT_REGION_VOCABULARY,
    DEFAULT_SECTOR_VOCABULARY,
    POLICY_MARKER_VOCABULARY,
    TAG_CODELISTS,
    VOCABULARY_CODELISTS,
)


def field_codelist(model: type[models.Model], name: str, path: str) -> str:
    """Return the codelist of field ``name`` of ``model``, written at IATI ``path``.

    A foreign key's attribute is the referred row's field of the same name (``@type`` of an
    organisation is its type): the model fields are the one place that names codelists.
    """
    model_field = model._meta.get_field(name)
    if model_field.is_relation:
        model_field = model_field.related_model._meta.get_field(path.rsplit("@", 1)[-1])
    codelist = getattr(model_field, "codelist", None)
    if codelist is None:
        raise LookupError(f"{path}: {model.__name__}.{name} holds no code")
    return codelist


@dataclass(frozen=True)
class Part:
    """One repeated part of an activity: a child model under ``Activity.<relation>``."""

    relation: str
    model: type[models.Model]
    # The fields that say what a row holds: compared before writing, copied when writing.
    content: tuple[str, ...]
    # Foreign keys each row refers to, fetched with it.
    select_related: tuple[str, ...] = ()
    # Fields a file may leave blank although the editing form requires them.
    may_be_blank: frozenset[str] = field(default_factory=frozenset)
    # Present on the activity's public page and download row, not only on its detail.
    summary: bool = False
    # Shown on the activity's public page (fetched with it).
    page: bool = True
    # The IATI element each row is written as, and the path below it (``@attribute``,
    # ``child``, ``child/@attribute``) that holds each field the publication checks point at.
    element: str = ""
    paths: Mapping[str, str] = field(default_factory=dict)
    # What disclosure keeps back of a sensitive activity's rows ("" nothing); disclosure withholds
    # something of the parts that say so, and of no other.
    sensitive: str = ""
    # The switch the editor sets for it: a field of the activity ("hide_exact_locations"), or
    # "<relation>.<field>" of the rows of another part ("participating_orgs.hide_name").
    sensitive_switch: str = ""
    # The key of the list in the activity's JSON record (opendata.records; "" not there).
    json: str = ""
    # Paths below the element whose empty value is kept as the file gives it (the schema's type
    # allows it): the field holds None when the file leaves it out.
    empty_kept: frozenset[str] = field(default_factory=frozenset)
    # The rows each row holds in turn (a result's indicators, an indicator's periods), each
    # described as a part whose ``relation`` is the row's and ``element`` is below this one's.
    nested: tuple[Part, ...] = ()

    def codelist(self, path: str) -> str:
        """Return the codelist of the code at ``path`` below the element, as its field declares."""
        if path not in self.paths:
            raise LookupError(f"{self.element}/{path}: the description gives it no field")
        return field_codelist(self.model, self.paths[path], path)

    def codes(self) -> Iterator[tuple[str, str, str]]:
        """Yield (path, field, codelist) of each path holding a code of the row's own fields."""
        for path, name in self.paths.items():
            codelist = getattr(self.model._meta.get_field(name), "codelist", None)
            if codelist is not None:
                yield path, name, codelist

    def queryset(self) -> models.QuerySet:
        """Return the rows of this part, with what they refer to, in the editor's order."""
        queryset = self.model.objects.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.nested:
            queryset = queryset.prefetch_related(*self.nested_lookups())
        return queryset

    def nested_lookups(self, prefix: str = "") -> list[str]:
        """Return the lookups that fetch the nested rows ("indicators", "indicators__periods")."""
        lookups = []
        for inner in self.nested:
            lookup = f"{prefix}{inner.relation}"
            lookups += [lookup, *inner.nested_lookups(f"{lookup}__")]
        return lookups

    def state(self, row: models.Model, comparable=lambda value: value) -> tuple:
        """Return what ``row`` holds (its content, then its nested rows') for comparison."""
        own = tuple(comparable(getattr(row, name)) for name in self.content)
        inner = tuple(
            tuple(part.state(child, comparable) for child in getattr(row, part.relation).all())
            for part in self.nested
        )
        return own + inner if inner else own


# related-activity/@type (RelatedActivityType) of a parent programme and of a sub-project.
RELATED_PARENT = "1"
RELATED_CHILD = "2"
# What a transaction may say of itself instead of the activity's defaults (fields of the row).
TRANSACTION_CLASSIFICATIONS = (
    "disbursement_channel",
    "sectors",
    "recipient_country",
    "recipient_region",
    "recipient_region_vocabulary",
    "flow_type",
    "finance_type",
    "aid_types",
    "tied_status",
)
# In the order of the IATI 2.03 schema's iati-activity children.
PARTS: tuple[Part, ...] = (
    Part(
        "participating_orgs",
        ParticipatingOrg,
        ("organisation_id", "role", "hide_name", "participant_activity_id"),
        select_related=("organisation",),
        summary=True,
        element="participating-org",
        paths={
            "@role": "role",
            "@type": "organisation",
            "@activity-id": "participant_activity_id",
        },
        sensitive=_("the name and identifier of a partner whose name is hidden"),
        sensitive_switch="participating_orgs.hide_name",
        json="participating_orgs",
    ),
    Part(
        "other_identifiers",
        OtherIdentifier,
        ("ref", "type", "owner_ref", "owner_name"),
        element="other-identifier",
        paths={
            "@ref": "ref",
            "@type": "type",
            "owner-org/@ref": "owner_ref",
            "owner-org": "owner_name",
        },
        json="other_identifiers",
    ),
    Part(
        "recipient_countries",
        RecipientCountry,
        ("code", "percentage", "narrative"),
        summary=True,
        element="recipient-country",
        json="recipient_countries",
    ),
    Part(
        "recipient_regions",
        RecipientRegion,
        ("vocabulary", "vocabulary_uri", "code", "percentage", "narrative"),
        summary=True,
        element="recipient-region",
        json="recipient_regions",
    ),
    Part(
        "locations",
        Location,
        (
            "name",
            "description",
            "country",
            "latitude",
            "longitude",
            "exactness",
            "reach",
            "location_ids",
            "administrative",
            "location_class",
            "feature_designation",
            "ref",
        ),
        may_be_blank=frozenset({"exactness", "reach"}),
        element="location",
        # A location is kept when any of name, location-id, administrative or point says where.
        paths={
            "@ref": "ref",
            "location-reach": "reach",
            "location-id": "location_ids",
            "name": "name",
            "description": "description",
            "administrative": "country",
            # Areas of other vocabularies than the country's (A4), kept as the file gives them.
            "administrative/@vocabulary": "administrative",
            "point": "latitude",
            "exactness": "exactness",
            "location-class": "location_class",
            "feature-designation": "feature_designation",
        },
        sensitive=_("every place, when the activity hides its exact locations"),
        sensitive_switch="hide_exact_locations",
        json="locations",
        empty_kept=frozenset({"@ref"}),
    ),
    Part(
        "sectors",
        Sector,
        ("vocabulary", "vocabulary_uri", "code", "percentage", "narrative"),
        summary=True,
        element="sector",
        json="sectors",
    ),
    Part(
        "sdg_tags",
        SdgTag,
        ("vocabulary", "code"),
        summary=True,
        element="tag",
        json="sdgs",
    ),
    # The rows of country-budget-items (one element, its vocabulary an activity field).
    Part(
        "country_budget_items",
        CountryBudgetItem,
        ("code", "percentage", "description"),
        element="country-budget-items",
        paths={"budget-item/@code": "code", "budget-item/description": "description"},
        json="country_budget_items",
    ),
    Part(
        "humanitarian_scopes",
        HumanitarianScope,
        ("type", "vocabulary", "vocabulary_uri", "code", "narrative"),
        element="humanitarian-scope",
        json="humanitarian_scopes",
    ),
    Part(
        "policy_markers",
        PolicyMarker,
        ("code", "significance"),
        page=False,
        element="policy-marker",
        json="policy_markers",
    ),
    # Value dates are compared as the export writes them (see the IATI importer).
    Part(
        "budgets",
        Budget,
        ("type", "status", "period_start", "period_end", "value", "currency"),
        summary=True,
        element="budget",
        paths={
            "period-start": "period_start",
            "period-end": "period_end",
            "@type": "type",
            "@status": "status",
            "value": "value",
            "value/@currency": "currency",
        },
        json="budgets",
    ),
    Part(
        "planned_disbursements",
        PlannedDisbursement,
        (
            "type",
            "period_start",
            "period_end",
            "value",
            "currency",
            "provider_org_id",
            "provider_activity_id",
            "receiver_org_id",
            "receiver_activity_id",
        ),
        select_related=("provider_org", "receiver_org"),
        element="planned-disbursement",
        paths={
            "@type": "type",
            "period-start": "period_start",
            "period-end": "period_end",
            "value": "value",
            "value/@currency": "currency",
            "provider-org": "provider_org",
            "provider-org/@provider-activity-id": "provider_activity_id",
            "receiver-org": "receiver_org",
            "receiver-org/@receiver-activity-id": "receiver_activity_id",
        },
        sensitive=_("a provider or receiver whose name is hidden"),
        sensitive_switch="participating_orgs.hide_name",
        json="planned_disbursements",
    ),
    Part(
        "transactions",
        Transaction,
        (
            "type",
            "date",
            "value",
            "currency",
            "description",
            "provider_org_id",
            "provider_activity_id",
            "receiver_org_id",
            "receiver_activity_id",
            *TRANSACTION_CLASSIFICATIONS,
            "ref",
            "humanitarian",
            "kept_xml",
        ),
        select_related=("provider_org", "receiver_org"),
        summary=True,
        element="transaction",
        # In the schema's order of transaction's children.
        paths={
            "transaction-type": "type",
            "transaction-date": "date",
            "value": "value",
            "value/@currency": "currency",
            "description": "description",
            "provider-org": "provider_org",
            "provider-org/@provider-activity-id": "provider_activity_id",
            "receiver-org": "receiver_org",
            "receiver-org/@receiver-activity-id": "receiver_activity_id",
            "disbursement-channel": "disbursement_channel",
            "sector": "sectors",
            "recipient-country": "recipient_country",
            "recipient-region": "recipient_region",
            "recipient-region/@vocabulary": "recipient_region_vocabulary",
            "flow-type": "flow_type",
            "finance-type": "finance_type",
            "aid-type": "aid_types",
            "tied-status": "tied_status",
        },
        sensitive=_("a provider or receiver whose name is hidden"),
        sensitive_switch="participating_orgs.hide_name",
        json="transactions",
    ),
    Part(
        "documents",
        DocumentLink,
        ("title", "category", "more_categories", "description", "language", "date"),
        select_related=("document",),
        element="document-link",
        paths={"category": "category", "description": "description", "language": "language"},
        json="documents",
    ),
    # Every relation a file states; the parent programme and sub-projects on the portal are
    # also linked by ``Activity.parent`` (written from there; a row repeating one is not).
    Part(
        "related_activities",
        RelatedActivity,
        ("ref", "type"),
        element="related-activity",
        paths={"@ref": "ref", "@type": "type"},
        json="related_activities",
    ),
    # The rows of conditions (one element, whether conditions are attached an activity field).
    Part(
        "conditions",
        Condition,
        ("type", "text"),
        element="conditions",
        paths={"condition/@type": "type", "condition": "text"},
        json="conditions",
    ),
    # A result holds indicators, an indicator periods (IATI 2.03: several of each).
    Part(
        "results",
        Result,
        ("type", "aggregation_status", "title", "description"),
        element="result",
        paths={
            "@type": "type",
            "@aggregation-status": "aggregation_status",
            "title": "title",
            "description": "description",
        },
        json="results",
        nested=(
            Part(
                "indicators",
                ResultIndicator,
                (
                    "title",
                    "description",
                    "measure",
                    "ascending",
                    "aggregation_status",
                    "references",
                    "baseline_year",
                    "baseline_date",
                    "baseline_value",
                    "baseline_comment",
                    "baseline_dimensions",
                    "baseline_locations",
                    "more_baselines",
                ),
                element="indicator",
                # In the schema's order of indicator's children.
                paths={
                    "@measure": "measure",
                    "@ascending": "ascending",
                    "@aggregation-status": "aggregation_status",
                    "title": "title",
                    "description": "description",
                    "reference": "references",
                    "baseline": "baseline_year",
                    "baseline/@iso-date": "baseline_date",
                    "baseline/@value": "baseline_value",
                    "baseline/location": "baseline_locations",
                    "baseline/dimension": "baseline_dimensions",
                    "baseline/comment": "baseline_comment",
                },
                json="indicators",
                nested=(
                    Part(
                        "periods",
                        IndicatorPeriod,
                        (
                            "period_start",
                            "period_end",
                            "target_value",
                            "target_comment",
                            "target_dimensions",
                            "target_locations",
                            "actual_value",
                            "actual_comment",
                            "actual_dimensions",
                            "actual_locations",
                            "more_targets",
                            "more_actuals",
                        ),
                        element="period",
                        paths={
                            "period-start": "period_start",
                            "period-end": "period_end",
                            "target": "target_value",
                            "actual": "actual_value",
                        },
                        json="periods",
                    ),
                ),
            ),
        ),
    ),
    # Written as one more result (see the IATI writer), after the results.
    Part(
        "beneficiaries",
        Beneficiaries,
        ("group", "year", "total", "women", "men"),
        element="result",
    ),
)
BY_RELATION: dict[str, Part] = {part.relation: part for part in PARTS}


# Elements of attributes --------------------------------------------------------------------------
CODE, PERCENTAGE, DATE, NARRATIVES, URI = "code", "percentage", "date", "narratives", "uri"


@dataclass(frozen=True)
class Attribute:
    """One attribute of an IATI element and the model field it holds, or a value always written.

    ``kind`` says how the value is written and read: a code, a percentage, an ISO date, an address
    (``vocabulary-uri``), or (name ``narrative``) the element's narratives, one per language, from
    a multilingual field.
    """

    name: str
    field: str = ""
    # Written whatever the data; on reading, only elements with this value (or none) are kept.
    value: str = ""
    # The codelist of the value; None for the code of a part with vocabularies (its table says).
    codelist: str | None = None
    kind: str = CODE
    # A missing value is an error (the row is still kept).
    required: bool = False
    # What IATI assumes when the attribute is absent.
    default: str = ""
    # Codes written in capitals only (countries): the case of a file is forgiven.
    upper: bool = False
    # Without a value the element is not kept, for this reason.
    needed_because: str = ""
    # An empty value the file gives is kept and written back as given (the schema's type allows
    # it); the field holds None when the attribute is absent.
    empty_kept: bool = False
    # Where the activity's JSON record (opendata.records) and the catalogue download show it:
    # a key of the part's item (dotted for nested: "significance.code") or of the record.
    json: str = ""
    csv: str = ""


@dataclass(frozen=True)
class Element:
    """An IATI element of attributes (and narratives), from an activity field or a part's row."""

    path: str
    attributes: tuple[Attribute, ...]
    # The part whose rows it is written from; "" for the activity's own fields (one element).
    relation: str = ""
    # Vocabularies other than these are not kept; the note says which are (in the warning).
    only_vocabularies: tuple[str, ...] = ()
    only_note: str = ""
    # Attributes of the element the portal has no place for (reported as not kept).
    not_kept: tuple[str, ...] = ()
    # The activity's field (a list) keeping the elements of other vocabularies as the file gives
    # them, each as {attribute: value, "narrative": {lang: text}} of ``others_attributes`` (in
    # the order written); their codes are checked against ``VOCABULARY_CODELISTS[others_codes]``.
    others: str = ""
    others_attributes: tuple[str, ...] = ()
    others_codes: str = ""
    # The key of the list in the activity's JSON record (opendata.records).
    others_json: str = ""

    @property
    def vocabulary_optional(self) -> bool:
        """Say whether the element may leave its vocabulary out (IATI then assumes one)."""
        return self.vocabulary is not None and not self.vocabulary.required

    # Cached: the IATI writer asks them for every element of every activity.
    @functools.cached_property
    def fields(self) -> tuple[Attribute, ...]:
        """Return the attributes that hold a field, in the order written."""
        return tuple(a for a in self.attributes if a.field)

    @functools.cached_property
    def main(self) -> Attribute:
        """Return the attribute without which there is no element: the code, date or text."""
        for attribute in self.fields:
            if attribute.name in ("code", "iso-date", "narrative"):
                return attribute
        return self.fields[0]

    def fixed(self, name: str) -> str:
        """Return the value always written in attribute ``name`` ("" when none is)."""
        return next((a.value for a in self.attributes if a.name == name), "")

    @property
    def vocabulary(self) -> Attribute | None:
        return next((a for a in self.attributes if a.name == "vocabulary"), None)

    @property
    def vocabularies(self) -> Mapping[str, str]:
        return VOCABULARY_CODELISTS.get(self.relation, {})

    @property
    def json(self) -> str:
        return BY_RELATION[self.relation].json if self.relation else ""


def _code(element: str, field: str, codelist: str, **extra) -> Element:
    """Describe an activity code written as ``<element code=…>`` (vocabulary 1, if any, only)."""
    return Element(
        element,
        (Attribute("code", field, codelist=codelist, required=True, **extra),),
        only_vocabularies=("1",),
    )


def _date(field: str, code: str) -> Element:
    """Describe an activity date: ``<activity-date type=… iso-date=…>`` and its note."""
    return Element(
        "activity-date",
        (
            Attribute("type", value=code, codelist="ActivityDateType"),
            Attribute("iso-date", field, kind=DATE, required=True, json=field, csv=field),
            Attribute("narrative", f"{field}_note", kind=NARRATIVES),
        ),
    )


def _narrative(**extra) -> Attribute:
    """Describe the narratives of a coded element (a sector's or a country's name, as given)."""
    return Attribute("narrative", "narrative", kind=NARRATIVES, **extra)


def _description(field: str, code: str, **extra) -> Element:
    """Describe a text of the activity: ``<description type=…>`` with its narratives."""
    return Element(
        "description",
        (
            Attribute("type", value=code, codelist="DescriptionType"),
            Attribute("narrative", field, kind=NARRATIVES, **extra),
        ),
    )


# In the order the writer writes them, which is the schema's for each element.
ELEMENTS: tuple[Element, ...] = (
    _description("description", "1", json="description", csv="description"),
    _description("objectives", "2"),
    _description("target_groups", "3"),
    Element(
        "activity-status",
        (
            Attribute(
                "code",
                "status",
                codelist="ActivityStatus",
                required=True,
                json="status.code",
                csv="status_code",
            ),
        ),
    ),
    _date("planned_start", "1"),
    _date("actual_start", "2"),
    _date("planned_end", "3"),
    _date("actual_end", "4"),
    Element(
        "activity-scope",
        (Attribute("code", "scope", codelist="ActivityScope", required=True, json="scope.code"),),
    ),
    Element(
        "recipient-country",
        (
            Attribute(
                "code",
                "code",
                codelist="Country",
                required=True,
                upper=True,
                json="code",
                csv="country_codes",
            ),
            Attribute("percentage", "percentage", kind=PERCENTAGE, json="percentage"),
            _narrative(),
        ),
        relation="recipient_countries",
    ),
    Element(
        "recipient-region",
        (
            Attribute("code", "code", required=True, json="code"),
            Attribute(
                "vocabulary",
                "vocabulary",
                codelist="RegionVocabulary",
                default=DEFAULT_REGION_VOCABULARY,
                json="vocabulary",
            ),
            Attribute("vocabulary-uri", "vocabulary_uri", kind=URI),
            Attribute("percentage", "percentage", kind=PERCENTAGE, json="percentage"),
            _narrative(),
        ),
        relation="recipient_regions",
    ),
    Element(
        "sector",
        (
            Attribute(
                "vocabulary",
                "vocabulary",
                codelist="SectorVocabulary",
                default=DEFAULT_SECTOR_VOCABULARY,
                json="vocabulary",
            ),
            Attribute("vocabulary-uri", "vocabulary_uri", kind=URI),
            Attribute("code", "code", required=True, json="code", csv="sector_codes"),
            Attribute("percentage", "percentage", kind=PERCENTAGE, json="percentage"),
            _narrative(),
        ),
        relation="sectors",
    ),
    Element(
        "tag",
        (
            Attribute("vocabulary", "vocabulary", codelist="TagVocabulary", required=True),
            Attribute("code", "code", required=True, json="code"),
        ),
        relation="sdg_tags",
        only_vocabularies=tuple(TAG_CODELISTS),
        only_note=N_("SDG goals and targets (vocabularies 2 and 3)"),
        others="other_tags",
        others_attributes=("vocabulary", "vocabulary-uri", "code", "narrative"),
        others_json="other_tags",
    ),
    Element(
        "humanitarian-scope",
        (
            Attribute("type", "type", codelist="HumanitarianScopeType", required=True, json="type"),
            Attribute(
                "vocabulary",
                "vocabulary",
                codelist="HumanitarianScopeVocabulary",
                required=True,
                json="vocabulary",
            ),
            Attribute("vocabulary-uri", "vocabulary_uri", kind=URI),
            Attribute("code", "code", required=True, json="code"),
            _narrative(json="narrative"),
        ),
        relation="humanitarian_scopes",
    ),
    Element(
        "policy-marker",
        (
            Attribute(
                "vocabulary",
                value=POLICY_MARKER_VOCABULARY,
                codelist="PolicyMarkerVocabulary",
                default=POLICY_MARKER_VOCABULARY,
            ),
            Attribute("code", "code", codelist="PolicyMarker", required=True, json="code"),
            Attribute(
                "significance",
                "significance",
                codelist="PolicySignificance",
                json="significance.code",
                empty_kept=True,
            ),
        ),
        relation="policy_markers",
        only_vocabularies=(POLICY_MARKER_VOCABULARY,),
        only_note=N_("OECD DAC policy markers (vocabulary 1)"),
    ),
    _code("collaboration-type", "collaboration_type", "CollaborationType"),
    _code("default-flow-type", "default_flow_type", "FlowType"),
    _code("default-finance-type", "default_finance_type", "FinanceType"),
    Element(
        "default-aid-type",
        (
            Attribute("code", "default_aid_type", codelist="AidType", required=True),
            Attribute("vocabulary", "default_aid_type_vocabulary", codelist="AidTypeVocabulary"),
        ),
        only_vocabularies=(DEFAULT_AID_TYPE_VOCABULARY,),
        only_note=N_("OECD DAC aid types (vocabulary 1)"),
        others="other_default_aid_types",
        others_attributes=("code", "vocabulary"),
        others_codes="aid_types",
        others_json="other_default_aid_types",
    ),
    _code("default-tied-status", "default_tied_status", "TiedStatus"),
    Element(
        "capital-spend",
        (
            Attribute(
                "percentage", "capital_spend", kind=PERCENTAGE, required=True, json="capital_spend"
            ),
        ),
    ),
)
# The activity's own fields the writer's own code writes (outside ELEMENTS): IATI path → field.
ACTIVITY_PATHS: Mapping[str, str] = MappingProxyType(
    {
        "iati-identifier": "iati_identifier",
        "reporting-org": "reporting_org",
        "@default-currency": "default_currency",
        "@linked-data-uri": "linked_data_uri",
        "title": "title",
    }
)
# The activity's own attributes whose empty value is kept as the file gives it (keys of
# ACTIVITY_PATHS; the field holds None when the file leaves the attribute out).
ACTIVITY_EMPTY_KEPT = ("@linked-data-uri",)
# The attributes whose empty value is kept as the file gives it ("policy-marker/@significance").
EMPTY_KEPT = frozenset(
    {
        *(f"{e.path}/@{a.name}" for e in ELEMENTS for a in e.attributes if a.empty_kept),
        *(f"{p.element}/{path}" for p in PARTS for path in p.empty_kept),
        *(f"iati-activity/{path}" for path in ACTIVITY_EMPTY_KEPT),
    }
)


# The activity's yes/no attributes: IATI path → field. @humanitarian is written only when true,
# as "1"; @secondary-reporter is tri-state (None, False, True): written as the file stated it.
ACTIVITY_FLAGS: Mapping[str, str] = MappingProxyType(
    {
        "@humanitarian": "humanitarian",
        "reporting-org/@secondary-reporter": "secondary_reporter",
    }
)


def field_codelist_of(name: str) -> str:
    """Return the codelist of the activity's field ``name`` (``contact_type``: ContactType)."""
    return field_codelist(Activity, name, name)


def activity_codelist(path: str) -> str:
    """Return the codelist of the activity's own code at ``path`` (a key of ACTIVITY_PATHS)."""
    return field_codelist(Activity, ACTIVITY_PATHS[path.split("/")[0]], path)


# contact-info children holding one plain value each: element, activity field.
CONTACT_VALUES = (
    ("telephone", "contact_telephone"),
    ("email", "contact_email"),
    ("website", "contact_website"),
)
# contact-info children holding narratives, in the schema's order (person-name, the one not
# multilingual, comes between department and job-title): element, activity field.
CONTACT_TEXTS = (
    ("organisation", "contact_organisation"),
    ("department", "contact_department"),
    ("job-title", "contact_job_title"),
    ("mailing-address", "contact_mailing_address"),
)
# The activity's fields an IATI file sets through contact-info (``contact_empty``: the children
# it gives empty, written back empty).
CONTACT_FIELDS = (
    "contact_type",
    "contact_person",
    *(name for _tag, name in CONTACT_TEXTS),
    *(name for _tag, name in CONTACT_VALUES),
    "contact_empty",
)
# The activity's fields the elements of ``ELEMENTS`` hold (each once, in the order written).
ELEMENT_FIELDS = tuple(dict.fromkeys(a.field for e in ELEMENTS if not e.relation for a in e.fields))
# The activity's fields an IATI file sets outside ``ELEMENTS`` and the parts.
IATI_OWN_FIELDS = (
    *(e.others for e in ELEMENTS if e.others),
    "country_budget_vocabulary",
    "conditions_attached",
    "kept_xml",
    "linked_data_uri",
)


BY_PATH: dict[str, tuple[Element, ...]] = {
    path: tuple(e for e in ELEMENTS if e.path == path)
    for path in dict.fromkeys(e.path for e in ELEMENTS)
}


def elements(path: str) -> tuple[Element, ...]:
    """Return the elements written at ``path`` ("activity-date": one per date field)."""
    return BY_PATH.get(path, ())


def codelist_of(path: str, name: str = "code") -> str:
    """Return the codelist of attribute ``name`` of the element written at ``path``."""
    for described in elements(path):
        for attribute in described.attributes:
            if attribute.name == name and attribute.codelist:
                return attribute.codelist
    raise LookupError(f"{path}/@{name}: the description gives it no codelist")


def element_of(relation: str) -> Element | None:
    """Return the element a part's rows are written as, when it holds attributes only."""
    return next((e for e in ELEMENTS if e.relation == relation), None)


def field_paths() -> dict[str, tuple[str, dict[str, str]]]:
    """Map each IATI element of an activity to the field or part holding it, and, for a part,
    each path below the element (``@code``, ``value/@currency``) to the field of its rows.

    An element written once per field (activity-date, description) maps to its first field.
    """
    table: dict[str, tuple[str, dict[str, str]]] = {
        path: (name, {}) for path, name in (*ACTIVITY_PATHS.items(), *ACTIVITY_FLAGS.items())
    }
    for described in ELEMENTS:
        if described.relation:
            below = {f"@{a.name}": a.field for a in described.fields}
            table.setdefault(described.path, (described.relation, below))
        else:
            table.setdefault(described.path, (described.main.field, {}))
    for p in PARTS:
        table.setdefault(p.element, (p.relation, dict(p.paths)))
    return table


# The tables earlier modules read, derived: (field, @type) of each date and text, and
# (element, field, codelist) of each activity code.
ACTIVITY_DATES = tuple((e.main.field, e.fixed("type")) for e in elements("activity-date"))
DESCRIPTIONS = tuple((e.main.field, e.fixed("type")) for e in elements("description"))
ACTIVITY_CODES = tuple(
    (e.path, e.main.field, e.main.codelist)
    for e in ELEMENTS
    if not e.relation and e.only_vocabularies
)


def part(relation: str) -> Part:
    """Return the part stored under ``Activity.<relation>``."""
    return BY_RELATION[relation]


def iter_rows(activity: models.Model) -> Iterator[tuple[Part, models.Model]]:
    """Yield each part row of ``activity`` (prefetched or not) with its part, in schema order."""
    for p in PARTS:
        for row in getattr(activity, p.relation).all():
            yield p, row
