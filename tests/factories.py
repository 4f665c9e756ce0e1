"""Build the records the tests need: one set of factory_boy factories shared by every package.

Each factory's defaults are the rows a test package has always counted on; the ``make_*`` and
``add_*`` functions below keep the signatures those packages call, built on the factories.
Organisations and activities are fictional: no real organisation is described here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory
from wagtail.documents import get_document_model

from opencoop.activities.models import (
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
from opencoop.editorial.models import EditorialMembership
from opencoop.exchanges.models import Exchange
from opencoop.imports.reader import Row
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan, PlanDocument

PASSWORD = "x-long-password-1"
REPORTING_ORG_IDENTIFIER = "IT-CF-80000000001"
PARTNER_IDENTIFIER = "BF-RCCM-BFOUA2019B1234"
PARTNER_NAME = {"it": "Cooperativa Wend-Panga", "en": "Wend-Panga Cooperative"}
SECRET_PARTNER_NAME = {"it": "Associazione Riservata", "en": "Confidential Association"}
TITLE = {
    "it": "Acqua e cooperative a Ouagadougou e Niamey",
    "en": "Water and cooperatives in Ouagadougou and Niamey",
    "fr": "Eau et coopératives à Ouagadougou et Niamey",
}
DESCRIPTION = {
    "it": "Pozzi e formazione per cooperative di donne.",
    "en": "Wells and training for women's cooperatives.",
    "fr": "Puits et formation pour des coopératives de femmes.",
}
OBJECTIVES = {"it": "Accesso all'acqua potabile.", "en": "Access to drinking water."}
TARGET_GROUPS = {"it": "Cooperative di donne.", "en": "Women's cooperatives."}


class Factory(DjangoModelFactory):
    """Base of the factories here: numbers start at 1, as people count."""

    class Meta:
        abstract = True
        # Post-generation hooks save what they change themselves.
        skip_postgeneration_save = True

    @classmethod
    def _setup_next_sequence(cls) -> int:
        return 1


# Organisations ----------------------------------------------------------------------------------


class OrganisationFactory(Factory):
    """A partner organisation abroad, with an IATI identifier."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: {"it": f"Organizzazione {n}", "en": f"Organisation {n}"})
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    identifier = factory.Sequence(lambda n: f"XM-DAC-{90000 + n}")
    type = "22"
    country = "BF"


class ReportingOrgFactory(OrganisationFactory):
    """The municipality that reports its own activities (one per test: its identifier is fixed)."""

    name = {"it": "Comune di Prova", "en": "Municipality of Prova"}
    identifier = REPORTING_ORG_IDENTIFIER
    type = "11"
    country = "IT"
    is_reporting = True


class AssociationFactory(OrganisationFactory):
    """An Italian association, partner of activities."""

    name = factory.Sequence(
        lambda n: {"it": f"Associazione di prova {n}", "en": f"Test association {n}"}
    )
    slug = factory.Sequence(lambda n: f"test-association-{n}")
    identifier = factory.Sequence(lambda n: f"XM-OCCAT-{n}")
    country = "IT"


class MunicipalityFactory(AssociationFactory):
    """A numbered reporting municipality, for tests that need several (it has no section page)."""

    name = factory.Sequence(
        lambda n: {"it": f"Comune di Prova {n}", "en": f"Municipality of Prova {n}"}
    )
    slug = factory.Sequence(lambda n: f"comune-di-prova-{n}")
    identifier = factory.Sequence(lambda n: f"IT-CF-8{n:010d}")
    type = "11"
    is_reporting = True


class AuthorityFactory(OrganisationFactory):
    """A numbered reporting authority whose figures the statistics tests know in advance."""

    name = factory.Sequence(lambda n: {"it": f"Ente di prova {n}", "en": f"Test authority {n}"})
    slug = factory.Sequence(lambda n: f"test-authority-{n}")
    identifier = factory.Sequence(lambda n: f"XI-EXAMPLE-TEST-{n}")
    type = "11"
    country = "IT"
    is_reporting = True


# Activities and their parts ---------------------------------------------------------------------


class BareActivityFactory(Factory):
    """An activity with a title and nothing else: the figures tests add exactly what they count.

    ``suffix`` ends the IATI identifier (after the reporting organisation's).
    """

    class Meta:
        model = Activity

    class Params:
        suffix = factory.Sequence(str)

    reporting_org = factory.SubFactory(AuthorityFactory)
    iati_identifier = factory.LazyAttribute(lambda o: f"{o.reporting_org.identifier}-{o.suffix}")
    slug = factory.Sequence(lambda n: f"activity-{n}")
    title = factory.Sequence(lambda n: {"it": f"Attività {n}", "en": f"Activity {n}"})
    default_currency = "EUR"
    live = True


class ActivityFactory(BareActivityFactory):
    """A public activity with what IATI requires: title, description, status, dates and the
    reporting organisation as funder."""

    class Params:
        suffix = factory.Sequence(lambda n: f"P{n}")

    reporting_org = factory.SubFactory(ReportingOrgFactory)
    slug = factory.LazyAttribute(lambda o: o.suffix.lower())
    title = factory.LazyAttribute(
        lambda o: {"it": f"Progetto {o.suffix}", "en": f"Project {o.suffix}"}
    )
    description = factory.LazyAttribute(
        lambda o: {"it": f"Descrizione {o.suffix}.", "en": f"Description {o.suffix}."}
    )
    status = "2"
    planned_start = datetime.date(2024, 1, 1)
    planned_end = datetime.date(2025, 12, 31)
    funder = factory.RelatedFactory(
        "tests.factories.ParticipatingOrgFactory",
        factory_related_name="activity",
        organisation=factory.SelfAttribute("..reporting_org"),
        role="1",
    )


class PublishedActivityFactory(BareActivityFactory):
    """An activity saved as an editor saves it: validated with its parts (pass them as lists of
    unsaved rows, e.g. ``sectors=[Sector(...)]``), then published through a revision.

    ``publish=False`` leaves it a draft that was never live.
    """

    class Params:
        suffix = factory.Sequence(lambda n: f"CAT{n}")

    reporting_org = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"catalogue-test-{n}")
    title = factory.Sequence(lambda n: {"it": f"Progetto di prova {n}", "en": f"Test project {n}"})

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Activity:
        activity = model_class(*args, **kwargs)
        activity.full_clean()
        activity.save()
        return activity

    @factory.post_generation
    def publish(activity, create: bool, extracted: bool | None, **kwargs) -> None:
        if not create:
            return
        if extracted is False:
            Activity.objects.filter(pk=activity.pk).update(live=False)
            activity.refresh_from_db()
        else:
            activity.save_revision().publish()


class ActivityPartFactory(Factory):
    class Meta:
        abstract = True

    activity = factory.SubFactory(ActivityFactory)


class ParticipatingOrgFactory(ActivityPartFactory):
    """A partner implementing the activity."""

    class Meta:
        model = ParticipatingOrg

    organisation = factory.SubFactory(OrganisationFactory)
    role = "4"


class RecipientCountryFactory(ActivityPartFactory):
    class Meta:
        model = RecipientCountry

    code = "BF"


class RecipientRegionFactory(ActivityPartFactory):
    class Meta:
        model = RecipientRegion

    code = "589"


class LocationFactory(ActivityPartFactory):
    class Meta:
        model = Location

    name = {"it": "Ouagadougou", "en": "Ouagadougou"}
    country = "BF"
    latitude = Decimal("12.371400")
    longitude = Decimal("-1.519700")


class SectorFactory(ActivityPartFactory):
    class Meta:
        model = Sector

    vocabulary = "1"
    code = "14030"


class SdgTagFactory(ActivityPartFactory):
    class Meta:
        model = SdgTag

    vocabulary = "2"
    code = "6"


class PolicyMarkerFactory(ActivityPartFactory):
    class Meta:
        model = PolicyMarker

    code = "1"
    significance = "1"


class BudgetFactory(ActivityPartFactory):
    """An original budget for one calendar year (``year``)."""

    class Meta:
        model = Budget

    class Params:
        year = 2024

    type = "1"
    period_start = factory.LazyAttribute(lambda o: datetime.date(o.year, 1, 1))
    period_end = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 31))
    value = Decimal("50000.00")


class TransactionFactory(ActivityPartFactory):
    """A disbursement."""

    class Meta:
        model = Transaction

    type = "3"
    date = datetime.date(2024, 3, 1)
    value = Decimal("30000.00")


class DocumentLinkFactory(ActivityPartFactory):
    class Meta:
        model = DocumentLink

    title = {"it": "Documento di progetto", "en": "Project document"}
    category = "A02"


class ResultFactory(ActivityPartFactory):
    class Meta:
        model = Result

    type = "1"
    title = {"it": "Pozzi costruiti", "en": "Wells built"}


class ResultIndicatorFactory(Factory):
    class Meta:
        model = ResultIndicator

    result = factory.SubFactory(ResultFactory)
    title = {"it": "Numero di pozzi", "en": "Number of wells"}
    measure = "1"


class IndicatorPeriodFactory(Factory):
    class Meta:
        model = IndicatorPeriod

    indicator = factory.SubFactory(ResultIndicatorFactory)
    period_start = datetime.date(2024, 1, 1)
    period_end = datetime.date(2024, 12, 31)


def make_result(
    activity: Activity,
    *,
    indicator: dict,
    period: dict | None = None,
    **fields,
) -> Result:
    """Create a result with one indicator (``indicator``: its fields) and, if given, one period."""
    result = ResultFactory(activity=activity, **fields)
    row = ResultIndicatorFactory(result=result, **indicator)
    if period is not None:
        IndicatorPeriodFactory(indicator=row, **period)
    return result


class BeneficiariesFactory(ActivityPartFactory):
    class Meta:
        model = Beneficiaries

    group = {"it": "Socie delle cooperative", "en": "Cooperative members"}


# The other records ------------------------------------------------------------------------------


class AnnualPlanFactory(Factory):
    """An annual plan, its slug the year."""

    class Meta:
        model = AnnualPlan

    reporting_org = factory.SubFactory(ReportingOrgFactory)
    year = 2024
    title = factory.LazyAttribute(lambda o: {"it": f"Piano {o.year}", "en": f"Plan {o.year}"})
    slug = factory.LazyAttribute(lambda o: str(o.year))


class PlanDocumentFactory(Factory):
    class Meta:
        model = PlanDocument

    plan = factory.SubFactory(AnnualPlanFactory)
    title = {"it": "Delibera", "en": "Resolution"}
    category = "B02"


class InitiativeFactory(Factory):
    class Meta:
        model = Initiative

    reporting_org = factory.SubFactory(ReportingOrgFactory)
    slug = factory.Sequence(lambda n: f"initiative-{n}")
    title = factory.Sequence(lambda n: {"it": f"Iniziativa {n}", "en": f"Initiative {n}"})


class ExchangeFactory(Factory):
    class Meta:
        model = Exchange

    reporting_org = factory.SubFactory(ReportingOrgFactory)
    slug = factory.Sequence(lambda n: f"exchange-{n}")
    title = factory.Sequence(lambda n: {"it": f"Scambio {n}", "en": f"Exchange {n}"})


class PartnershipFactory(Factory):
    class Meta:
        model = Partnership

    reporting_org = factory.SubFactory(ReportingOrgFactory)
    partner = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"partnership-{n}")
    title = factory.Sequence(lambda n: {"it": f"Gemellaggio {n}", "en": f"Partnership {n}"})


class DocumentFactory(Factory):
    """A PDF in Wagtail's document library."""

    class Meta:
        model = get_document_model()

    title = "document.pdf"
    file = factory.django.FileField(filename="document.pdf", data=b"%PDF-1.4\n% test\n")


# People -----------------------------------------------------------------------------------------


class UserFactory(Factory):
    """A user who signs in with ``PASSWORD``; ``roles`` are group names, ``organisation`` the
    reporting authority the user works for (``relation``)."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(user, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            user.groups.add(*Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def organisation(
        user, create: bool, extracted, relation: str = EditorialMembership.STAFF, **kwargs
    ) -> None:
        if create and extracted is not None:
            EditorialMembershipFactory(user=user, organisation=extracted, relation=relation)


class EditorialMembershipFactory(Factory):
    class Meta:
        model = EditorialMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ReportingOrgFactory)


# The helpers the test packages call -------------------------------------------------------------


def make_organisation(**fields) -> Organisation:
    """Create an organisation; ``fields`` override the defaults."""
    return OrganisationFactory(**fields)


def make_reporting_org(**fields) -> Organisation:
    """Create a municipality that reports its own activities."""
    return ReportingOrgFactory(**fields)


def make_association(**fields) -> Organisation:
    """Create an Italian association; ``fields`` override the defaults."""
    return AssociationFactory(**fields)


def make_municipality(**fields) -> Organisation:
    """Create a numbered municipality that reports activities (it has no section page)."""
    return MunicipalityFactory(**fields)


def make_authority(**fields) -> Organisation:
    """Create a numbered reporting authority."""
    return AuthorityFactory(**fields)


def make_activity(reporting_org: Organisation, suffix: str | None = None, **fields) -> Activity:
    """Create a public activity with what IATI requires: title, description, status, a date and
    the reporting organisation as funder."""
    if suffix:
        fields["suffix"] = suffix
    return ActivityFactory(reporting_org=reporting_org, **fields)


def make_published_activity(
    reporting_org: Organisation,
    *,
    title: dict | None = None,
    description: dict | None = None,
    countries: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    sdgs: tuple[str, ...] = (),
    sdg_targets: tuple[str, ...] = (),
    markers: tuple[tuple[str, str], ...] = (),
    partners: tuple[tuple[Organisation, bool], ...] = (),
    status: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    partnership=None,
    embargo_until: datetime.date | None = None,
    publish: bool = True,
) -> Activity:
    """Create an activity with its parts and publish it through a revision, as editors do.

    ``partners`` are (organisation, hidden) pairs; ``markers`` (code, significance) pairs.
    """
    fields = {"title": title} if title else {}
    return PublishedActivityFactory(
        reporting_org=reporting_org,
        description=description or {},
        status=status,
        planned_start=start,
        planned_end=end,
        partnership=partnership,
        embargo_until=embargo_until,
        recipient_countries=[RecipientCountry(code=code, percentage=None) for code in countries],
        sectors=[Sector(vocabulary="1", code=code) for code in sectors],
        sdg_tags=[SdgTag(vocabulary="2", code=code) for code in sdgs]
        + [SdgTag(vocabulary="3", code=code) for code in sdg_targets],
        policy_markers=[
            PolicyMarker(code=code, significance=significance) for code, significance in markers
        ],
        participating_orgs=[ParticipatingOrg(organisation=reporting_org, role="1")]
        + [
            ParticipatingOrg(organisation=org, role="4", hide_name=hidden)
            for org, hidden in partners
        ],
        publish=publish,
        **fields,
    )


def make_bare_activity(
    authority: Organisation,
    *,
    countries: dict[str, int | None] | None = None,
    currency: str = "EUR",
    transactions: list[tuple[str, str, str]] = (),
    live: bool = True,
    **fields,
) -> Activity:
    """Create an activity with only a title, its countries (code → percentage) and
    ``transactions`` (type, ISO date, amount)."""
    activity = BareActivityFactory(
        reporting_org=authority, default_currency=currency, live=live, **fields
    )
    for code, percentage in (countries or {}).items():
        RecipientCountryFactory(
            activity=activity,
            code=code,
            percentage=Decimal(percentage) if percentage is not None else None,
        )
    for kind, day, amount in transactions:
        TransactionFactory(
            activity=activity,
            type=kind,
            date=datetime.date.fromisoformat(day),
            value=Decimal(amount),
        )
    return activity


def add_budget(activity: Activity, year: int, amount: str, kind: str = "1") -> Budget:
    return BudgetFactory(activity=activity, type=kind, year=year, value=Decimal(amount))


def add_location(activity: Activity, name: str, latitude: str, longitude: str, country: str):
    return LocationFactory(
        activity=activity,
        name={"it": name, "en": name},
        country=country,
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
    )


def add_partner(activity: Activity, org_type: str, hide_name: bool = False) -> ParticipatingOrg:
    """Add a partner of ``org_type`` known by name only (no identifier, no country)."""
    return ParticipatingOrgFactory(
        activity=activity,
        organisation__name=factory.Sequence(lambda n: {"it": f"Partner {n}", "en": f"Partner {n}"}),
        organisation__slug=factory.Sequence(lambda n: f"test-partner-{n}"),
        organisation__identifier="",
        organisation__country="",
        organisation__type=org_type,
        hide_name=hide_name,
    )


def add_sector(activity: Activity, code: str, percentage: int | None = None) -> Sector:
    return SectorFactory(
        activity=activity,
        code=code,
        percentage=Decimal(percentage) if percentage is not None else None,
    )


def make_document(filename: str):
    """Create a file in Wagtail's document library."""
    return DocumentFactory(title=filename, file__filename=filename)


def make_plan(reporting_org: Organisation, year: int, **fields) -> AnnualPlan:
    """Create a published annual plan."""
    return AnnualPlanFactory(reporting_org=reporting_org, year=year, **fields)


def add_plan_document(plan: AnnualPlan, **fields) -> PlanDocument:
    return PlanDocumentFactory(plan=plan, **fields)


def make_user(
    username: str, *roles: str, organisation=None, relation: str = EditorialMembership.STAFF
):
    """Create a user in ``roles`` (group names) working for ``organisation``."""
    return UserFactory(
        username=username, roles=roles, organisation=organisation, organisation__relation=relation
    )


def make_full_activity(
    reporting_org: Organisation, partner: Organisation | None = None, suffix: str = "FULL"
) -> Activity:
    """Create an activity with every optional part filled, a parent programme and a child."""
    partner = partner or make_organisation(
        name=PARTNER_NAME, identifier=PARTNER_IDENTIFIER, type="22", country="BF"
    )
    parent = make_activity(reporting_org, f"{suffix}-PROGRAMME")
    activity = make_activity(
        reporting_org,
        suffix,
        title=TITLE,
        description=DESCRIPTION,
        objectives=OBJECTIVES,
        target_groups=TARGET_GROUPS,
        status="2",
        planned_start=datetime.date(2024, 1, 1),
        actual_start=datetime.date(2024, 2, 1),
        planned_end=datetime.date(2025, 12, 31),
        actual_end=datetime.date(2025, 12, 15),
        default_currency="EUR",
        collaboration_type="1",
        default_flow_type="10",
        default_finance_type="110",
        default_aid_type="C01",
        default_tied_status="5",
        parent=parent,
        contact_organisation={"it": "Ufficio Cooperazione", "en": "Cooperation Office"},
        contact_person="Anna Rossi",
        contact_email="cooperazione@example.org",
        contact_telephone="+39 055 000000",
        contact_website="https://example.org/cooperazione",
    )
    child = make_activity(reporting_org, f"{suffix}-CHILD", parent=activity)
    ParticipatingOrgFactory(activity=activity, organisation=partner)
    # The partner's own code for the project (OtherIdentifierType A9: another identifier).
    OtherIdentifier.objects.create(
        activity=activity,
        ref="WP-2024-07",
        type="A9",
        owner_ref=PARTNER_IDENTIFIER,
        owner_name=PARTNER_NAME,
    )
    RecipientCountryFactory(activity=activity, code="BF", percentage=Decimal("60"))
    RecipientCountryFactory(activity=activity, code="NE", percentage=Decimal("40"))
    # A UN M49 region (vocabulary 2): its percentages add up apart from the countries'.
    RecipientRegionFactory(activity=activity, vocabulary="2", code="011")
    LocationFactory(
        activity=activity,
        description={"it": "Quartiere di Tanghin", "en": "Tanghin district"},
        exactness="1",
        reach="1",
    )
    LocationFactory(
        activity=activity,
        name={"it": "Niamey", "en": "Niamey", "fr": "Niamey"},
        country="NE",
        latitude=Decimal("13.511600"),
        longitude=Decimal("2.125400"),
        exactness="2",
        reach="2",
    )
    # A place without a name, identified by a gazetteer entry and an administrative area.
    Location.objects.create(
        activity=activity,
        name={},
        country="BF",
        location_ids=[{"vocabulary": "G1", "code": "2357048"}],
        administrative=[{"vocabulary": "G1", "level": "1", "code": "2597261"}],
        exactness="1",
        reach="1",
        location_class="2",
        feature_designation="PPL",
    )
    SectorFactory(activity=activity, code="14030", percentage=60)
    SectorFactory(activity=activity, code="32161", percentage=40)
    SectorFactory(activity=activity, vocabulary="2", code="140", percentage=100)
    SdgTagFactory(activity=activity)
    SdgTagFactory(activity=activity, vocabulary="3", code="6.1")
    PolicyMarkerFactory(activity=activity)
    BudgetFactory(activity=activity, status="2")
    BudgetFactory(
        activity=activity,
        status="1",
        year=2025,
        value=Decimal("40000.00"),
        currency="EUR",
        value_date=datetime.date(2025, 2, 1),
    )
    PlannedDisbursement.objects.create(
        activity=activity,
        type="1",
        period_start=datetime.date(2024, 4, 1),
        period_end=datetime.date(2024, 6, 30),
        value=Decimal("25000.00"),
        currency="EUR",
        value_date=datetime.date(2024, 4, 15),
        provider_org=reporting_org,
        receiver_org=partner,
        receiver_activity_id=f"{PARTNER_IDENTIFIER}-WELLS",
    )
    TransactionFactory(
        activity=activity,
        type="2",
        date=datetime.date(2024, 2, 15),
        value=Decimal("90000.00"),
        provider_org=reporting_org,
        receiver_org=partner,
        receiver_activity_id=f"{PARTNER_IDENTIFIER}-WELLS",
        disbursement_channel="1",
        sectors=[{"vocabulary": "1", "code": "14030"}],
        recipient_country="BF",
        flow_type="10",
        finance_type="110",
        aid_types=[{"code": "C01"}, {"vocabulary": "2", "code": "1"}],
        tied_status="5",
    )
    TransactionFactory(
        activity=activity,
        currency="EUR",
        value_date=datetime.date(2024, 3, 1),
        description={"it": "Prima rata", "en": "First instalment"},
        provider_org=reporting_org,
        receiver_org=partner,
        recipient_region="289",
        recipient_region_vocabulary="1",
    )
    DocumentLinkFactory(
        activity=activity,
        url="https://example.org/docs/project.pdf",
        language="it",
        date=datetime.date(2024, 1, 15),
    )
    DocumentLinkFactory(
        activity=activity,
        title={"it": "Rapporto", "en": "Report"},
        document=make_document("report.pdf"),
        category="A07",
        language="en",
    )
    DocumentLinkFactory(
        activity=activity, title={"it": "Solo titolo", "en": "Title only"}, category="A01"
    )
    make_result(
        activity,
        indicator={
            "title": {"it": "Numero di pozzi", "en": "Number of wells"},
            "measure": "1",
            "ascending": True,
            "baseline_year": 2023,
            "baseline_value": Decimal("2"),
        },
        period={
            "period_start": datetime.date(2024, 1, 1),
            "period_end": datetime.date(2024, 12, 31),
            "target_value": Decimal("12"),
            "actual_value": Decimal("10"),
        },
    )
    BeneficiariesFactory(activity=activity, year=2024, total=120, women=70, men=50)
    # Every relation the activity states: its parent and child (linked on the portal too) and
    # an activity published elsewhere.
    for ref, kind in (
        (parent.iati_identifier, "1"),
        (child.iati_identifier, "2"),
        (f"{PARTNER_IDENTIFIER}-WELLS", "3"),
    ):
        RelatedActivity.objects.create(activity=activity, ref=ref, type=kind)
    return activity


# An extension of a publisher's own namespace and a CRS addition, as a file gives them.
KEPT_XML = (
    '<ext:office xmlns:ext="https://example.org/iati-extension" code="FI-3">'
    "<ext:note>Sede di Firenze</ext:note></ext:office>"
)
TRANSACTION_KEPT_XML = '<ext:account xmlns:ext="https://example.org/iati-extension" code="7"/>'


def add_every_iati_element(activity: Activity) -> Activity:
    """Fill the IATI elements ``make_full_activity`` leaves out (its files stay as they were):
    scope, humanitarian scope, country budget items, capital spend, conditions, the rest of the
    contact, date notes, narratives and vocabulary addresses, aid types and tags of other
    vocabularies, extensions."""
    Activity.objects.filter(pk=activity.pk).update(
        scope="4",
        capital_spend=Decimal("12.5"),
        country_budget_vocabulary="1",
        conditions_attached=True,
        default_aid_type_vocabulary="1",
        other_default_aid_types=[{"code": "1", "vocabulary": "4"}],
        other_tags=[
            {
                "vocabulary": "99",
                "vocabulary-uri": "https://example.org/tags",
                "code": "WATER-7",
                "narrative": {"en": "Water points"},
            }
        ],
        contact_type="1",
        contact_department={"it": "Ufficio Pace", "en": "Peace Office"},
        contact_job_title={"it": "Responsabile", "en": "Head of office"},
        contact_mailing_address={"it": "Piazza della Signoria 1, Firenze"},
        planned_start_note={"en": "Agreed with the partner"},
        kept_xml=KEPT_XML,
    )
    HumanitarianScope.objects.create(
        activity=activity,
        type="1",
        vocabulary="1-2",
        code="EQ-2015-000048-NPL",
        narrative={"en": "Nepal earthquake, April 2015"},
    )
    CountryBudgetItem.objects.create(
        activity=activity,
        code="1.1.1",
        percentage=Decimal("100"),
        description={"en": "Executive, legislative"},
    )
    Condition.objects.create(
        activity=activity, type="1", text={"it": "Un piano annuale", "en": "A yearly plan"}
    )
    activity.sectors.filter(vocabulary="1").update(
        vocabulary_uri="https://example.org/sectors", narrative={"en": "As the donor names it"}
    )
    activity.recipient_countries.update(narrative={"fr": "Nom du pays"})
    first = activity.transactions.order_by("sort_order", "pk").first()
    Transaction.objects.filter(pk=first.pk).update(
        ref="TX-1",
        humanitarian=False,
        kept_xml=TRANSACTION_KEPT_XML,
        sectors=[{"vocabulary": "1", "code": "14030", "narrative": {"en": "Water"}}],
    )
    activity.documents.exclude(url="").update(
        description={"en": "What the document says"}, more_categories=["A02", "A07"]
    )
    return Activity.objects.get(pk=activity.pk)


def make_dataset(reporting_org: Organisation) -> list[Activity]:
    """Create a small data set with every optional part filled, for round trips.

    Two full activities (each with its parent programme and a child), an activity whose partner
    and places are hidden, people reached counted over the activity's own dates, OECD DAC
    regions and a result without values.
    """
    partner = make_organisation(
        name=PARTNER_NAME, identifier=PARTNER_IDENTIFIER, type="22", country="BF"
    )
    first = make_full_activity(reporting_org, partner, suffix="FULL")
    second = make_full_activity(reporting_org, partner, suffix="OTHER")
    hidden_partner = make_organisation(
        name=SECRET_PARTNER_NAME, identifier="XM-DAC-98765", type="22", country="IQ"
    )
    sensitive = make_activity(
        reporting_org,
        "SENSITIVE",
        hide_exact_locations=True,
        default_flow_type="10",
        objectives={"en": "Objectives only in English."},
    )
    ParticipatingOrgFactory(activity=sensitive, organisation=hidden_partner, hide_name=True)
    RecipientCountryFactory(activity=sensitive, code="IQ", percentage=Decimal("70"))
    RecipientRegionFactory(activity=sensitive, percentage=Decimal("30"))
    LocationFactory(
        activity=sensitive,
        name={"it": "Quartiere riservato", "en": "Confidential district"},
        country="IQ",
        latitude=Decimal("33.3"),
        longitude=Decimal("44.4"),
    )
    TransactionFactory(
        activity=sensitive,
        date=datetime.date(2024, 6, 1),
        value=Decimal("15000.00"),
        currency="USD",
        value_date=datetime.date(2024, 6, 3),
        provider_org=reporting_org,
        receiver_org=hidden_partner,
    )
    BeneficiariesFactory(
        activity=sensitive, group={"en": "Students", "it": "Studenti"}, total=40, women=25
    )
    make_result(
        sensitive,
        type="2",
        title={"en": "Library reopened"},
        indicator={"title": {"en": "Reading rooms open"}, "measure": "5", "ascending": False},
    )
    return [first, second, sensitive]


def spreadsheet_projects(count: int, **cells) -> list[Row]:
    """Return the rows of a spreadsheet of ``count`` new projects (fictional): activities on rows
    2…, one budget row each; ``cells`` overrides cells of every activity row."""
    rows = []
    for number in range(2, count + 2):
        code = f"P{number:04d}"
        rows.append(
            Row(
                "activities",
                number,
                {
                    "project_code": code,
                    "title_it": f"Progetto {number}",
                    "title_en": f"Project {number}",
                    "description_it": "Descrizione.",
                    "description_en": "Description.",
                    "status": "2",
                    "planned_start": "2025-01-01",
                    "planned_end": "2026-12-31",
                    "recipient_countries": "BF",
                    "sectors": "11120",
                    "sdgs": "4",
                    **cells,
                },
            )
        )
        rows.append(
            Row(
                "budgets",
                number,
                {
                    "project_code": code,
                    "period_start": "2025-01-01",
                    "period_end": "2025-12-31",
                    "amount": "1000",
                    "currency": "EUR",
                },
            )
        )
    return rows
