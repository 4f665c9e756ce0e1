"""Query helpers: the same rows whatever form the database gets a condition in."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opencoop.core.queries import ARRAY_FROM, among_ids

pytestmark = pytest.mark.django_db


def test_many_ids_select_the_same_rows_as_a_plain_list():
    existing = sorted(ContentType.objects.values_list("pk", flat=True))[:10]
    missing = range(10**6, 10**6 + ARRAY_FROM)  # ids with no row: a long list
    ids = [*existing, *missing]
    with CaptureQueriesContext(connection) as queries:
        rows = sorted(ContentType.objects.filter(among_ids("pk", ids)).values_list("pk", flat=True))
    assert rows == existing
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql  # one array parameter
    else:
        assert " IN (" in sql


def test_few_ids_stay_a_plain_list():
    existing = sorted(ContentType.objects.values_list("pk", flat=True))[:3]
    with CaptureQueriesContext(connection) as queries:
        rows = sorted(
            ContentType.objects.filter(among_ids("pk", existing)).values_list("pk", flat=True)
        )
    assert rows == existing
    assert " IN (" in queries.captured_queries[0]["sql"]


def test_no_ids_select_nothing():
    assert not ContentType.objects.filter(among_ids("pk", [])).exists()
