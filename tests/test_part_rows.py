"""Tests of reading the parts of many activities at once (``activities.part_rows``).

On PostgreSQL the parts come in one JSON query; the rows, and the records built from them, must
be those the one-query-per-part read gives, and what the public may not see must stay out.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from opencoop.activities import part_rows
from opencoop.activities.models import Activity, RelatedActivity
from opencoop.activities.part_rows import _load_one_part, load_parts
from opencoop.opendata.records import (
    CORE_CHILDREN,
    DETAIL_CHILDREN,
    Context,
    activity_data,
    load_public_data,
)
from tests.factories import (
    SECRET_PARTNER_NAME,
    add_every_iati_element,
    make_activity,
    make_dataset,
    make_reporting_org,
)

pytestmark = pytest.mark.django_db

PARTS = (*CORE_CHILDREN, *DETAIL_CHILDREN)
SECRET_PLACE = "Confidential district"


@pytest.fixture
def activities() -> list[Activity]:
    """Three activities with every part (one hiding a partner and its places), and a relation
    to an embargoed activity of the portal."""
    reporting_org = make_reporting_org()
    first, second, sensitive = make_dataset(reporting_org)
    first = add_every_iati_element(first)
    embargoed = make_activity(
        reporting_org, "EMBARGOED", embargo_until=datetime.date.today() + datetime.timedelta(30)
    )
    RelatedActivity.objects.create(activity=second, ref=embargoed.iati_identifier, type="3")
    return list(Activity.objects.filter(pk__in=[first.pk, second.pk, sensitive.pk]).order_by("pk"))


def fresh(activities: list[Activity]) -> list[Activity]:
    return list(Activity.objects.filter(pk__in=[a.pk for a in activities]).order_by("pk"))


def values(row) -> dict:
    """What a row holds: every column, what it refers to, and a relation's target state."""
    held = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    for name in ("target_exists", "target_public"):
        if hasattr(row, name):
            held[name] = getattr(row, name)
    return held


def read(owners, part) -> list:
    """Return the rows of ``part`` of ``owners`` as handed over, with what they refer to and
    their nested rows, in order."""
    rows = []
    for owner in owners:
        for row in getattr(owner, part.relation).all():
            referred = {
                name: values(getattr(row, name))
                for name in part.select_related
                if getattr(row, name) is not None
            }
            nested = {inner.relation: read([row], inner) for inner in part.nested}
            rows.append((owner.pk, values(row), referred, nested))
    return rows


def test_every_part_reads_the_same_rows_as_one_query_per_part(activities):
    by_part = fresh(activities)
    for part in PARTS:
        _load_one_part(by_part, part)
    at_once = fresh(activities)
    load_parts(at_once, PARTS)
    for part in PARTS:
        expected = read(by_part, part)
        assert read(at_once, part) == expected, part.relation
    # The fixture has rows of every part, nested ones included.
    assert all(read(by_part, part) for part in PARTS)
    (results,) = [p for p in PARTS if p.nested]
    indicators = [i for *_row, nested in read(by_part, results) for i in nested["indicators"]]
    assert any(periods for *_row, nested in indicators for periods in nested["periods"])


def records(activities: list[Activity]) -> str:
    ctx = Context.for_language("en", "https://example.org")
    data = [activity_data(activity, ctx) for activity in load_public_data(activities)]
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)


def test_records_built_from_the_rows_are_the_same(activities, monkeypatch):
    at_once = records(fresh(activities))

    def one_query_per_part(owners, parts, using):
        for part in parts:
            _load_one_part(owners, part)

    monkeypatch.setattr(part_rows, "_load_as_json", one_query_per_part)
    assert records(fresh(activities)) == at_once


def test_what_the_public_may_not_see_stays_out(activities):
    served = records(fresh(activities))
    assert SECRET_PARTNER_NAME["en"] not in served
    assert "XM-DAC-98765" not in served
    assert SECRET_PLACE not in served
    assert "EMBARGOED" not in served
    data = json.loads(served)
    sensitive = next(a for a in data if a["iati_identifier"].endswith("SENSITIVE"))
    hidden = [o for o in sensitive["participating_orgs"] if o["hidden"]]
    assert hidden and all(o["identifier"] is None for o in hidden)
    assert sensitive["locations"] and not any(place["name"] for place in sensitive["locations"])
    # The relations to the parent and to the activity published elsewhere stay.
    second = next(a for a in data if a["iati_identifier"].endswith("OTHER"))
    assert "3" in {r["type"]["code"] for r in second["related_activities"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one query on PostgreSQL only")
def test_every_part_of_a_batch_comes_in_one_query(activities, django_assert_num_queries):
    owners = fresh(activities)
    # One query for the parts, two for the state of the activities the relations name.
    with django_assert_num_queries(3):
        load_parts(owners, PARTS)


# The activity's public page reads its parts the same way -------------------------------------


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """An activity of a small fictional authority with its pages; rolled back afterwards."""
    from django.db import transaction

    from opencoop.activities.disclosure import public_activities
    from opencoop.demo.generator import generate

    with django_db_blocker.unblock(), transaction.atomic():
        generate(activities=2, seed=5, index=False)
        yield public_activities().order_by("pk").first()
        transaction.set_rollback(True)


def activity_page(activity: Activity) -> str:
    from opencoop.pages.models import RecordIndexPage

    indexes = RecordIndexPage.objects.live().filter(
        record_type="activities", locale__language_code="en"
    )
    (index,) = [page for page in indexes if page.reporting_org == activity.reporting_org]
    return index.record_url(activity)


def test_the_activity_page_is_the_same_whichever_way_its_parts_are_read(
    client, generated, monkeypatch
):
    url = activity_page(generated)
    at_once = client.get(url)
    assert at_once.status_code == 200
    assert generated.iati_identifier in at_once.content.decode()
    # The generated activity has rows of many parts, each on the page.
    assert sum(getattr(generated, p.relation).exists() for p in PARTS) >= 5

    def one_query_per_part(owners, parts, using):
        for part in parts:
            _load_one_part(owners, part)

    monkeypatch.setattr(part_rows, "_load_as_json", one_query_per_part)
    by_part = client.get(url)
    assert by_part.content == at_once.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one query on PostgreSQL only")
def test_the_activity_page_reads_its_parts_in_one_query(client, generated):
    from django.test.utils import CaptureQueriesContext

    from opencoop.activities.parts import PARTS as ALL_PARTS

    url = activity_page(generated)
    client.get(url)  # the chrome, read once per publication
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    tables = [p.model._meta.db_table for p in ALL_PARTS if p.page]
    reading_parts = [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in tables)]
    assert len(reading_parts) == 1, reading_parts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_the_parts_query_is_prepared_once_and_planned_generically(client, generated):
    url = activity_page(generated)
    for _ in range(3):
        assert client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["SELECT (SELECT COALESCE(json_agg(%"],
        )
        prepared = cursor.fetchall()
    # One statement, planned once generically and run from that plan since.
    assert len(prepared) == 1, prepared
    generic, custom = prepared[0]
    assert custom == 0 and generic >= 2


def test_rows_are_handed_over_as_modelcluster_sets_them(activities, django_assert_num_queries):
    """``hold_children`` keeps the rows where modelcluster's ``set`` does, in its order, each
    pointing at its own activity: a change in modelcluster fails here, not on every page."""
    read = fresh(activities)
    load_parts(read, PARTS)
    assert any(list(a.transactions.all()) and list(a.results.all()) for a in read)
    with django_assert_num_queries(0):
        for activity in read:
            for part in PARTS:
                assert getattr(activity, part.relation).is_deferring, part.relation
                for row in getattr(activity, part.relation).all():
                    assert row.activity is activity
                    for inner in part.nested:
                        for child in getattr(row, inner.relation).all():
                            owner = type(row)._meta.get_field(inner.relation).field.name
                            assert getattr(child, owner) is row
    for activity in read:
        by_set = Activity.objects.get(pk=activity.pk)
        for part in PARTS:
            rows = list(getattr(activity, part.relation).all())
            getattr(by_set, part.relation).set(rows)  # (it points the rows at by_set)
            assert by_set._cluster_related_objects[part.relation] == rows, part.relation
