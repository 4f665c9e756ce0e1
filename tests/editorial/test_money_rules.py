"""Money and dates as IATI says: positive budgets and commitments, reversals documented,
budget periods over a year only warned about, commitments before the start allowed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from opencoop.activities.models import Activity, Budget, Transaction
from opencoop.editorial import quality

from .helpers import field_errors, form_data, messages_text, url
from .test_workflow import add_rows

pytestmark = pytest.mark.django_db

BUDGET_REFUSED = "importo: un budget deve essere maggiore di zero."


def budget_row(value: str, start: str = "2024-01-01", end: str = "2024-12-31") -> dict:
    return {
        "type": "1",
        "status": "1",
        "period_start": start,
        "period_end": end,
        "value": value,
        "currency": "EUR",
    }


@pytest.mark.parametrize("value", ["-30000", "0"])
def test_the_form_refuses_a_negative_or_zero_budget_on_its_amount(login, editor, activity, value):
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    add_rows(data, "budgets", [budget_row(value)])
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    assert field_errors(response, "value") == [BUDGET_REFUSED]
    assert not Activity.objects.get(pk=activity.pk).get_latest_revision_as_object().budgets.all()


def test_a_negative_budget_saved_around_the_form_is_refused_at_publication(activity):
    # A record made before the rule (or by a script) still may not be published.
    Budget.objects.create(
        activity=activity,
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        value=Decimal("-30000"),
    )
    problems = quality.publication_problems(Activity.objects.get(pk=activity.pk))
    assert [(p.field, p.row, p.child_field) for p in problems] == [("budgets", 1, "value")]
    assert "un budget deve essere maggiore di zero" in problems[0].message


def test_a_budget_of_fourteen_months_saves_as_a_draft_with_a_warning(login, editor, activity):
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    add_rows(data, "budgets", [budget_row("5000", "2024-01-01", "2025-02-28")])
    response = client.post(url(activity, "edit"), data, follow=True)
    assert response.status_code == 200
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert [budget.value for budget in latest.budgets.all()] == [Decimal("5000")]
    assert "il periodo 2024-01-01 – 2025-02-28 è più lungo di un anno" in messages_text(response)
    assert quality.publication_problems(latest) == []
    assert [w.child_field for w in quality.publication_warnings(latest)] == ["period_end"]


def test_a_commitment_dated_before_the_start_is_published(login, reviewer, activity):
    client = login(reviewer)
    data = form_data(client.get(url(activity, "edit")))
    add_rows(
        data,
        "transactions",
        [{"type": "2", "date": "2023-11-15", "value": "55000", "currency": "EUR"}],
    )
    data["action-publish"] = "action-publish"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 302, messages_text(response)
    assert [(t.type, t.date) for t in Transaction.objects.filter(activity=activity)] == [
        ("2", datetime.date(2023, 11, 15))
    ]


@pytest.mark.parametrize(
    ("kind", "value", "description", "refused"),
    [
        ("2", "-1000", "", "un impegno deve essere maggiore di zero"),
        ("2", "0", "", "un impegno deve essere maggiore di zero"),
        ("1", "-1000", "Rimborso", "solo un'erogazione o una spesa può essere negativa"),
        ("3", "-1000", "", "indicate nella descrizione che cosa storna"),
        ("3", "-1000", "Somma restituita dal partner", None),
    ],
)
def test_transactions_are_negative_only_as_documented_reversals(
    login, editor, activity, kind, value, description, refused
):
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    add_rows(
        data,
        "transactions",
        [
            {
                "type": kind,
                "date": "2024-03-01",
                "value": value,
                "currency": "EUR",
                "description_1": description,
            }
        ],
    )
    response = client.post(url(activity, "edit"), data)
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    if refused:
        assert response.status_code == 200
        assert any(refused in error for error in field_errors(response, "value"))
        assert not latest.transactions.all()
    else:
        assert response.status_code == 302, messages_text(response)
        assert [t.value for t in latest.transactions.all()] == [Decimal("-1000")]
