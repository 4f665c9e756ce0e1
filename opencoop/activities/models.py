"""Activities: cooperation projects shaped as IATI 2.03 ``iati-activity`` elements."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.search import index

from opencoop.codelists.fields import CodelistField, validate_code
from opencoop.codelists.widgets import CodelistPicker
from opencoop.core.models import AttachedDocument, EditorialRecord
from opencoop.core.multilingual import MultilingualField, text
from opencoop.organisations.identifiers import validate_identifier

from .panels import LocationPickerPanel, SensitivePanel
from .vocabularies import codelist_for, picker_lists

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
# IATI transaction types: 2 outgoing commitment, 3 disbursement, 4 expenditure.
COMMITMENT = "2"
REVERSIBLE_TYPES = ("3", "4")


def budget_amount_problem(value) -> str | None:
    """Return the (untranslated) reason a budget amount is refused, or None.

    IATI: a budget is the money planned for its period, so it is positive (the standard's
    guidance and validator refuse negative and zero budgets).
    """
    if value is not None and value <= 0:
        return N_("a budget must be more than zero")
    return None


def transaction_amount_problem(kind: str, value, description: dict | None) -> str | None:
    """Return the (untranslated) reason a transaction amount is refused, or None.

    A commitment is money promised: positive. A disbursement or expenditure may be negative only
    to reverse an earlier one (money returned, a payment cancelled), said in its description;
    no other transaction is negative.
    """
    if value is None:
        return None
    if kind == COMMITMENT and value <= 0:
        return N_("a commitment must be more than zero")
    if value < 0:
        if kind not in REVERSIBLE_TYPES:
            return N_(
                "only a disbursement or an expenditure may be negative (as a reversal); "
                "this amount must not be negative"
            )
        if not any(str(item or "").strip() for item in (description or {}).values()):
            return N_(
                "a negative amount reverses an earlier payment: say in the description "
                "what it reverses (for example “money returned by the partner”)"
            )
    return None


def check_code(codelist: str, code: str, label: str, field: str) -> None:
    """Validate a code whose codelist depends on another field; attach the error to ``field``."""
    try:
        validate_code(codelist, code, label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


class ActivityQuerySet(models.QuerySet):
    def published(self, today: datetime.date | None = None) -> ActivityQuerySet:
        """Return what the public may see (a name for ``opencoop.access.policy.public``)."""
        from opencoop.access import policy

        return policy.public(self, today)

    def for_reporting_org(self, organisation) -> ActivityQuerySet:
        return self.filter(reporting_org=organisation)

    def in_country(self, code: str) -> ActivityQuerySet:
        return self.filter(recipient_countries__code=code).distinct()


class Activity(index.Indexed, EditorialRecord):
    """A cooperation project of one reporting authority."""

    reporting_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="reported_activities",
    )
    iati_identifier = models.CharField(
        _("IATI identifier"),
        max_length=200,
        unique=True,
        help_text=_("The reporting organisation's identifier, a hyphen, then the project code."),
        validators=[validate_identifier],
    )
    slug = models.SlugField(_("slug"), max_length=120)
    title = MultilingualField(_("title"), max_length=500)
    description = MultilingualField(_("general description"), blank=True, multiline=True)
    objectives = MultilingualField(_("objectives"), blank=True, multiline=True)
    target_groups = MultilingualField(_("target groups"), blank=True, multiline=True)
    status = CodelistField("ActivityStatus", verbose_name=_("status"), blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    default_currency = CodelistField("Currency", verbose_name=_("default currency"), default="EUR")
    collaboration_type = CodelistField(
        "CollaborationType", verbose_name=_("collaboration type"), blank=True
    )
    default_flow_type = CodelistField("FlowType", verbose_name=_("flow type"), blank=True)
    default_finance_type = CodelistField("FinanceType", verbose_name=_("finance type"), blank=True)
    default_aid_type = CodelistField("AidType", verbose_name=_("aid type"), blank=True)
    default_tied_status = CodelistField("TiedStatus", verbose_name=_("tied status"), blank=True)
    # Elements of IATI 2.03 kept as a file gives them (see opencoop.activities.parts); set by
    # IATI imports, not on the edit page (which stays within its weight budget).
    default_aid_type_vocabulary = CodelistField(
        "AidTypeVocabulary", verbose_name=_("aid type vocabulary"), blank=True
    )
    # default-aid-type and tag elements of the vocabularies the fields and rows above do not hold
    # (earmarking, cash and voucher modalities; AGROVOC, the reporting organisation's own tags):
    # kept as the file gives them, [{"vocabulary", "code", …}], written back after those.
    other_default_aid_types = models.JSONField(
        _("aid types of other vocabularies"), default=list, blank=True
    )
    other_tags = models.JSONField(_("tags of other vocabularies"), default=list, blank=True)
    scope = CodelistField("ActivityScope", verbose_name=_("geographical scope"), blank=True)
    capital_spend = models.DecimalField(
        _("capital spend (percentage)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    country_budget_vocabulary = CodelistField(
        "BudgetIdentifierVocabulary", verbose_name=_("country budget items vocabulary"), blank=True
    )
    conditions_attached = models.BooleanField(
        _("conditions attached"),
        null=True,
        blank=True,
        help_text=_("Whether the activity's funding comes with conditions (IATI conditions)."),
    )
    planned_start_note = MultilingualField(_("planned start: note"), blank=True)
    actual_start_note = MultilingualField(_("actual start: note"), blank=True)
    planned_end_note = MultilingualField(_("planned end: note"), blank=True)
    actual_end_note = MultilingualField(_("actual end: note"), blank=True)
    # Elements of IATI (crs-add, fss) and of other namespaces (a publisher's extensions) the
    # portal keeps as the file gives them: written back in place, not shown on the pages.
    kept_xml = models.TextField(_("other IATI elements, as published"), blank=True)
    # The activity's linked-data address (IATI @linked-data-uri, any URI): None when the file
    # leaves it out, "" when it gives it empty. A file value, off the edit page.
    linked_data_uri = models.CharField(
        _("linked data address"), max_length=500, null=True, blank=True
    )
    humanitarian = models.BooleanField(
        _("humanitarian"),
        default=False,
        help_text=_("The activity addresses a humanitarian emergency (IATI @humanitarian)."),
    )
    # Tri-state as IATI has it: None when the file (or the editor) says nothing, so a stated
    # "no" is written back as "0" and an unstated one is not written at all.
    secondary_reporter = models.BooleanField(
        _("reported by a secondary reporter"),
        null=True,
        blank=True,
        default=None,
        help_text=_(
            "The reporting organisation publishes this activity for another that carries it out."
        ),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("partnership"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_organisation = MultilingualField(_("contact organisation"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_telephone = models.CharField(_("contact telephone"), max_length=100, blank=True)
    contact_website = models.URLField(_("contact website"), blank=True)
    contact_type = CodelistField("ContactType", verbose_name=_("contact type"), blank=True)
    contact_department = MultilingualField(_("contact department"), blank=True)
    contact_job_title = MultilingualField(_("contact job title"), blank=True)
    contact_mailing_address = MultilingualField(_("contact mailing address"), blank=True)
    # The contact-info children a file gives empty (["person-name", "email"]; the schema allows
    # an empty value or narrative), written back empty while the field has none. A file value,
    # off the edit page.
    contact_empty = models.JSONField(_("contact entries given empty"), default=list, blank=True)
    # Sensitive contexts: one switch per concern; opencoop.activities.disclosure applies them.
    hide_exact_locations = models.BooleanField(
        _("publish locations only at country or region level"), default=False
    )
    embargo_until = models.DateField(
        _("embargo until"),
        null=True,
        blank=True,
        help_text=_("The activity stays off every public page, feed and export until this day."),
    )
    classified_by_editor = models.BooleanField(
        _("sectors and goals assigned by the editor"),
        default=False,
        help_text=_("Set when sector and SDG codes were inferred from the title, not reported."),
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="activity")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="activity",
        for_concrete_model=False,
    )

    objects = ActivityQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=2),
        index.SearchField("description"),
        index.SearchField("iati_identifier"),
        # The method is the catalogue's, set when it starts (catalogue/apps.py): records never
        # import the catalogue.
        index.SearchField("search_text"),
        index.FilterField("live"),
        index.FilterField("reporting_org_id"),
    ]

    content_panels = [
        FieldPanel("reporting_org"),
        FieldPanel("iati_identifier"),
        FieldPanel("slug"),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("objectives"),
        FieldPanel("target_groups"),
        FieldPanel("image"),
        FieldPanel("parent"),
        FieldPanel("partnership"),
    ]
    classification_panels = [
        FieldPanel("status"),
        FieldRowPanel([FieldPanel("planned_start"), FieldPanel("planned_end")]),
        FieldRowPanel([FieldPanel("actual_start"), FieldPanel("actual_end")]),
        InlinePanel("recipient_countries", label=_("recipient countries")),
        InlinePanel("recipient_regions", label=_("recipient regions")),
        InlinePanel("locations", label=_("locations")),
        InlinePanel("sectors", label=_("sectors")),
        InlinePanel("sdg_tags", label=_("Sustainable Development Goals")),
        InlinePanel("policy_markers", label=_("policy markers")),
        FieldPanel("classified_by_editor"),
    ]
    partner_panels = [
        InlinePanel("participating_orgs", label=_("participating organisations")),
        MultiFieldPanel(
            [
                FieldPanel("contact_organisation"),
                FieldPanel("contact_person"),
                FieldPanel("contact_email"),
                FieldPanel("contact_telephone"),
                FieldPanel("contact_website"),
            ],
            heading=_("contact"),
        ),
    ]
    finance_panels = [
        FieldPanel("default_currency"),
        FieldRowPanel([FieldPanel("collaboration_type"), FieldPanel("default_flow_type")]),
        FieldRowPanel([FieldPanel("humanitarian"), FieldPanel("secondary_reporter")]),
        FieldRowPanel(
            [
                FieldPanel("default_finance_type"),
                FieldPanel("default_aid_type"),
                FieldPanel("default_tied_status"),
            ]
        ),
        InlinePanel("budgets", label=_("budgets")),
        InlinePanel("planned_disbursements", label=_("planned disbursements")),
        InlinePanel("transactions", label=_("transactions")),
    ]
    results_panels = [
        InlinePanel("results", label=_("results")),
        InlinePanel("beneficiaries", label=_("beneficiaries")),
        InlinePanel("documents", label=_("documents")),
        InlinePanel("related_activities", label=_("related activities")),
        InlinePanel("other_identifiers", label=_("other identifiers")),
    ]
    disclosure_panels = [
        FieldPanel("hide_exact_locations"),
        FieldPanel("embargo_until"),
        SensitivePanel(heading=_("What the public will not see")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(classification_panels, heading=_("Where and what")),
            ObjectList(partner_panels, heading=_("Partners")),
            ObjectList(finance_panels, heading=_("Finance")),
            ObjectList(results_panels, heading=_("Results and documents")),
            ObjectList(disclosure_panels, heading=_("Sensitive context")),
        ]
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-planned_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reporting_org", "slug"], name="activity_slug_unique")
        ]
        indexes = [
            models.Index(fields=["live", "reporting_org"]),
            # An authority's newest projects (the home page's "latest projects"): read from the
            # top of the index rather than sorting the authority's every project. On PostgreSQL
            # only (migration 0019): SQLite cannot index "NULLS LAST".
            models.Index(
                models.F("reporting_org"),
                models.F("last_published_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="activity_newest_of_authority",
            ),
        ]

    def __str__(self) -> str:
        return text(self.title) or self.iati_identifier

    @property
    def revisions(self):
        return self._revisions

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(text(self.title, "en"))[:120] or slugify(self.iati_identifier)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors = {}
        prefix = getattr(self.reporting_org, "identifier", "") if self.reporting_org_id else ""
        if prefix and self.iati_identifier and not self.iati_identifier.startswith(prefix + "-"):
            errors["iati_identifier"] = _(
                "IATI identifier: must start with the reporting organisation's identifier "
                "“%(prefix)s-”."
            ) % {"prefix": prefix}
        for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
            if (
                getattr(self, start)
                and getattr(self, end)
                and getattr(self, end) < getattr(self, start)
            ):
                errors[end] = _("%(end)s: the end date is before the start date.") % {
                    "end": self._meta.get_field(end).verbose_name
                }
        if errors:
            raise ValidationError(errors)

    @property
    def start_date(self) -> datetime.date | None:
        return self.actual_start or self.planned_start

    @property
    def end_date(self) -> datetime.date | None:
        return self.actual_end or self.planned_end


class ActivityChild(models.Model):
    """Base of the repeated parts of an activity (stored with its revisions)."""

    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]  # ties (rows added outside the editor) in a stable order


class RecipientCountry(ActivityChild):
    activity = ParentalKey(Activity, related_name="recipient_countries", on_delete=models.CASCADE)
    code = CodelistField("Country", verbose_name=_("recipient country"))
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    narrative = MultilingualField(_("note"), blank=True)
    panels = [FieldRowPanel([FieldPanel("code"), FieldPanel("percentage")])]

    class Meta(ActivityChild.Meta):
        verbose_name = _("recipient country")
        verbose_name_plural = _("recipient countries")
        indexes = [models.Index(fields=["code"])]


class RecipientRegion(ActivityChild):
    activity = ParentalKey(Activity, related_name="recipient_regions", on_delete=models.CASCADE)
    vocabulary = CodelistField("RegionVocabulary", verbose_name=_("region vocabulary"), default="1")
    code = models.CharField(_("recipient region"), max_length=20)
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    vocabulary_uri = models.URLField(_("vocabulary address"), blank=True)
    narrative = MultilingualField(_("note"), blank=True)
    panels = [
        FieldRowPanel(
            [
                FieldPanel("vocabulary"),
                # OECD DAC regions; codes of other vocabularies are typed, unchecked.
                FieldPanel("code", widget=CodelistPicker(picker_lists("recipient_regions"))),
                FieldPanel("percentage"),
            ]
        )
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("recipient region")
        verbose_name_plural = _("recipient regions")

    @property
    def codelist(self) -> str | None:
        """Return the codelist of ``code`` under this row's vocabulary (None: not checked)."""
        return codelist_for("recipient_regions", self.vocabulary)

    def clean(self) -> None:
        codelist = self.codelist
        if codelist:
            check_code(codelist, self.code, str(_("recipient region")), "code")


class Location(ActivityChild):
    """A place of the activity: named, or identified by a gazetteer, administrative codes or a
    point (IATI lets a location go without a name)."""

    activity = ParentalKey(Activity, related_name="locations", on_delete=models.CASCADE)
    name = MultilingualField(_("place name"), max_length=300, blank=True)
    description = MultilingualField(_("description"), blank=True)
    country = CodelistField("Country", verbose_name=_("country"), blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    exactness = CodelistField("GeographicExactness", verbose_name=_("exactness"), default="1")
    reach = CodelistField("GeographicLocationReach", verbose_name=_("reach"), default="1")
    # Gazetteer entries (location-id) and administrative areas other than the country (A4):
    # lists of {"vocabulary", "code"} and {"vocabulary", "level", "code"}, as the file gives them.
    location_ids = models.JSONField(_("gazetteer identifiers"), default=list, blank=True)
    administrative = models.JSONField(_("administrative areas"), default=list, blank=True)
    location_class = CodelistField(
        "GeographicLocationClass", verbose_name=_("location class"), blank=True
    )
    feature_designation = CodelistField(
        "LocationType", verbose_name=_("feature designation"), blank=True
    )
    # The publisher's own reference of the place (IATI location/@ref): None when the file leaves
    # it out, "" when it gives it empty. A file value, off the edit page like a partner's own
    # activity identifier.
    ref = models.CharField(_("publisher's reference"), max_length=500, null=True, blank=True)
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("country"), FieldPanel("latitude"), FieldPanel("longitude")]),
        LocationPickerPanel(),
        FieldRowPanel([FieldPanel("exactness"), FieldPanel("reach")]),
        FieldRowPanel([FieldPanel("location_class"), FieldPanel("feature_designation")]),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    @property
    def identified(self) -> bool:
        """Say whether the row says where: a name, a gazetteer entry, an area or a point."""
        return bool(
            any(str(v or "").strip() for v in (self.name or {}).values())
            or self.location_ids
            or self.administrative
            or self.country
            or (self.latitude is not None and self.longitude is not None)
        )

    def clean(self) -> None:
        if not self.identified:
            raise ValidationError(
                {
                    "name": _(
                        "place name: give a name, a country or a position (latitude and longitude)."
                    )
                }
            )


class Sector(ActivityChild):
    activity = ParentalKey(Activity, related_name="sectors", on_delete=models.CASCADE)
    vocabulary = CodelistField("SectorVocabulary", verbose_name=_("sector vocabulary"), default="1")
    code = models.CharField(_("sector"), max_length=20)
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    vocabulary_uri = models.URLField(_("vocabulary address"), blank=True)
    narrative = MultilingualField(_("note"), blank=True)
    panels = [
        FieldRowPanel(
            [
                FieldPanel("vocabulary"),
                # Vocabulary 1 takes 5-digit codes, 2 the 3-digit categories: one picker for both.
                FieldPanel("code", widget=CodelistPicker(picker_lists("sectors"))),
                FieldPanel("percentage"),
            ]
        )
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        indexes = [models.Index(fields=["vocabulary", "code"])]

    @property
    def codelist(self) -> str | None:
        """Return the codelist of ``code`` under this row's vocabulary (None: not checked)."""
        return codelist_for("sectors", self.vocabulary)

    def clean(self) -> None:
        codelist = self.codelist
        if codelist:
            check_code(codelist, self.code, str(_("sector")), "code")


class SdgTag(ActivityChild):
    """An SDG goal (IATI tag vocabulary 2) or target (vocabulary 3)."""

    activity = ParentalKey(Activity, related_name="sdg_tags", on_delete=models.CASCADE)
    vocabulary = models.CharField(
        _("kind"), max_length=1, choices=[("2", _("SDG goal")), ("3", _("SDG target"))], default="2"
    )
    code = models.CharField(_("goal or target"), max_length=10)
    panels = [
        FieldRowPanel(
            [
                FieldPanel("vocabulary"),
                # Goals ("6") and targets ("6.1") never share a code: one picker for both.
                FieldPanel("code", widget=CodelistPicker(picker_lists("sdg_tags"))),
            ]
        )
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("SDG goal or target")
        verbose_name_plural = _("SDG goals and targets")

    @property
    def codelist(self) -> str | None:
        """Return the codelist of ``code`` under this row's vocabulary (None: not checked)."""
        return codelist_for("sdg_tags", self.vocabulary)

    def clean(self) -> None:
        codelist = self.codelist
        if codelist:
            check_code(codelist, self.code, str(_("goal or target")), "code")


class PolicyMarker(ActivityChild):
    activity = ParentalKey(Activity, related_name="policy_markers", on_delete=models.CASCADE)
    code = CodelistField("PolicyMarker", verbose_name=_("policy marker"))
    # None when the file leaves the significance out, "" when it gives it empty (as the schema
    # allows): the export writes back what the file said.
    significance = CodelistField(
        "PolicySignificance", verbose_name=_("significance"), null=True, blank=True
    )
    panels = [FieldRowPanel([FieldPanel("code"), FieldPanel("significance")])]

    class Meta(ActivityChild.Meta):
        verbose_name = _("policy marker")
        verbose_name_plural = _("policy markers")


class HumanitarianScope(ActivityChild):
    """An emergency or appeal the activity responds to (IATI humanitarian-scope)."""

    activity = ParentalKey(Activity, related_name="humanitarian_scopes", on_delete=models.CASCADE)
    type = CodelistField("HumanitarianScopeType", verbose_name=_("emergency or appeal"))
    vocabulary = CodelistField("HumanitarianScopeVocabulary", verbose_name=_("vocabulary"))
    vocabulary_uri = models.URLField(_("vocabulary address"), blank=True)
    code = models.CharField(_("code"), max_length=100)
    narrative = MultilingualField(_("name"), blank=True)
    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("vocabulary"), FieldPanel("code")]),
        FieldPanel("narrative"),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("humanitarian scope")
        verbose_name_plural = _("humanitarian scopes")


class CountryBudgetItem(ActivityChild):
    """A share of the activity in the recipient country's budget (IATI country-budget-items)."""

    activity = ParentalKey(Activity, related_name="country_budget_items", on_delete=models.CASCADE)
    code = models.CharField(_("budget identifier"), max_length=50)
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    description = MultilingualField(_("description"), blank=True)
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("percentage")]),
        FieldPanel("description"),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("country budget item")
        verbose_name_plural = _("country budget items")


class Condition(ActivityChild):
    """A condition attached to the activity's funding (IATI conditions/condition)."""

    activity = ParentalKey(Activity, related_name="conditions", on_delete=models.CASCADE)
    type = CodelistField("ConditionType", verbose_name=_("kind of condition"))
    text = MultilingualField(_("condition"), multiline=True)
    panels = [FieldPanel("type"), FieldPanel("text")]

    class Meta(ActivityChild.Meta):
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")


class ParticipatingOrg(ActivityChild):
    activity = ParentalKey(Activity, related_name="participating_orgs", on_delete=models.CASCADE)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = CodelistField("OrganisationRole", verbose_name=_("role"))
    hide_name = models.BooleanField(_("show as “a local partner” without its name"), default=False)
    # The IATI identifier of the participant's own record of this activity (IATI
    # participating-org/@activity-id): an atlas counts the two records once.
    participant_activity_id = models.CharField(
        _("participant's own activity"),
        max_length=200,
        blank=True,
    )
    # The participant's own activity comes from IATI files (the edit page keeps it on saving):
    # a field per partner row would take the edit page over its 200 KB.
    panels = [
        FieldRowPanel([FieldPanel("organisation"), FieldPanel("role"), FieldPanel("hide_name")]),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")


class Budget(ActivityChild):
    activity = ParentalKey(Activity, related_name="budgets", on_delete=models.CASCADE)
    type = CodelistField("BudgetType", verbose_name=_("budget type"), default="1")
    status = CodelistField("BudgetStatus", verbose_name=_("budget status"), default="1")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = CodelistField("Currency", verbose_name=_("currency"), blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("status")]),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
        FieldRowPanel([FieldPanel("value"), FieldPanel("currency"), FieldPanel("value_date")]),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def clean(self) -> None:
        errors = {}
        # A period longer than a year is only warned about (IATI's rule is a "should"), in the
        # publication checks: a draft may hold it.
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("period end: before the period start.")
        problem = budget_amount_problem(self.value)
        if problem:
            errors["value"] = gettext("amount: %(problem)s.") % {"problem": gettext(problem)}
        if errors:
            raise ValidationError(errors)


class OtherIdentifier(ActivityChild):
    """Another identifier of the activity (IATI other-identifier): a former IATI identifier, the
    reporting organisation's own code, or one given by another organisation."""

    activity = ParentalKey(Activity, related_name="other_identifiers", on_delete=models.CASCADE)
    ref = models.CharField(_("identifier"), max_length=200)
    type = CodelistField("OtherIdentifierType", verbose_name=_("kind of identifier"))
    owner_ref = models.CharField(_("owner's identifier"), max_length=200, blank=True)
    owner_name = MultilingualField(_("owner"), max_length=500, blank=True)
    panels = [
        FieldRowPanel([FieldPanel("ref"), FieldPanel("type")]),
        FieldRowPanel([FieldPanel("owner_ref"), FieldPanel("owner_name")]),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("other identifier")
        verbose_name_plural = _("other identifiers")


class RelatedActivityQuerySet(models.QuerySet):
    """Rows that know, when fetched, whether the activity each names is on the portal
    (``target_exists``) and public (``target_public``): in the same query as the rows.

    The annotation is added when the rows are fetched, not when the query set is built: parts'
    query sets are built as modules load, before Django can resolve the subquery.
    """

    _with_targets = False

    def _clone(self) -> RelatedActivityQuerySet:
        clone = super()._clone()
        clone._with_targets = self._with_targets
        return clone

    def with_targets(self) -> RelatedActivityQuerySet:
        from opencoop.access import policy  # the policy reads these models: imported late

        named = Activity.objects.filter(iati_identifier=models.OuterRef("ref"))
        annotated = self.annotate(
            target_exists=models.Exists(named), target_public=models.Exists(policy.public(named))
        )
        annotated._with_targets = True
        return annotated

    def _fetch_all(self) -> None:
        if (
            self._result_cache is None
            and not self._with_targets
            and self._iterable_class is models.query.ModelIterable
        ):
            annotated = self.with_targets()
            annotated._prefetch_related_lookups = self._prefetch_related_lookups
            annotated._fetch_all()
            self._result_cache = annotated._result_cache
            self._prefetch_done = annotated._prefetch_done
            return
        super()._fetch_all()


class RelatedActivity(ActivityChild):
    """Another activity this one names (IATI related-activity), on this portal or not.

    The parent programme and the sub-projects on the portal are linked by ``Activity.parent``;
    these rows keep every relation a file states, with targets published elsewhere.
    """

    activity = ParentalKey(Activity, related_name="related_activities", on_delete=models.CASCADE)
    ref = models.CharField(_("IATI identifier of the related activity"), max_length=200)
    type = CodelistField("RelatedActivityType", verbose_name=_("relation"))
    panels = [FieldRowPanel([FieldPanel("ref"), FieldPanel("type")])]

    objects = RelatedActivityQuerySet.as_manager()

    class Meta(ActivityChild.Meta):
        verbose_name = _("related activity")
        verbose_name_plural = _("related activities")


class PlannedDisbursement(ActivityChild):
    """Money the activity expects to pay out in a period (IATI planned-disbursement)."""

    activity = ParentalKey(Activity, related_name="planned_disbursements", on_delete=models.CASCADE)
    type = CodelistField("BudgetType", verbose_name=_("budget type"), blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), null=True, blank=True)
    value = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = CodelistField("Currency", verbose_name=_("currency"), blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    provider_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_activity_id = models.CharField(_("provider's activity"), max_length=200, blank=True)
    receiver_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver_activity_id = models.CharField(_("receiver's activity"), max_length=200, blank=True)
    panels = [
        FieldPanel("type"),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
        FieldRowPanel([FieldPanel("value"), FieldPanel("currency"), FieldPanel("value_date")]),
        FieldRowPanel([FieldPanel("provider_org"), FieldPanel("receiver_org")]),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("planned disbursement")
        verbose_name_plural = _("planned disbursements")

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("period end: before the period start.")})


class Transaction(ActivityChild):
    activity = ParentalKey(Activity, related_name="transactions", on_delete=models.CASCADE)
    type = CodelistField("TransactionType", verbose_name=_("transaction type"))
    date = models.DateField(_("transaction date"))
    value = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = CodelistField("Currency", verbose_name=_("currency"), blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    description = MultilingualField(_("description"), blank=True)
    provider_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver_org = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_activity_id = models.CharField(_("provider's activity"), max_length=200, blank=True)
    receiver_activity_id = models.CharField(_("receiver's activity"), max_length=200, blank=True)
    # What the transaction itself is classified as, where it differs from the activity's.
    disbursement_channel = CodelistField(
        "DisbursementChannel", verbose_name=_("disbursement channel"), blank=True
    )
    # Lists of {"vocabulary", "code"}: IATI allows one sector per vocabulary, several aid types.
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    recipient_country = CodelistField("Country", verbose_name=_("recipient country"), blank=True)
    recipient_region = models.CharField(_("recipient region"), max_length=20, blank=True)
    recipient_region_vocabulary = CodelistField(
        "RegionVocabulary", verbose_name=_("region vocabulary"), blank=True
    )
    flow_type = CodelistField("FlowType", verbose_name=_("flow type"), blank=True)
    finance_type = CodelistField("FinanceType", verbose_name=_("finance type"), blank=True)
    aid_types = models.JSONField(_("aid types"), default=list, blank=True)
    tied_status = CodelistField("TiedStatus", verbose_name=_("tied status"), blank=True)
    ref = models.CharField(_("reference"), max_length=200, blank=True)
    humanitarian = models.BooleanField(_("humanitarian"), null=True, blank=True)
    # Elements of other namespaces (a publisher's extensions), kept as the file gives them.
    kept_xml = models.TextField(_("other elements, as published"), blank=True)
    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("date")]),
        FieldRowPanel([FieldPanel("value"), FieldPanel("currency"), FieldPanel("value_date")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("provider_org"), FieldPanel("receiver_org")]),
        FieldRowPanel(
            [
                FieldPanel("recipient_country"),
                FieldPanel("flow_type"),
                FieldPanel("finance_type"),
                FieldPanel("tied_status"),
            ]
        ),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        indexes = [models.Index(fields=["type", "date"])]

    def clean(self) -> None:
        problem = transaction_amount_problem(self.type, self.value, self.description)
        if problem:
            raise ValidationError(
                {"value": gettext("amount: %(problem)s.") % {"problem": gettext(problem)}}
            )

    @property
    def currency_or_default(self) -> str:
        return self.currency or self.activity.default_currency


class DocumentLink(AttachedDocument):
    activity = ParentalKey(Activity, related_name="documents", on_delete=models.CASCADE)
    description = MultilingualField(_("description"), blank=True)
    # Categories after the first (IATI allows several): a list of DocumentCategory codes.
    more_categories = models.JSONField(_("more categories"), default=list, blank=True)

    class Meta(AttachedDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")


# IATI's baseline, target and actual values are text: a number, or a word ("yes") where the
# indicator is qualitative (IndicatorMeasure 5). Kept as given, numbers without trailing zeros.
QUALITATIVE_MEASURE = "5"


def result_value_text(value: object) -> str:
    """Return a result value as kept: a number written plainly ("12.5", "0"), else the text."""
    if value is None:
        return ""
    # "36,899" stays text: a decimal comma or a thousands separator, only its writer knows.
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    plain = f"{number:f}"
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return "0" if plain in ("", "-0") else plain


def result_value_number(value: str) -> Decimal | None:
    """Return a result value as a number, or None when it is a word (or empty)."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError):
        return None
    return number if number.is_finite() else None


class Result(ActivityChild, ClusterableModel):
    """An IATI ``result``: what the activity aims at, measured by its indicators."""

    activity = ParentalKey(Activity, related_name="results", on_delete=models.CASCADE)
    type = CodelistField("ResultType", verbose_name=_("result type"), default="1")
    aggregation_status = models.BooleanField(_("suitable for aggregation"), null=True, blank=True)
    title = MultilingualField(_("result"), max_length=500)
    description = MultilingualField(_("description"), blank=True)
    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("aggregation_status")]),
        FieldPanel("title"),
        FieldPanel("description"),
        InlinePanel("indicators", label=_("indicators"), min_num=1),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("result")
        verbose_name_plural = _("results")


class ResultIndicator(ActivityChild, ClusterableModel):
    """An IATI result ``indicator``: what is measured, its baseline and its periods.

    The first baseline is in the ``baseline_*`` fields, the edit page's; the others a file gives
    (IATI 2.03 allows several) are kept in ``more_baselines`` as it gives them, off the edit
    page: a list of {"year", "iso_date", "value", "comment", "dimensions", "locations"}.
    ``references`` holds the indicator's codes in other frameworks: a list of {"vocabulary", "code", "indicator_uri"}.
    Dimensions are lists of {"name", "value"}, locations lists of references to the activity's
    locations (``location/@ref``).
    """

    result = ParentalKey(Result, related_name="indicators", on_delete=models.CASCADE)
    title = MultilingualField(_("indicator"), max_length=500)
    description = MultilingualField(_("description"), blank=True)
    measure = CodelistField("IndicatorMeasure", verbose_name=_("measure"), default="1")
    ascending = models.BooleanField(_("higher is better"), default=True)
    aggregation_status = models.BooleanField(_("suitable for aggregation"), null=True, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    baseline_year = models.PositiveIntegerField(_("baseline year"), null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_value = models.CharField(_("baseline value"), max_length=500, blank=True)
    baseline_comment = MultilingualField(_("baseline comment"), blank=True)
    baseline_dimensions = models.JSONField(_("baseline dimensions"), default=list, blank=True)
    baseline_locations = models.JSONField(_("baseline locations"), default=list, blank=True)
    more_baselines = models.JSONField(_("further baselines"), default=list, blank=True)
    panels = [
        FieldRowPanel([FieldPanel("measure"), FieldPanel("ascending")]),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("baseline_year"), FieldPanel("baseline_value")]),
        FieldPanel("baseline_comment"),
        InlinePanel("periods", label=_("periods")),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def clean(self) -> None:
        self.baseline_value = result_value_text(self.baseline_value)


class IndicatorPeriod(ActivityChild):
    """An IATI indicator ``period``: its dates, its target and what was achieved.

    The first target and the first actual of the period are in the ``target_*`` and ``actual_*``
    fields, each with its comment, dimensions ({"name", "value"}) and locations
    (``location/@ref``); the others a file gives (IATI 2.03 allows several) are kept in
    ``more_targets`` and ``more_actuals`` as it gives them, off the edit page: lists of
    {"value", "comment", "dimensions", "locations"}.
    """

    indicator = ParentalKey(ResultIndicator, related_name="periods", on_delete=models.CASCADE)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    target_value = models.CharField(_("target value"), max_length=500, blank=True)
    target_comment = MultilingualField(_("target comment"), blank=True)
    target_dimensions = models.JSONField(_("target dimensions"), default=list, blank=True)
    target_locations = models.JSONField(_("target locations"), default=list, blank=True)
    actual_value = models.CharField(_("actual value"), max_length=500, blank=True)
    actual_comment = MultilingualField(_("actual comment"), blank=True)
    actual_dimensions = models.JSONField(_("actual dimensions"), default=list, blank=True)
    actual_locations = models.JSONField(_("actual locations"), default=list, blank=True)
    more_targets = models.JSONField(_("further targets"), default=list, blank=True)
    more_actuals = models.JSONField(_("further actual values"), default=list, blank=True)
    panels = [
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
        FieldRowPanel([FieldPanel("target_value"), FieldPanel("actual_value")]),
        FieldPanel("target_comment"),
        FieldPanel("actual_comment"),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def clean(self) -> None:
        self.target_value = result_value_text(self.target_value)
        self.actual_value = result_value_text(self.actual_value)
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("period end: before the period start.")})


class Beneficiaries(ActivityChild):
    """People reached, by sex where known (exported as an IATI result indicator)."""

    activity = ParentalKey(Activity, related_name="beneficiaries", on_delete=models.CASCADE)
    group = MultilingualField(_("group"), max_length=300)
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"))
    women = models.PositiveIntegerField(_("women and girls"), null=True, blank=True)
    men = models.PositiveIntegerField(_("men and boys"), null=True, blank=True)
    panels = [
        FieldPanel("group"),
        FieldRowPanel(
            [FieldPanel("year"), FieldPanel("total"), FieldPanel("women"), FieldPanel("men")]
        ),
    ]

    class Meta(ActivityChild.Meta):
        verbose_name = _("group of beneficiaries")
        verbose_name_plural = _("groups of beneficiaries")

    def clean(self) -> None:
        if self.total is not None and (self.women or 0) + (self.men or 0) > self.total:
            raise ValidationError(
                {
                    "total": _(
                        "total: it is smaller than the number of women and men added together."
                    )
                }
            )
