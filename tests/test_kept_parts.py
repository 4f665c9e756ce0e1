"""What IATI files carry beyond a named place shows on the public page and in the API.

Places without a name, planned disbursements, a transaction's own classification and every
related activity (on the portal, kept from the public, or published elsewhere).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import transaction

from opencoop.activities.disclosure import public_activities, public_related_activities
from opencoop.activities.models import (
    Location,
    OtherIdentifier,
    PlannedDisbursement,
    RelatedActivity,
    Transaction,
)
from opencoop.demo.generator import generate
from opencoop.pages.models import RecordIndexPage

pytestmark = pytest.mark.django_db

ELSEWHERE = "XI-IATI-EXAMPLE-0001"


@pytest.fixture(scope="module")
def activities(django_db_setup, django_db_blocker):
    """Generate a small fictional authority with its pages once; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(activities=4, seed=3, index=False)
        first, second, *_rest = public_activities().order_by("pk")
        yield first, second
        transaction.set_rollback(True)


def record_page(record) -> str:
    indexes = RecordIndexPage.objects.live().filter(
        record_type="activities", locale__language_code="en"
    )
    (index,) = [page for page in indexes if page.reporting_org == record.reporting_org]
    return index.record_url(record)


@pytest.fixture
def activity(activities):
    activity, sibling = activities
    Location.objects.create(
        activity=activity,
        name={},
        location_ids=[{"vocabulary": "G1", "code": "2357048"}],
        administrative=[{"vocabulary": "G1", "level": "1", "code": "2597261"}],
        feature_designation="PPL",
        location_class="2",
    )
    PlannedDisbursement.objects.create(
        activity=activity,
        type="1",
        period_start=datetime.date(2031, 1, 1),
        period_end=datetime.date(2031, 3, 31),
        value=Decimal("12345.00"),
        currency="EUR",
    )
    Transaction.objects.create(
        activity=activity,
        type="3",
        date=datetime.date(2030, 5, 1),
        value=Decimal("1000.00"),
        recipient_country="SN",
        sectors=[{"vocabulary": "1", "code": "14030"}],
        flow_type="10",
        aid_types=[{"code": "C01"}],
    )
    RelatedActivity.objects.create(activity=activity, ref=sibling.iati_identifier, type="3")
    RelatedActivity.objects.create(activity=activity, ref=ELSEWHERE, type="4")
    OtherIdentifier.objects.create(activity=activity, ref="CRS-2030-0042", type="A2")
    return activity


def test_the_page_shows_an_unnamed_place_planned_money_classifications_and_relations(
    client, activity, activities
):
    sibling = activities[1]
    response = client.get(record_page(activity), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    places = soup.find("h2", string="Where").find_parent("section").get_text(" ", strip=True)
    assert "2357048" in places  # the gazetteer entry names the place without a name
    planned = soup.select_one("table.oc-planned-disbursements").get_text(" ", strip=True)
    assert "12,345" in planned
    classifications = [
        cell.get_text(" ", strip=True) for cell in soup.select("td.oc-transaction-classification")
    ]
    assert any("Senegal" in cell and "ODA" in cell for cell in classifications), classifications
    related = soup.select_one("section.oc-related-activities")
    links = {a["href"]: a.get_text(strip=True) for a in related.select("a")}
    assert record_page(sibling).endswith(next(iter(links)))
    assert ELSEWHERE in related.get_text()
    others = soup.select_one("p.oc-other-identifiers").get_text(" ", strip=True)
    assert "CRS-2030-0042" in others and "CRS Activity identifier" in others


def test_the_api_carries_them(client, activity):
    response = client.get(f"/api/v1/activities/{activity.iati_identifier}?lang=en")
    assert response.status_code == 200
    data = json.loads(response.content)
    unnamed = [place for place in data["locations"] if not place["name"]]
    assert unnamed[0]["location_ids"] == [{"vocabulary": "G1", "code": "2357048", "name": None}]
    assert unnamed[0]["administrative"] == [{"vocabulary": "G1", "level": "1", "code": "2597261"}]
    assert unnamed[0]["feature_designation"]["code"] == "PPL"
    (planned,) = data["planned_disbursements"]
    assert (planned["value"], planned["period_end"]) == (12345.0, "2031-03-31")
    (classified,) = [t for t in data["transactions"] if t["recipient_country"]]
    assert classified["recipient_country"]["code"] == "SN"
    assert classified["sectors"][0]["code"] == "14030"
    assert classified["flow_type"]["code"] == "10"
    assert classified["aid_types"] == [{"vocabulary": None, "code": "C01", "name": None}]
    (other,) = data["other_identifiers"]
    assert (other["ref"], other["type"]["code"], other["owner_ref"]) == (
        "CRS-2030-0042",
        "A2",
        None,
    )
    stated = {item["iati_identifier"]: item for item in data["related_activities"]}
    assert stated[ELSEWHERE]["on_portal"] is False
    assert stated[ELSEWHERE]["type"]["code"] == "4"


def test_a_relation_to_an_activity_kept_from_the_public_is_not_published(activity, activities):
    sibling = activities[1]
    type(sibling).objects.filter(pk=sibling.pk).update(
        embargo_until=datetime.date.today() + datetime.timedelta(days=30)
    )
    activity = type(activity).objects.get(pk=activity.pk)
    published = {(item.ref, item.type) for item in public_related_activities(activity)}
    assert (ELSEWHERE, "4") in published
    assert all(ref != sibling.iati_identifier for ref, _type in published)


def test_a_version_masked_for_a_partner_hides_gazetteer_places_and_planned_recipients():
    from opencoop.access import masking
    from opencoop.activities.models import Activity
    from tests.factories import make_activity, make_organisation, make_reporting_org

    reporting_org = make_reporting_org()
    hidden = make_organisation(name={"en": "Hidden partner"}, identifier="XI-IATI-HIDDEN-1")
    activity = make_activity(reporting_org, hide_exact_locations=True)
    Location.objects.create(
        activity=activity,
        country="SN",
        location_ids=[{"vocabulary": "G1", "code": "2357048"}],
        administrative=[{"vocabulary": "G1", "level": "2", "code": "2253354"}],
    )
    PlannedDisbursement.objects.create(
        activity=activity,
        period_start=datetime.date(2031, 1, 1),
        value=Decimal("10.00"),
        receiver_org=hidden,
    )
    version = Activity.objects.prefetch_related("locations", "planned_disbursements").get(
        pk=activity.pk
    )
    masking.mask_version(version, {hidden.pk}, True)
    (place,) = version.locations.all()
    assert (place.location_ids, place.administrative, place.country) == ([], [], "SN")
    (planned,) = version.planned_disbursements.all()
    assert getattr(planned, masking.MASKED_ORGANISATIONS) == {"receiver_org"}


@pytest.fixture
def emergency_activity(activities):
    from opencoop.activities.models import (
        Activity,
        Condition,
        CountryBudgetItem,
        HumanitarianScope,
    )

    activity = activities[0]
    Activity.objects.filter(pk=activity.pk).update(
        scope="4",
        capital_spend=Decimal("10"),
        country_budget_vocabulary="1",
        conditions_attached=True,
    )
    HumanitarianScope.objects.create(
        activity=activity,
        type="1",
        vocabulary="1-2",
        code="EQ-2030-000001-XX",
        narrative={"en": "Fictional earthquake of 2030"},
    )
    CountryBudgetItem.objects.create(
        activity=activity, code="1.1.1", percentage=Decimal("100"), description={"en": "Main line"}
    )
    Condition.objects.create(
        activity=activity, type="2", text={"en": "A yearly audit of the accounts"}
    )
    return Activity.objects.get(pk=activity.pk)


def test_the_page_shows_scope_emergencies_budget_items_and_conditions(client, emergency_activity):
    response = client.get(record_page(emergency_activity), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("dd.oc-scope").get_text(strip=True) == "National"
    emergencies = soup.select_one("dd.oc-humanitarian-scopes").get_text(" ", strip=True)
    assert emergencies == "Fictional earthquake of 2030 (Emergency)"
    items = soup.select_one("section.oc-country-budget-items li").get_text(" ", strip=True)
    assert items.startswith("Executive") and "(100%): Main line" in items
    condition = soup.select_one("section.oc-conditions li").get_text(" ", strip=True)
    assert condition == "A yearly audit of the accounts (Performance)"


def test_the_api_carries_scope_emergencies_budget_items_and_conditions(client, emergency_activity):
    response = client.get(f"/api/v1/activities/{emergency_activity.iati_identifier}?lang=en")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["scope"] == {"code": "4", "name": "National"}
    assert data["capital_spend"] == 10.0
    (scope,) = data["humanitarian_scopes"]
    assert (scope["type"], scope["vocabulary"], scope["code"]) == ("1", "1-2", "EQ-2030-000001-XX")
    assert scope["narrative"] == {"en": "Fictional earthquake of 2030"}
    budget = data["country_budget_items"]
    assert budget["vocabulary"]["code"] == "1"
    assert [(i["code"], i["percentage"]) for i in budget["items"]] == [("1.1.1", 100.0)]
    assert data["conditions"]["attached"] is True
    assert data["conditions"]["items"][0]["type"]["code"] == "2"
