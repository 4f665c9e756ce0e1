"""A result's indicators and their periods show on the public page, in the JSON record and API.

A result of two indicators, each of two periods, with comments and a qualitative indicator's
words: every value is on the page, and the API gives the nesting as IATI has it.
"""

from __future__ import annotations

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.db import transaction

from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import IndicatorPeriod, Result, ResultIndicator
from opencoop.demo.generator import generate
from opencoop.pages.models import RecordIndexPage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generate a small fictional authority with its pages once; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(activities=2, seed=5, index=False)
        yield public_activities().order_by("pk").first()
        transaction.set_rollback(True)


@pytest.fixture
def activity(generated):
    generated.results.all().delete()
    result = Result.objects.create(
        activity=generated,
        type="2",
        title={"en": "Safe water", "it": "Acqua sicura"},
        description={"en": "Households reached by the wells."},
        sort_order=0,
    )
    wells = ResultIndicator.objects.create(
        result=result,
        sort_order=0,
        title={"en": "Wells dug"},
        measure="1",
        baseline_year=2023,
        baseline_value="2",
        baseline_comment={"en": "Two old wells"},
        references=[{"vocabulary": "1", "code": "6.1.1"}],
    )
    committee = ResultIndicator.objects.create(
        result=result, sort_order=1, title={"en": "Water committee set up"}, measure="5"
    )
    for indicator, values in (
        (wells, (("12", "10", "Dry season"), ("20", "", ""))),
        (committee, (("Yes", "No", "Elections delayed"), ("Yes", "Yes", ""))),
    ):
        for order, (target, actual, comment) in enumerate(values):
            IndicatorPeriod.objects.create(
                indicator=indicator,
                sort_order=order,
                period_start=datetime.date(2024 + order, 1, 1),
                period_end=datetime.date(2024 + order, 12, 31),
                target_value=target,
                actual_value=actual,
                actual_comment={"en": comment} if comment else {},
            )
    return generated


def record_page(record) -> str:
    indexes = RecordIndexPage.objects.live().filter(
        record_type="activities", locale__language_code="en"
    )
    (index,) = [page for page in indexes if page.reporting_org == record.reporting_org]
    return index.record_url(record)


def test_the_public_page_shows_each_indicator_s_periods(client, activity):
    response = client.get(record_page(activity))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    (result,) = soup.select("section.oc-results tbody.oc-result")
    assert "Safe water" in result.select_one("th").get_text()
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in result.select("tr.oc-indicator-period")
    ]
    assert [row[0] for row in rows] == ["Wells dug"] * 2 + ["Water committee set up"] * 2
    assert rows[0][1].startswith("2 (2023)") and "Two old wells" in rows[0][1]
    assert [(row[3], row[4]) for row in rows] == [
        ("12", "10 Dry season"),
        ("20", "–"),
        ("Yes", "No Elections delayed"),
        ("Yes", "Yes"),
    ]
    assert "2025" in rows[1][2]


def test_the_api_gives_results_nested_as_iati_has_them(client, activity):
    response = client.get(f"/api/v1/activities/{activity.iati_identifier}?lang=en")
    assert response.status_code == 200
    (result,) = json.loads(response.content)["results"]
    assert result["type"]["code"] == "2"
    assert result["title"]["en"] == "Safe water"
    wells, committee = result["indicators"]
    assert wells["baseline"]["year"] == 2023 and wells["baseline"]["value"] == 2.0
    assert wells["baseline"]["comment"] == {"en": "Two old wells"}
    assert wells["references"] == [{"vocabulary": "1", "code": "6.1.1", "indicator_uri": None}]
    assert [
        (p["target"]["value"], p["actual"] and p["actual"]["value"]) for p in wells["periods"]
    ] == [
        (12.0, 10.0),
        (20.0, None),
    ]
    assert wells["periods"][0]["actual"]["comment"] == {"en": "Dry season"}
    assert committee["measure"]["code"] == "5" and committee["baseline"] is None
    assert [p["actual"]["value"] for p in committee["periods"]] == ["No", "Yes"]
