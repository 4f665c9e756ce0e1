"""Build organisations and activities for the open data tests."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from opencoop.activities.models import (
    Activity,
    Beneficiaries,
    Budget,
    DocumentLink,
    Location,
    ParticipatingOrg,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    Result,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanDocument

_numbers = itertools.count(1)

REPORTING_ORG_IDENTIFIER = "IT-CF-80000000001"
PARTNER_IDENTIFIER = "BF-RCCM-BFOUA2019B1234"
PARTNER_NAME = {"it": "Cooperativa Wend-Panga", "en": "Wend-Panga Cooperative"}
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


def make_organisation(**fields) -> Organisation:
    """Create an organisation; ``fields`` override the defaults."""
    number = next(_numbers)
    values = {
        "name": {"it": f"Organizzazione {number}", "en": f"Organisation {number}"},
        "slug": f"organisation-{number}",
        "identifier": f"XM-DAC-{90000 + number}",
        "type": "22",
        "country": "BF",
    }
    values.update(fields)
    return Organisation.objects.create(**values)


def make_reporting_org(**fields) -> Organisation:
    """Create a municipality that reports its own activities."""
    values = {
        "name": {"it": "Comune di Prova", "en": "Municipality of Prova"},
        "identifier": REPORTING_ORG_IDENTIFIER,
        "type": "11",
        "country": "IT",
        "is_reporting": True,
    }
    values.update(fields)
    return make_organisation(**values)


def make_activity(reporting_org: Organisation, suffix: str | None = None, **fields) -> Activity:
    """Create a public activity with what IATI requires: title, description, status, a date and
    the reporting organisation as funder."""
    suffix = suffix or f"P{next(_numbers)}"
    values = {
        "reporting_org": reporting_org,
        "iati_identifier": f"{reporting_org.identifier}-{suffix}",
        "slug": suffix.lower(),
        "title": {"it": f"Progetto {suffix}", "en": f"Project {suffix}"},
        "description": {"it": f"Descrizione {suffix}.", "en": f"Description {suffix}."},
        "status": "2",
        "planned_start": datetime.date(2024, 1, 1),
        "planned_end": datetime.date(2025, 12, 31),
    }
    values.update(fields)
    activity = Activity.objects.create(**values)
    ParticipatingOrg.objects.create(activity=activity, organisation=reporting_org, role="1")
    return activity


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
    make_activity(reporting_org, f"{suffix}-CHILD", parent=activity)
    ParticipatingOrg.objects.create(activity=activity, organisation=partner, role="4")
    RecipientCountry.objects.create(activity=activity, code="BF", percentage=Decimal("60"))
    RecipientCountry.objects.create(activity=activity, code="NE", percentage=Decimal("40"))
    # A UN M49 region (vocabulary 2): its percentages add up apart from the countries'.
    RecipientRegion.objects.create(activity=activity, vocabulary="2", code="011")
    Location.objects.create(
        activity=activity,
        name={"it": "Ouagadougou", "en": "Ouagadougou"},
        description={"it": "Quartiere di Tanghin", "en": "Tanghin district"},
        country="BF",
        latitude=Decimal("12.371400"),
        longitude=Decimal("-1.519700"),
        exactness="1",
        reach="1",
    )
    Location.objects.create(
        activity=activity,
        name={"it": "Niamey", "en": "Niamey", "fr": "Niamey"},
        country="NE",
        latitude=Decimal("13.511600"),
        longitude=Decimal("2.125400"),
        exactness="2",
        reach="2",
    )
    Sector.objects.create(activity=activity, vocabulary="1", code="14030", percentage=60)
    Sector.objects.create(activity=activity, vocabulary="1", code="32161", percentage=40)
    Sector.objects.create(activity=activity, vocabulary="2", code="140", percentage=100)
    SdgTag.objects.create(activity=activity, vocabulary="2", code="6")
    SdgTag.objects.create(activity=activity, vocabulary="3", code="6.1")
    PolicyMarker.objects.create(activity=activity, code="1", significance="1")
    Budget.objects.create(
        activity=activity,
        type="1",
        status="2",
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        value=Decimal("50000.00"),
    )
    Budget.objects.create(
        activity=activity,
        type="1",
        status="1",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        value=Decimal("40000.00"),
        currency="EUR",
        value_date=datetime.date(2025, 2, 1),
    )
    Transaction.objects.create(
        activity=activity,
        type="2",
        date=datetime.date(2024, 2, 15),
        value=Decimal("90000.00"),
        provider_org=reporting_org,
        receiver_org=partner,
    )
    Transaction.objects.create(
        activity=activity,
        type="3",
        date=datetime.date(2024, 3, 1),
        value=Decimal("30000.00"),
        currency="EUR",
        value_date=datetime.date(2024, 3, 1),
        description={"it": "Prima rata", "en": "First instalment"},
        provider_org=reporting_org,
        receiver_org=partner,
    )
    DocumentLink.objects.create(
        activity=activity,
        title={"it": "Documento di progetto", "en": "Project document"},
        url="https://example.org/docs/project.pdf",
        category="A02",
        language="it",
        date=datetime.date(2024, 1, 15),
    )
    DocumentLink.objects.create(
        activity=activity,
        title={"it": "Rapporto", "en": "Report"},
        document=make_document("report.pdf"),
        category="A07",
        language="en",
    )
    DocumentLink.objects.create(
        activity=activity, title={"it": "Solo titolo", "en": "Title only"}, category="A01"
    )
    Result.objects.create(
        activity=activity,
        type="1",
        title={"it": "Pozzi costruiti", "en": "Wells built"},
        indicator={"it": "Numero di pozzi", "en": "Number of wells"},
        measure="1",
        ascending=True,
        baseline_year=2023,
        baseline_value=Decimal("2"),
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        target_value=Decimal("12"),
        actual_value=Decimal("10"),
    )
    Beneficiaries.objects.create(
        activity=activity,
        group={"it": "Socie delle cooperative", "en": "Cooperative members"},
        year=2024,
        total=120,
        women=70,
        men=50,
    )
    return activity


def make_document(filename: str):
    """Create a file in Wagtail's document library."""
    document_model = get_document_model()
    document = document_model(title=filename)
    document.file.save(filename, ContentFile(b"%PDF-1.4\n% test\n"), save=False)
    document.save()
    return document


def make_plan(reporting_org: Organisation, year: int, **fields) -> AnnualPlan:
    """Create a published annual plan."""
    values = {
        "reporting_org": reporting_org,
        "year": year,
        "title": {"it": f"Piano {year}", "en": f"Plan {year}"},
        "slug": str(year),
    }
    values.update(fields)
    return AnnualPlan.objects.create(**values)


def add_plan_document(plan: AnnualPlan, **fields) -> PlanDocument:
    values = {"plan": plan, "title": {"it": "Delibera", "en": "Resolution"}, "category": "B02"}
    values.update(fields)
    return PlanDocument.objects.create(**values)


SECRET_PARTNER_NAME = {"it": "Associazione Riservata", "en": "Confidential Association"}


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
    ParticipatingOrg.objects.create(
        activity=sensitive, organisation=hidden_partner, role="4", hide_name=True
    )
    RecipientCountry.objects.create(activity=sensitive, code="IQ", percentage=Decimal("70"))
    RecipientRegion.objects.create(activity=sensitive, code="589", percentage=Decimal("30"))
    Location.objects.create(
        activity=sensitive,
        name={"it": "Quartiere riservato", "en": "Confidential district"},
        country="IQ",
        latitude=Decimal("33.3"),
        longitude=Decimal("44.4"),
    )
    Transaction.objects.create(
        activity=sensitive,
        type="3",
        date=datetime.date(2024, 6, 1),
        value=Decimal("15000.00"),
        currency="USD",
        value_date=datetime.date(2024, 6, 3),
        provider_org=reporting_org,
        receiver_org=hidden_partner,
    )
    Beneficiaries.objects.create(
        activity=sensitive, group={"en": "Students", "it": "Studenti"}, total=40, women=25
    )
    Result.objects.create(
        activity=sensitive,
        type="2",
        title={"en": "Library reopened"},
        indicator={"en": "Reading rooms open"},
        measure="5",
        ascending=False,
    )
    return [first, second, sensitive]
