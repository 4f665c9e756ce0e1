"""Tests of the IATI organisation file."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from opencoop.activities.models import Budget, RecipientCountry, RecipientRegion
from opencoop.demo.loader import load_demo
from opencoop.iati.export import iter_organisation_xml
from opencoop.organisations.models import Organisation
from tests.factories import (
    REPORTING_ORG_IDENTIFIER,
    add_plan_document,
    make_activity,
    make_document,
    make_plan,
)
from tests.opendata.conftest import parse, schema_errors

pytestmark = pytest.mark.django_db


def organisation_xml(organisation) -> bytes:
    return b"".join(iter_organisation_xml(organisation, base_url="https://portal.example.org/"))


def add_budget(activity, year: int, value: str, **fields) -> Budget:
    return Budget.objects.create(
        activity=activity,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
        value=Decimal(value),
        **fields,
    )


def test_demo_organisation_file_validates():
    load_demo()
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    data = organisation_xml(florence)
    assert schema_errors(data, "organisations") == []
    root = parse(data).xpath("iati-organisation")[0]
    assert root.xpath("name/narrative[@xml:lang='it']/text()") == ["Comune di Firenze"]
    assert root.xpath("reporting-org/@ref") == ["IT-CF-01307110484"]
    # The demo's plans state no totals and their documents have neither file nor address.
    assert root.xpath("total-budget | document-link") == []


def test_identity_and_total_budgets_per_plan_year(reporting_org):
    make_plan(reporting_org, 2023, planned_total=Decimal("150000.00"))
    make_plan(reporting_org, 2024)  # no total: no total-budget
    make_plan(reporting_org, 2025, planned_total=Decimal("99.00"), live=False)  # unpublished

    data = organisation_xml(reporting_org)

    assert schema_errors(data, "organisations") == []
    root = parse(data)
    assert root.get("version") == "2.03"
    organisation = root.xpath("iati-organisation")[0]
    assert organisation.xpath("organisation-identifier/text()") == [REPORTING_ORG_IDENTIFIER]
    assert organisation.xpath("name/narrative/@xml:lang") == ["it", "en"]
    assert organisation.xpath("reporting-org/@type") == ["11"]
    [total] = organisation.xpath("total-budget")
    assert total.xpath("period-start/@iso-date") == ["2023-01-01"]
    assert total.xpath("period-end/@iso-date") == ["2023-12-31"]
    assert total.xpath("value/text()") == ["150000"]
    assert total.xpath("value/@currency") == ["EUR"]
    assert total.xpath("value/@value-date") == ["2023-01-01"]


def test_recipient_country_budgets_add_up_activity_budgets(reporting_org):
    single = make_activity(reporting_org, "SINGLE")
    RecipientCountry.objects.create(activity=single, code="BF")
    add_budget(single, 2024, "1000")
    # A revised budget replaces the original one of the same period.
    add_budget(single, 2025, "800")
    add_budget(single, 2025, "900", type="2")

    split = make_activity(reporting_org, "SPLIT")
    RecipientCountry.objects.create(activity=split, code="BF", percentage=Decimal(60))
    RecipientCountry.objects.create(activity=split, code="NE", percentage=Decimal(40))
    RecipientRegion.objects.create(activity=split, vocabulary="2", code="011")
    add_budget(split, 2024, "500")
    add_budget(split, 2024, "100", currency="USD")

    unknown = make_activity(reporting_org, "UNKNOWN-SHARES")
    RecipientCountry.objects.create(activity=unknown, code="ML")
    RecipientCountry.objects.create(activity=unknown, code="SN")
    add_budget(unknown, 2024, "700")

    data = organisation_xml(reporting_org)

    assert schema_errors(data, "organisations") == []
    found = {
        (
            budget.xpath("recipient-country/@code")[0],
            budget.xpath("period-start/@iso-date")[0],
            budget.xpath("value/@currency")[0],
        ): budget.xpath("value/text()")[0]
        for budget in parse(data).xpath("//recipient-country-budget")
    }
    assert found == {
        ("BF", "2024-01-01", "EUR"): "1300",
        ("BF", "2024-01-01", "USD"): "60",
        ("BF", "2025-01-01", "EUR"): "900",
        ("NE", "2024-01-01", "EUR"): "200",
        ("NE", "2024-01-01", "USD"): "40",
    }


def test_plan_documents_with_a_file_or_address(reporting_org):
    plan = make_plan(reporting_org, 2024)
    add_plan_document(plan, url="https://example.org/delibera-2024.pdf", language="it")
    add_plan_document(plan, document=make_document("piano-2024.odt"))
    add_plan_document(plan)  # only a title: left out

    data = organisation_xml(reporting_org)

    assert schema_errors(data, "organisations") == []
    links = parse(data).xpath("//document-link")
    assert links[0].get("url") == "https://example.org/delibera-2024.pdf"
    assert links[1].get("url").startswith("https://portal.example.org/documents/")
    assert [link.get("format") for link in links] == [
        "application/pdf",
        "application/vnd.oasis.opendocument.text",
    ]
    assert links[0].xpath("category/@code") == ["B02"]
    assert len(links) == 2
