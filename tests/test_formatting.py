"""Dates, numbers, country names and plurals as readers write them, in both languages."""

import datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import translation
from django.utils.formats import number_format

from opencoop.activities.models import (
    Activity,
    Beneficiaries,
    Budget,
    IndicatorPeriod,
    Location,
    RecipientCountry,
    Result,
    ResultIndicator,
    Transaction,
)
from opencoop.codelists import registry
from opencoop.core import formatting
from opencoop.organisations.models import Organisation

from .conftest import SECTION_EN, SECTION_IT


def test_long_dates_follow_cldr_in_each_language():
    day = datetime.date(2025, 9, 1)
    assert formatting.long_date(day, "it") == "1 settembre 2025"
    assert formatting.long_date(day, "en") == "1 September 2025"


def test_periods_name_the_month_so_no_reader_swaps_day_and_month():
    start, end = datetime.date(2023, 1, 5), datetime.date(2023, 12, 31)
    assert formatting.date_span(start, end, "it") == "5 gen 2023 – 31 dic 2023"
    assert formatting.date_span(start, end, "en") == "5 Jan 2023 – 31 Dec 2023"
    assert formatting.date_span(start, None, "it") == "5 gen 2023 – …"


def test_counts_are_whole_and_measures_keep_only_their_decimals():
    with translation.override("it"):
        assert formatting.whole_number(Decimal("320.00")) == "320"
        assert formatting.whole_number(1250) == "1.250"
        assert formatting.measured_value(Decimal("12.50")) == "12,5"
        assert formatting.measured_value("1200.5") == "1.200,5"
        assert formatting.measured_value("Yes") == "Yes"  # a qualitative indicator's word
    with translation.override("en"):
        assert formatting.whole_number(1250) == "1,250"


# Values at the edges of Django's number formatting: signs, zeros too small to show, places
# cut rather than rounded, exponents, and the tenth of a place that rounds to nothing.
EDGE_VALUES = [
    0,
    -1,
    999,
    1000,
    -1_234_567,
    10**15,
    Decimal("-0.001"),
    Decimal("-0.00"),
    Decimal("0.05"),
    Decimal("-0.05"),
    Decimal("-0.5"),
    Decimal("1.999"),
    Decimal("-1234.5678"),
    Decimal("1E+5"),
    Decimal("12345678.9"),
    12.75,
]


@pytest.mark.parametrize("lang", ["it", "en", "fr", "de"])
@pytest.mark.parametrize("places", [0, 1, 2])
def test_grouped_figures_are_written_as_djangos_number_format_writes_them(lang, places):
    with translation.override(lang):
        for value in EDGE_VALUES:
            expected = number_format(value, places, force_grouping=True)
            assert formatting.grouped(value, places) == expected, (lang, value, places)


def test_country_names_are_cldr_everyday_names_in_both_languages():
    countries = registry.get("Country")
    assert countries.label("PS", "en") == "Palestinian Territories"
    assert countries.label("PS", "it") == "Territori Palestinesi"
    assert countries.label("NE", "en") == "Niger"
    assert countries.label("BO", "en") == "Bolivia"
    # The official name stays known (search finds it).
    assert countries.official_name("PS") == "Palestine, State of"


@pytest.fixture
def dated_activity(db):
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    activity = Activity(
        reporting_org=florence,
        iati_identifier="IT-CF-01307110484-DATED",
        slug="dated",
        title={"it": "Progetto datato", "en": "Dated project"},
        planned_start=datetime.date(2025, 9, 1),
        planned_end=datetime.date(2026, 3, 31),
        default_currency="EUR",
    )
    activity.recipient_countries = [RecipientCountry(code="PS", percentage=100)]
    activity.locations = [
        Location(
            name={"it": "La Paz", "en": "La Paz"}, country="BO", latitude=-16.5, longitude=-68.1
        )
    ]
    activity.budgets = [
        Budget(
            period_start=datetime.date(2023, 1, 5),
            period_end=datetime.date(2023, 12, 31),
            value=Decimal("12500.00"),
        )
    ]
    activity.transactions = [
        Transaction(type="3", date=datetime.date(2023, 5, 1), value=Decimal("1000.00"))
    ]
    result = Result(title={"it": "Persone formate", "en": "People trained"})
    indicator = ResultIndicator(title={"it": "Persone", "en": "People"})
    indicator.periods = [IndicatorPeriod(target_value=Decimal("320.00"))]
    result.indicators = [indicator]
    activity.results = [result]
    activity.beneficiaries = [
        Beneficiaries(group={"it": "Studenti", "en": "Students"}, total=1250, women=600)
    ]
    activity.save()
    activity.save_revision().publish()
    return activity


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def test_project_page_writes_dates_numbers_and_countries_for_italian_readers(
    client, dated_activity
):
    text = page_text(client, SECTION_IT + "progetti/dated/")
    assert "1 settembre 2025" in text
    assert "01 Settembre 2025" not in text
    assert "5 gen 2023 – 31 dic 2023" in text
    assert "1 mag 2023" in text
    assert "12.500,00 EUR" in text
    assert "Territori Palestinesi" in text
    assert "La Paz (Bolivia)" in text
    assert "Studenti: 1.250 (donne 600" in text
    assert "320,00" not in text and "320" in text


def test_project_page_writes_dates_numbers_and_countries_for_english_readers(
    client, dated_activity
):
    text = page_text(client, SECTION_EN + "projects/dated/")
    assert "1 September 2025" in text
    assert "Sept. 1, 2025" not in text
    assert "5 Jan 2023 – 31 Dec 2023" in text
    assert "01/05/2023" not in text and "05/01/2023" not in text
    assert "12,500.00 EUR" in text
    assert "Palestinian Territories" in text
    assert "Palestine, State of" not in text
    assert "La Paz (Bolivia)" in text
    assert "Plurinational" not in text
    assert "Students: 1,250" in text


@pytest.mark.parametrize(
    "base, one, two",
    [
        (SECTION_IT + "catalogo/", "1 progetto trovato", "2 progetti trovati"),
        (SECTION_EN + "catalogue/", "1 project found", "2 projects found"),
    ],
)
def test_catalogue_counts_agree_with_their_noun(db, client, base, one, two):
    # Florence's demo has one project in Niger and two in Israel.
    assert one in page_text(client, base + "?country=NE")
    assert two in page_text(client, base + "?country=IL")


def test_italian_plural_of_the_search_link_reads_right_for_any_number():
    # "Vedi tutti i 8 progetti" was wrong Italian (gli 8, gli 11): the count now follows the noun.
    with translation.override("it"):
        for count in (8, 11, 20):
            line = translation.ngettext(
                "See the %(counter)s project in the catalogue, with filters",
                "See all %(counter)s projects in the catalogue, with filters",
                count,
            ) % {"counter": count}
            assert line == f"Vedi nel catalogo tutti i progetti trovati ({count}), con i filtri"
