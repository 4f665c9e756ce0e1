"""The migration to nested results moves each old result's indicator and period, and back.

Rows: each old result becomes a result, an indicator and (with period data) a period; the
revisions' copies are reshaped the same way, so a draft keeps its results.
"""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

migration = importlib.import_module("opencoop.activities.migrations.0012_result_indicators_periods")

BEFORE = [("activities", "0011_iati_elements_kept")]
AFTER = [("activities", "0012_result_indicators_periods")]
OLD_RESULT = {
    "pk": 7,
    "sort_order": 0,
    "activity": 3,
    "type": "1",
    "title": {"it": "Pozzi"},
    "indicator": {"it": "Pozzi scavati"},
    "measure": "1",
    "ascending": True,
    "baseline_year": 2023,
    "baseline_value": "2.00",
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "target_value": "12.50",
    "actual_value": None,
}


def test_a_revision_s_result_is_nested_and_flattened_back():
    nested = migration.nest_revision_result(dict(OLD_RESULT))

    (indicator,) = nested["indicators"]
    assert indicator["title"] == {"it": "Pozzi scavati"}
    assert (indicator["baseline_year"], indicator["baseline_value"]) == (2023, "2")
    (period,) = indicator["periods"]
    assert (period["period_start"], period["target_value"], period["actual_value"]) == (
        "2024-01-01",
        "12.5",
        "",
    )
    assert "indicator" not in nested and "target_value" not in nested

    flat = migration.flatten_revision_result(nested)
    assert flat["indicator"] == {"it": "Pozzi scavati"}
    assert (flat["target_value"], flat["actual_value"]) == ("12.5", None)


def test_a_revision_s_result_without_period_data_gets_no_period():
    old = {**OLD_RESULT, "period_start": None, "period_end": None, "target_value": None}
    (indicator,) = migration.nest_revision_result(old)["indicators"]
    assert indicator["periods"] == []


def migrate(targets) -> MigrationExecutor:
    """Migrate inside the test's transaction (PostgreSQL changes tables transactionally)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER TABLE
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="migrating back and forth inside a rolled-back test needs PostgreSQL",
)
@pytest.mark.django_db
def test_the_rows_move_forward_and_back():
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    activity = old.get_model("activities", "Activity").objects.order_by("pk").first()
    Result = old.get_model("activities", "Result")
    Result.objects.filter(activity=activity).delete()
    Result.objects.create(
        activity=activity,
        title={"it": "Pozzi"},
        indicator={"it": "Pozzi scavati"},
        baseline_year=2023,
        baseline_value=Decimal("2.00"),
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        target_value=Decimal("12.50"),
    )
    Result.objects.create(activity=activity, title={"it": "Senza"}, indicator={"it": "Nessuno"})

    executor = migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Indicator = new.get_model("activities", "ResultIndicator")
    rows = [
        (i.result.title["it"], i.title["it"], i.baseline_value, list(i.periods.all()))
        for i in Indicator.objects.filter(result__activity_id=activity.pk).order_by("result__pk")
    ]
    assert [row[:3] for row in rows] == [("Pozzi", "Pozzi scavati", "2"), ("Senza", "Nessuno", "")]
    (period,) = rows[0][3]
    assert (period.target_value, period.actual_value) == ("12.5", "")
    assert rows[1][3] == []

    executor = migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("activities", "Result")
    first = back.objects.filter(activity_id=activity.pk).order_by("pk").first()
    assert (first.indicator, first.target_value) == ({"it": "Pozzi scavati"}, Decimal("12.50"))
    migrate(executor.loader.graph.leaf_nodes())
