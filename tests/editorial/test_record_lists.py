"""The records' admin lists: state, authority and last change columns, state filters, queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opencoop.activities.models import Activity
from opencoop.initiatives.models import Initiative
from tests.factories import make_activity

from .helpers import soup, url
from .test_admin_italian import in_italian
from .test_workflow import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(client, editor, other_authority) -> dict[str, Activity]:
    """One activity of the editor's authority in each state."""

    def published(suffix: str, **fields) -> Activity:
        record = make_activity(other_authority, suffix, **fields)
        record.save_revision().publish()
        return record

    result = {
        "draft": make_activity(other_authority, "DRAFTONE", live=False),
        "review": make_activity(other_authority, "REVIEWONE", live=False),
        "live": published("LIVEONE"),
        "embargoed": published(
            "EMBARGOONE", embargo_until=timezone.localdate() + datetime.timedelta(days=30)
        ),
        "sensitive": published("SENSITIVEONE", hide_exact_locations=True),
    }
    client.force_login(editor)
    submit(client, result["review"])
    return result


def rows(response) -> dict[str, list[str]]:
    """Return each listed record's title with the states its state cell shows."""
    assert response.status_code == 200
    result = {}
    for row in soup(response).select("tbody tr"):
        cells = row.find_all("td")
        title = next((" ".join(c.get_text().split()) for c in cells if c.find("a")), "")
        labels = [" ".join(s.get_text().split()) for s in row.select("[data-state]")]
        result[title.split(" Edit")[0].split(" Modifica")[0]] = labels
    return result


def title(record: Activity) -> str:
    return record.title["it"]


def test_the_state_column_shows_each_state_in_italian(client, editor, records):
    in_italian(editor)
    response = client.get(url(Activity, "list"))
    shown = rows(response)
    found = {
        name: next(labels for text, labels in shown.items() if title(record) in text)
        for name, record in records.items()
    }
    assert found == {
        "draft": ["Bozza"],
        "review": ["Bozza", "In revisione"],
        "live": ["Online"],
        "embargoed": ["Sotto embargo"],
        "sensitive": ["Online", "Sensibile"],
    }
    headers = [" ".join(th.get_text().split()) for th in soup(response).select("thead th")]
    for label in ("Stato", "Ente", "Ultima modifica", "Traduzioni"):
        assert any(label in header for header in headers), (label, headers)
    authority = str(records["live"].reporting_org)
    assert authority in soup(response).select_one("tbody").get_text()


@pytest.mark.parametrize(
    "state, expected",
    [
        ("draft", {"draft", "review"}),
        ("in_review", {"review"}),
        ("live", {"live", "sensitive"}),
        ("embargoed", {"embargoed"}),
        ("sensitive", {"sensitive"}),
    ],
)
def test_filtering_by_state_lists_exactly_those_records(client, records, state, expected):
    response = client.get(url(Activity, "list"), {"state": state})
    shown = " | ".join(rows(response))
    assert {name for name, record in records.items() if title(record) in shown} == expected


def test_the_state_filter_offers_italian_choices(client, editor, records):
    in_italian(editor)
    html = soup(client.get(url(Activity, "list")))
    options = [o.get_text().strip() for o in html.select("select[name=state] option")]
    assert options[1:] == ["Bozza", "In revisione", "Online", "Sotto embargo", "Sensibile"]
    initiatives = soup(client.get(url(Initiative, "list")))
    options = [o.get_text().strip() for o in initiatives.select("select[name=state] option")]
    assert "Sensibile" not in options and "Bozza" in options


def test_the_missing_translation_filter(client, records):
    from opencoop.editorial.models import TranslationState

    missing = records["live"]
    content_type_id = TranslationState.objects.filter(object_id=str(missing.pk)).values_list(
        "content_type_id", flat=True
    )[:1]
    TranslationState.objects.update_or_create(
        content_type_id=content_type_id[0],
        object_id=str(missing.pk),
        language="en",
        defaults={"status": TranslationState.MISSING},
    )
    TranslationState.objects.filter(status=TranslationState.MISSING).exclude(
        object_id=str(missing.pk)
    ).update(status=TranslationState.COMPLETE)
    shown = " | ".join(rows(client.get(url(Activity, "list"), {"missing_translation": "1"})))
    assert {n for n, r in records.items() if title(r) in shown} == {"live"}
    shown = " | ".join(rows(client.get(url(Activity, "list"), {"missing_translation": "0"})))
    assert title(missing) not in shown


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url(Activity, "list"))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_list_asks_as_many_queries_for_20_rows_as_for_5(client, editor, other_authority):
    client.force_login(editor)
    for n in range(5):
        make_activity(other_authority, f"FEW{n}", hide_exact_locations=n % 2 == 0)
    few = _queries(client)
    assert len(rows(client.get(url(Activity, "list")))) >= 5
    for n in range(15):
        make_activity(other_authority, f"MORE{n}", hide_exact_locations=n % 2 == 0)
    many = _queries(client)
    assert len(rows(client.get(url(Activity, "list")))) >= 20
    assert many == few, (few, many)
