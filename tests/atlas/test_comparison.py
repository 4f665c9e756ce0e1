"""The atlas's comparison by authority: each row and the totals, against the database, in IT and EN.

Two fictional authorities are generated onto the demo's atlas (beside Florence, whom the atlas
covers too); the page at atlas.localhost lists each authority with its public activities and its
commitments and payments in euros, and a total row that adds them up.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from opencoop.access import policy
from opencoop.activities.models import Activity, Transaction
from opencoop.demo.generator import generate
from tests.stats.fixtures import page_tables, parse_csv, parse_number

pytestmark = pytest.mark.django_db

ATLAS = "atlas.localhost"
ADDRESSES = {"it": "/it/confronto-enti/", "en": "/en/authorities-compared/"}
MEASURES = {"2": "committed_EUR", "3": "disbursed_EUR", "4": "disbursed_EUR"}


def expected_rows() -> dict[str, dict[str, Decimal | int]]:
    """Count each authority's public activities and add up its euro commitments and payments."""
    public = policy.public(Activity)
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(Decimal))
    for slug in public.values_list("reporting_org__slug", flat=True):
        rows[slug]["activities"] += 1
    money = Transaction.objects.filter(activity__in=public, type__in=MEASURES).select_related(
        "activity__reporting_org"
    )
    for row in money:
        if (row.currency or row.activity.default_currency) == "EUR":
            key = MEASURES[row.type]
            rows[row.activity.reporting_org.slug][key] += row.value
    return rows


@pytest.mark.parametrize("lang", ["it", "en"])
def test_each_authority_and_the_totals_match_the_database(client, lang):
    generate(activities=15, authorities=2, seed=9, index=False)
    response = client.get(ADDRESSES[lang], HTTP_HOST=ATLAS)
    assert response.status_code == 200
    table = page_tables(response.content)["by-authority"]
    csv = parse_csv(client.get(table["csv"], HTTP_HOST=ATLAS).content)
    keys = csv[0][2:]
    assert {"activities", "committed_EUR", "disbursed_EUR"} <= set(keys)

    expected = expected_rows()
    shown = {code: dict(zip(keys, values, strict=True)) for code, _label, values in table["rows"]}
    assert set(shown) - {"total"} == set(expected)  # Florence and both fictional authorities
    assert len(expected) == 3
    for slug, figures in expected.items():
        for key in keys:
            value = parse_number(shown[slug][key], lang)
            assert value == figures.get(key, 0), (lang, slug, key)
    for key in keys:
        total = sum((figures.get(key, 0) for figures in expected.values()), Decimal(0))
        assert parse_number(shown["total"][key], lang) == total, (lang, key)
    # The CSV holds the same figures, as plain numbers.
    csv_rows = {line[0]: dict(zip(keys, line[2:], strict=True)) for line in csv[1:]}
    assert Decimal(csv_rows["total"]["activities"]) == policy.public(Activity).count()


def test_the_atlas_comparison_is_not_on_florences_site(client):
    """The comparison page belongs to the atlas: Florence's site answers 404 at its address."""
    from opencoop.atlas.models import AuthorityComparisonPage
    from tests.test_site_faces import path_of

    generate(activities=5, seed=9, index=False)
    page = AuthorityComparisonPage.objects.get(locale__language_code="en")
    florence_home = path_of(page)  # the atlas's page: Florence's site has none of its own
    response = client.get(florence_home, HTTP_HOST="localhost")
    assert response.status_code == 404
