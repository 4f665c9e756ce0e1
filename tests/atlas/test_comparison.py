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


def euro_sums_by_year(activities) -> dict[str, dict[str, Decimal]]:
    """Add up the euro commitments and payments of ``activities`` by year, from the rows."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    money = Transaction.objects.filter(activity__in=activities, type__in=MEASURES)
    for row in money.select_related("activity"):
        if (row.currency or row.activity.default_currency) == "EUR":
            sums[str(row.date.year)][MEASURES[row.type]] += row.value
    return sums


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_comparison_by_year_country_and_sector_match_the_database(client, lang):
    generate(activities=15, authorities=2, seed=9, index=False)
    response = client.get(ADDRESSES[lang], HTTP_HOST=ATLAS)
    tables = page_tables(response.content)
    assert {"by-authority", "by-country", "by-sector-group", "by-year"} <= set(tables)
    assert all(tables[slug]["section"].find("svg") for slug in ("by-authority", "by-year"))
    public = policy.public(Activity)
    expected = euro_sums_by_year(public)
    # By year: each year's figures, exactly, from the CSV download.
    csv = parse_csv(client.get(tables["by-year"]["csv"], HTTP_HOST=ATLAS).content)
    keys = csv[0][2:]
    shown = {line[0]: dict(zip(keys, line[2:], strict=True)) for line in csv[1:]}
    for year, figures in expected.items():
        for key, value in figures.items():
            assert Decimal(shown[year][key]) == value, (year, key)
    totals = {
        key: sum((f[key] for f in expected.values()), Decimal(0)) for key in set(MEASURES.values())
    }
    # By country and by sector group: split by percentages, the rows add up to the totals.
    for slug in ("by-country", "by-sector-group"):
        csv = parse_csv(client.get(tables[slug]["csv"], HTTP_HOST=ATLAS).content)
        keys = csv[0][2:]
        for key in ("committed_EUR", "disbursed_EUR"):
            column = keys.index(key) + 2
            added = sum((Decimal(line[column]) for line in csv[1:]), Decimal(0))
            assert abs(added - totals[key]) <= Decimal("0.01") * len(csv), (slug, key)
        rows = {code: values for code, _label, values in tables[slug]["rows"]}
        first = csv[1]
        page_value = rows[first[0]][keys.index("activities")]
        assert parse_number(page_value, lang) == Decimal(first[2 + keys.index("activities")])


@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_authoritys_profile_shows_its_activities_partners_and_money_by_year(client, lang):
    from bs4 import BeautifulSoup

    from opencoop.activities.disclosure import named_participations
    from opencoop.demo.generator import authority_spec
    from opencoop.organisations.models import Organisation

    generate(activities=15, authorities=2, seed=9, index=False)
    authority = Organisation.objects.get(identifier=authority_spec(1).identifier)
    comparison = page_tables(client.get(ADDRESSES[lang], HTTP_HOST=ATLAS).content)
    link = (
        comparison["by-authority"]["section"]
        .find("tr", attrs={"data-code": authority.slug})
        .find("a")["href"]
    )
    assert link == f"{ADDRESSES[lang]}{authority.slug}/"
    response = client.get(link, HTTP_HOST=ATLAS)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text(strip=True) == authority.name[lang]
    public = policy.public(Activity).filter(reporting_org=authority)
    assert soup.find(attrs={"data-profile": "activities"}).get_text(strip=True) == str(
        public.count()
    )
    tables = page_tables(response.content)
    assert {"by-year", "by-country", "by-partner"} <= set(tables)
    # Money by year: the authority's own, exactly.
    csv = parse_csv(client.get(tables["by-year"]["csv"], HTTP_HOST=ATLAS).content)
    keys = csv[0][2:]
    shown = {line[0]: dict(zip(keys, line[2:], strict=True)) for line in csv[1:]}
    for year, figures in euro_sums_by_year(public).items():
        for key, value in figures.items():
            assert Decimal(shown[year][key]) == value, (year, key)
    # Its partners: each named partner with the number of its activities with the authority.
    partners = defaultdict(set)
    for activity_id, slug in (
        named_participations()
        .filter(activity__in=public)
        .exclude(organisation=authority)
        .values_list("activity_id", "organisation__slug")
    ):
        partners[slug].add(activity_id)
    rows = {code: values for code, _label, values in tables["by-partner"]["rows"]}
    assert set(partners) <= set(rows) and partners
    at = tables["by-partner"]["headers"][1:].index("Attività" if lang == "it" else "Activities")
    for slug, ids in partners.items():
        assert parse_number(rows[slug][at], lang) == len(ids), slug
    # An authority the atlas does not hold answers 404.
    assert client.get(f"{ADDRESSES[lang]}no-such-authority/", HTTP_HOST=ATLAS).status_code == 404


@pytest.mark.parametrize(("lang", "segment"), [("it", "paesi"), ("en", "countries")])
def test_the_comparison_by_country_links_each_country_to_its_page(client, lang, segment):
    generate(activities=15, authorities=2, seed=9, index=False)
    response = client.get(ADDRESSES[lang], HTTP_HOST=ATLAS)
    section = page_tables(response.content)["by-country"]["section"]
    rows = section.select("tbody tr[data-code]")
    links = {row["data-code"]: row.th.find("a") for row in rows if row["data-code"]}
    assert links
    for code, link in links.items():
        assert link["href"] == f"/{lang}/{segment}/{code.lower()}/", code
    first = next(iter(links.values()))["href"]
    assert client.get(first, HTTP_HOST=ATLAS).status_code == 200
