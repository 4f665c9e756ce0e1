"""Rows inserted in bulk (COPY on PostgreSQL) read back as bulk_create would have written them."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from opencoop.activities.models import Activity, Budget
from opencoop.core.bulk import (
    GROWN_ROWS,
    analyze_grown_tables,
    insert_rows,
    insert_values,
    update_rows,
)
from opencoop.editorial.models import RecordCheck
from tests.factories import make_activity, make_reporting_org

pytestmark = pytest.mark.django_db


def budget(activity: Activity, day: int, value: str) -> Budget:
    return Budget(
        activity=activity,
        type="1",
        status="2",
        period_start=datetime.date(2025, 1, day),
        period_end=datetime.date(2025, 12, 31),
        value=Decimal(value),
        currency="EUR",
        value_date=None,
        sort_order=day,
    )


def test_inserted_rows_get_their_keys_and_read_back_unchanged():
    activity = make_activity(make_reporting_org())
    rows = [budget(activity, day, f"{day}000.50") for day in (1, 2, 3)]

    insert_rows(Budget, rows)

    assert all(row.pk for row in rows)
    assert len({row.pk for row in rows}) == 3
    stored = {b.pk: b for b in Budget.objects.filter(activity=activity)}
    assert set(stored) == {row.pk for row in rows}
    for row in rows:
        back = stored[row.pk]
        assert (back.period_start, back.value, back.currency, back.status, back.value_date) == (
            row.period_start,
            row.value,
            "EUR",
            "2",
            None,
        )
        assert not row._state.adding


def test_rows_given_as_values_read_back_as_objects_inserted_would():
    activity = make_activity(make_reporting_org())
    names = ("activity_id", "type", "status", "period_start", "period_end", "value", "currency")
    names += ("value_date", "sort_order")
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    insert_values(
        Budget,
        names,
        [
            (activity.pk, "1", "2", start, end, Decimal("1000.50"), "EUR", None, 0),
            (activity.pk, "2", "1", start, end, "2500", "XOF", start, 1),
        ],
    )
    stored = list(
        Budget.objects.filter(activity=activity).order_by("sort_order").values_list(*names)
    )
    assert stored == [
        (activity.pk, "1", "2", start, end, Decimal("1000.50"), "EUR", None, 0),
        (activity.pk, "2", "1", start, end, Decimal("2500"), "XOF", start, 1),
    ]


def test_json_text_and_automatic_dates_are_written():
    activity = make_activity(make_reporting_org())
    content_type = ContentType.objects.get_for_model(Activity)
    problems = [{"field": "title", "message": 'Manca il titolo "inglese"\t\\ à'}]
    check = RecordCheck(
        content_type=content_type, object_id=str(activity.pk), publishable=False, problems=problems
    )

    insert_rows(RecordCheck, [check])

    back = RecordCheck.objects.get(pk=check.pk)
    assert back.problems == problems
    assert back.publishable is False
    assert back.checked_at is not None


def test_conflicting_rows_are_skipped_when_asked():
    activity = make_activity(make_reporting_org())
    content_type = ContentType.objects.get_for_model(Activity)
    RecordCheck.objects.filter(content_type=content_type, object_id=str(activity.pk)).delete()
    first = RecordCheck(content_type=content_type, object_id=str(activity.pk), problems=[])
    insert_rows(RecordCheck, [first])
    again = RecordCheck(content_type=content_type, object_id=str(activity.pk), problems=["x"])
    other = RecordCheck(content_type=content_type, object_id="other", problems=["y"])

    insert_rows(RecordCheck, [again, other], ignore_conflicts=True)

    stored = dict(
        RecordCheck.objects.filter(content_type=content_type).values_list("object_id", "problems")
    )
    assert stored[str(activity.pk)] == []
    assert stored["other"] == ["y"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_inserts_by_copy_not_by_insert_statements():
    activity = make_activity(make_reporting_org())
    rows = [budget(activity, day, "10") for day in range(1, 29)]

    with CaptureQueriesContext(connection) as queries:
        insert_rows(Budget, rows)

    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 1 and "nextval" in statements[0]
    assert Budget.objects.filter(activity=activity).count() == 28


def test_updated_rows_read_back_with_their_new_values_and_the_others_unchanged():
    activity = make_activity(make_reporting_org())
    rows = [budget(activity, day, "100") for day in (1, 2, 3)]
    insert_rows(Budget, rows)
    changed, untouched = rows[:2], rows[2]
    for row in changed:
        row.value = Decimal("250.75")
        row.currency = "USD"
        row.value_date = datetime.date(2025, 6, 30)
        row.status = "1"  # not among the fields written: stays as stored

    update_rows(Budget, changed, ["value", "currency", "value_date"])

    stored = {
        b.pk: (b.value, b.currency, b.value_date, b.status)
        for b in Budget.objects.filter(activity=activity)
    }
    for row in changed:
        assert stored[row.pk] == (Decimal("250.75"), "USD", datetime.date(2025, 6, 30), "2")
    assert stored[untouched.pk] == (Decimal("100"), "EUR", None, "2")


def test_updated_json_is_written_as_json():
    activity = make_activity(make_reporting_org())
    content_type = ContentType.objects.get_for_model(Activity)
    RecordCheck.objects.filter(content_type=content_type, object_id=str(activity.pk)).delete()
    check = RecordCheck(content_type=content_type, object_id=str(activity.pk), problems=[])
    insert_rows(RecordCheck, [check])
    check.problems = [{"field": "title", "message": 'Manca "titolo"\t\\ à'}]
    check.publishable = False

    update_rows(RecordCheck, [check], ["problems", "publishable"])

    back = RecordCheck.objects.get(pk=check.pk)
    assert back.problems == check.problems and back.publishable is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_updates_from_a_copy_in_one_statement():
    activity = make_activity(make_reporting_org())
    rows = [budget(activity, day, "10") for day in range(1, 29)]
    insert_rows(Budget, rows)
    for row in rows:
        row.value = Decimal(row.period_start.day)

    with CaptureQueriesContext(connection) as queries:
        update_rows(Budget, rows, ["value"])

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "CASE" not in updates[0]
    assert sorted(Budget.objects.filter(activity=activity).values_list("value", flat=True)) == [
        Decimal(day) for day in range(1, 29)
    ]


def test_values_sent_as_they_are_are_those_saving_would_send():
    # Every field of an activity and of its parts, with values of each kind a file gives.
    from opencoop.activities.parts import PARTS
    from opencoop.core.bulk import _prepared

    samples = ["XM-DAC-1", "", None, True, False, datetime.date(2025, 1, 31), 7, Decimal("1.5")]
    samples_of_times = [value for value in samples if not isinstance(value, datetime.date)]
    compared = 0
    for model in (Activity, *(p.model for p in PARTS)):
        for field in model._meta.concrete_fields:
            prepare = _prepared(field, connection)
            timed = isinstance(field, models.DateTimeField)
            for value in samples_of_times if timed else samples:
                try:
                    expected = field.get_db_prep_save(value, connection=connection)
                except Exception:  # a value the field refuses: nothing to compare
                    continue
                # By repr: psycopg's wrappers (Jsonb) do not compare equal to each other.
                sent = prepare(value)
                assert repr(sent) == repr(expected) and type(sent) is type(expected)
                compared += 1
    assert compared > 100


def planned_rows(activity: Activity) -> int:
    """Return how many budget rows of ``activity`` the planner expects to read."""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT * FROM activities_budget WHERE activity_id = %s",
            [activity.pk],
        )
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_table_a_write_grew_is_analysed_inside_the_write_s_transaction():
    activity = make_activity(make_reporting_org())
    few = [budget(activity, day, "1.00") for day in range(1, 11)]
    insert_rows(Budget, few)
    assert "activities_budget" not in analyze_grown_tables()

    many = [budget(activity, 1 + n % 28, "1.00") for n in range(GROWN_ROWS)]
    insert_rows(Budget, many)
    # The planner still judges the table by the statistics of before the write.
    assert planned_rows(activity) < GROWN_ROWS // 2

    assert "activities_budget" in analyze_grown_tables()
    assert planned_rows(activity) >= GROWN_ROWS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_database")
def test_a_failed_copy_outside_a_transaction_leaves_no_table_in_the_way_of_the_next_write():
    # Outside a transaction a temporary table outlives the statement that failed: the session's
    # next bulk write would find its name taken.
    assert connection.get_autocommit()
    content_type = ContentType.objects.get_for_model(Activity)
    # Longer than the column's 64 characters: PostgreSQL refuses the row in the middle of the COPY.
    refused = RecordCheck(content_type=content_type, object_id="x" * 65, problems=[])
    kept = RecordCheck(content_type=content_type, object_id="kept", problems=["x"])

    with pytest.raises(psycopg.Error):
        insert_rows(RecordCheck, [refused], ignore_conflicts=True)
    insert_rows(RecordCheck, [kept], ignore_conflicts=True)

    kept = RecordCheck.objects.get(content_type=content_type, object_id="kept")
    kept.problems = ["y"]
    kept.object_id = "x" * 65
    with pytest.raises(psycopg.Error):
        update_rows(RecordCheck, [kept], ["object_id", "problems"])
    kept.object_id = "kept"
    update_rows(RecordCheck, [kept], ["object_id", "problems"])

    stored = RecordCheck.objects.filter(
        content_type=content_type, object_id__in=["kept", "x" * 65]
    ).values_list("object_id", "problems")
    assert list(stored) == [("kept", ["y"])]
