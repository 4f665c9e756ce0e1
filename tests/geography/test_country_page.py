"""A partner country's page: its public records, partners, places, money and downloads."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.utils import translation

from opencoop.access import policy
from opencoop.activities.models import Activity, Transaction
from opencoop.core.multilingual import text
from opencoop.exchanges.models import Exchange
from opencoop.geography.countries import CountryScope
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.stats.selectors import by_year
from tests.conftest import SECTION_EN
from tests.factories import add_location, make_organisation, make_published_activity
from tests.stats.fixtures import page_tables, parse_number

pytestmark = pytest.mark.django_db

SENEGAL = {"it": "/it/paesi/sn/", "en": "/en/countries/sn/"}
NAME = {"it": "Senegal", "en": "Senegal"}


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def listed(soup: BeautifulSoup, section: str) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.select(f"#country-{section} li")]


@pytest.fixture
def florence() -> Organisation:
    return Organisation.objects.get(identifier="IT-CF-01307110484")


def expected_titles(model, lang: str, **condition) -> list[str]:
    records = policy.public(model).filter(**condition).distinct().order_by("pk")
    with translation.override(lang):
        return [text(record.title) for record in records]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_page_lists_exactly_the_public_records_of_the_country(client, lang, florence):
    make_published_activity(
        florence, title={"it": "Pozzi a Thiès", "en": "Wells in Thiès"}, countries=("SN",)
    )
    soup = soup_of(client, SENEGAL[lang])
    assert soup.h1.get_text(strip=True).startswith(NAME[lang] + " – ")
    assert soup.title.get_text().startswith(NAME[lang] + " – ")
    assert NAME[lang] in soup.find("meta", attrs={"name": "description"})["content"]
    crumbs = [li.get_text(" ", strip=True) for li in soup.select(".breadcrumb li")]
    assert crumbs[-1] == NAME[lang] and len(crumbs) == 3
    activities = expected_titles(Activity, lang, recipient_countries__code="SN")
    assert activities and listed(soup, "activities") == activities
    initiatives = expected_titles(Initiative, lang, countries__code="SN")
    assert initiatives and listed(soup, "initiatives") == initiatives
    exchanges = expected_titles(Exchange, lang, country="SN")
    assert exchanges and listed(soup, "exchanges") == exchanges
    alternates = {link["hreflang"]: link["href"] for link in soup.select("link[hreflang]")}
    assert alternates["it"].endswith(SENEGAL["it"]) and alternates["en"].endswith(SENEGAL["en"])


def test_embargoed_and_draft_activities_are_absent(client, florence):
    make_published_activity(
        florence,
        title={"it": "Progetto sotto embargo", "en": "Embargoed project"},
        countries=("SN",),
        embargo_until=datetime.date.today() + datetime.timedelta(days=30),
    )
    make_published_activity(
        florence,
        title={"it": "Bozza", "en": "Draft project"},
        countries=("SN",),
        publish=False,
    )
    page = soup_of(client, SENEGAL["en"]).get_text()
    assert "Italy and Senegal together" in page
    assert "Embargoed project" not in page
    assert "Draft project" not in page


def test_a_hidden_partner_is_not_named(client, florence):
    shown = make_organisation(name={"it": "Associazione Visibile", "en": "Visible Association"})
    hidden = make_organisation(name={"it": "Gruppo Protetto", "en": "Protected Group"})
    make_published_activity(
        florence,
        title={"it": "Scuole a Dakar", "en": "Schools in Dakar"},
        countries=("SN",),
        partners=((shown, False), (hidden, True)),
    )
    soup = soup_of(client, SENEGAL["en"])
    assert "Visible Association" in listed(soup, "partners")
    assert "Protected Group" not in soup.get_text()


def test_hidden_places_stay_off_the_map(client, florence):
    open_activity = make_published_activity(
        florence, title={"it": "Aperto", "en": "Open"}, countries=("SN",)
    )
    add_location(open_activity, "Saint-Louis", "16.03", "-16.49", "SN")
    secret = make_published_activity(
        florence, title={"it": "Riservato", "en": "Sensitive"}, countries=("SN",)
    )
    secret.hide_exact_locations = True
    secret.save()
    add_location(secret, "Kaolack Safehouse", "14.15", "-16.07", "SN")
    soup = soup_of(client, SENEGAL["en"])
    assert listed(soup, "places") == ["Saint-Louis"]
    svg = soup.select_one("#country-places svg.oc-map")
    assert svg is not None
    assert len(svg.select(".oc-map-point")) == 1
    assert "Kaolack" not in soup.get_text()


def test_money_by_year_equals_the_statistics_selector(client, florence):
    activity = make_published_activity(
        florence, title={"it": "Con importi", "en": "With money"}, countries=("SN",)
    )
    activity.default_currency = "EUR"
    activity.save()
    for kind, day, value in (("3", "2024-05-01", 1500), ("2", "2023-02-01", 4000)):
        Transaction.objects.create(
            activity=activity,
            type=kind,
            date=datetime.date.fromisoformat(day),
            value=Decimal(value),
            currency="EUR",
        )
    with translation.override("en"):
        selector = by_year(CountryScope("SN"))
    table = page_tables(client.get(SENEGAL["en"]).content)["by-year"]
    rows = [*selector.rows, *([selector.footer] if selector.footer else [])]
    assert [code for code, _label, _cells in table["rows"]] == [r.code for r in rows]
    assert {"2023", "2024"} <= {r.code for r in selector.rows}
    for (_code, _label, cells), row in zip(table["rows"], rows, strict=True):
        assert [parse_number(cell, "en") for cell in cells] == list(row.values)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_downloads_carry_the_country(client, lang):
    soup = soup_of(client, SENEGAL[lang])
    links = [a["href"] for a in soup.select("#country-downloads a")]
    assert [urlparse(href).path.rsplit(".", 1)[1] for href in links] == [
        "csv",
        "xlsx",
        "json",
        "csv",
        "xml",
        "atom",
    ]
    for href in links:
        query = parse_qs(urlparse(href).query)
        assert query["country"] == ["SN"] and query["lang"] == [lang]
        response = client.get(href)
        if href.startswith("/opendata/catalogue/activities.xml"):
            # These projects lack elements IATI 2.03 requires: no valid IATI file, said so.
            assert response.status_code == 404, href
            assert response["Content-Type"] == "text/plain; charset=utf-8"
        else:
            assert response.status_code == 200, href
    # The second CSV is the one for Excel in Italian: semicolons, after a byte order mark.
    assert parse_qs(urlparse(links[3]).query)["dialect"] == ["excel-it"]
    response = client.get(links[3])
    italian = b"".join(response.streaming_content) if response.streaming else response.content
    assert italian.startswith(b"\xef\xbb\xbf") and b";" in italian.splitlines()[0]


def test_the_catalogue_links_each_country_of_a_card_to_its_page(client):
    soup = soup_of(client, SECTION_EN + "catalogue/?country=PS")
    cards = soup.select("main dd.oc-countries")
    assert len(cards) == Activity.objects.published().filter(recipient_countries__code="PS").count()
    for countries in cards:
        assert "/en/countries/ps/" in [a["href"] for a in countries.find_all("a")]


def test_a_record_page_links_its_country_to_the_country_page(client):
    initiative = (
        policy.public(Initiative).filter(countries__code="SN").select_related("reporting_org")
    ).first()
    soup = soup_of(client, SENEGAL["it"])
    link = soup.select_one("#country-initiatives a")
    record = soup_of(client, link["href"])
    assert initiative is not None
    country_links = [a["href"] for a in record.select("dd a") if a["href"] == SENEGAL["it"]]
    assert country_links, "the initiative's country links to its page"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_exchange_page_links_its_country_to_the_country_page(client, lang):
    page = soup_of(client, SENEGAL[lang])
    record = soup_of(client, page.select_one("#country-exchanges a")["href"])
    links = {a.get_text(strip=True): a["href"] for a in record.select("main dd a")}
    assert links[NAME[lang]] == SENEGAL[lang]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_transaction_links_its_recipient_country_to_the_country_page(client, lang, florence):
    activity = make_published_activity(
        florence, title={"it": "Pagato a Thiès", "en": "Paid in Thiès"}, countries=("SN",)
    )
    Transaction.objects.create(
        activity=activity,
        type="3",
        date=datetime.date(2024, 5, 1),
        value=Decimal(1500),
        currency="EUR",
        recipient_country="SN",
    )
    page = soup_of(client, SENEGAL[lang])
    title = {"it": "Pagato a Thiès", "en": "Paid in Thiès"}[lang]
    link = next(a for a in page.select("#country-activities a") if a.get_text(strip=True) == title)
    record = soup_of(client, link["href"])
    classification = record.select_one(".oc-transaction-classification")
    assert [a["href"] for a in classification.find_all("a")] == [SENEGAL[lang]]
    assert classification.find("a").get_text(strip=True) == NAME[lang]


@pytest.mark.parametrize(
    ("lang", "code", "label", "html"),
    [
        ("it", "SN", None, '<a href="/it/paesi/sn/">Senegal</a>'),
        ("en", "SN", None, '<a href="/en/countries/sn/">Senegal</a>'),
        ("en", "SN", "Senegal & co", '<a href="/en/countries/sn/">Senegal &amp; co</a>'),
        ("en", "AQ", None, "Antarctica"),
        ("en", "", "No country stated", "No country stated"),
    ],
)
def test_country_link_links_a_country_with_a_page_and_names_the_others(lang, code, label, html):
    template = Template("{% load countries %}{% country_link code label %}")
    with translation.override(lang):
        assert template.render(Context({"code": code, "label": label})) == html


@pytest.mark.parametrize("url", ["/en/countries/zz/", "/en/countries/aq/", "/it/countries/sn/"])
def test_unknown_or_empty_country_is_404(client, url):
    # ZZ is no country, Antarctica has no record, and the Italian site says "paesi".
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("lang", ["it", "en"])
def test_senegal_is_two_links_from_the_home_page(client, lang, florence):
    make_published_activity(
        florence, title={"it": "Pozzi a Thiès", "en": "Wells in Thiès"}, countries=("SN",)
    )
    home = soup_of(client, f"/{lang}/")
    countries_link = home.select_one(".oc-home-countries a")
    countries = soup_of(client, countries_link["href"])
    senegal = countries.select_one('.oc-country-list a[data-code="SN"]')
    assert senegal.get_text(strip=True) == NAME[lang]
    assert senegal["href"] == SENEGAL[lang]
    page = soup_of(client, senegal["href"])
    # The second link lands on Senegal's projects, every public one, and its initiatives.
    projects = expected_titles(Activity, lang, recipient_countries__code="SN")
    assert projects and listed(page, "activities") == projects
    assert listed(page, "initiatives")


def test_the_small_map_draws_the_region_only():
    from opencoop.geography.drawing import CountryMark, ShadeClass, world_map
    from opencoop.geography.shapes import world

    shapes = world()
    assert shapes is not None
    senegal = shapes.countries["SN"]
    x, y = senegal.point
    mark = CountryMark("SN", ShadeClass(5, 0, 0, "#3a78b5"), "", "Senegal")
    whole = world_map(
        world=shapes, countries=[mark], points=[], map_id="m", title="t", description="d"
    )
    region = world_map(
        world=shapes,
        countries=[mark],
        points=[],
        map_id="m",
        title="t",
        description="d",
        view_box=(x - 50, y - 25, 100, 50),
    )
    soup = BeautifulSoup(region, "html.parser")
    assert soup.svg["viewbox"] == f"{x - 50:.0f} {y - 25:.0f} 100 50"
    assert soup.select_one("path.oc-map-q5")["d"] == senegal.path
    assert shapes.countries["JP"].path not in region and shapes.countries["JP"].path in whole
    assert region.count("<path") < whole.count("<path") / 5


def test_a_country_with_many_projects_lists_the_first_and_counts_them_all(
    client, florence, monkeypatch
):
    """The page lists the first projects, counts every public one, and links to the rest."""
    from opencoop.geography import countries

    monkeypatch.setattr(countries, "ACTIVITIES_SHOWN", 2)
    made = [
        make_published_activity(
            florence, title={"it": f"Pozzo {n}", "en": f"Well {n}"}, countries=("BJ",)
        )
        for n in range(3)
    ]
    make_published_activity(
        florence,
        title={"it": "Sotto embargo", "en": "Embargoed well"},
        countries=("BJ",),
        embargo_until=datetime.date.today() + datetime.timedelta(days=30),
    )
    url = "/en/countries/bj/"
    soup = soup_of(client, url)
    assert listed(soup, "activities") == ["Well 0", "Well 1"]
    more = soup.select_one("#country-activities .oc-country-more")
    assert more.get_text(" ", strip=True).startswith("The first 2 of 3 projects.")
    link = urlparse(more.a["href"])
    assert parse_qs(link.query) == {"country": ["BJ"]}
    assert client.get(more.a["href"]).status_code == 200

    # Published: counted on the next request; unpublished: no longer.
    make_published_activity(florence, title={"it": "Pozzo 3", "en": "Well 3"}, countries=("BJ",))
    more = soup_of(client, url).select_one("#country-activities .oc-country-more")
    assert "The first 2 of 4 projects." in more.get_text(" ", strip=True)
    made[0].unpublish()
    made[1].unpublish()
    soup = soup_of(client, url)
    assert listed(soup, "activities") == ["Well 2", "Well 3"]
    assert soup.select_one("#country-activities .oc-country-more") is None
    assert "Embargoed well" not in soup.get_text()


def test_the_home_and_catalogue_the_page_links_follow_each_publication(
    client, florence, monkeypatch
):
    """Both are remembered until a publication: a renamed home, an unpublished catalogue show."""
    from wagtail.models import Site

    from opencoop.catalogue.models import CataloguePage
    from opencoop.geography import countries
    from opencoop.pages.models import HomePage

    monkeypatch.setattr(countries, "ACTIVITIES_SHOWN", 1)
    for n in range(2):
        make_published_activity(
            florence, title={"it": f"Pozzo {n}", "en": f"Well {n}"}, countries=("BJ",)
        )
    url = "/en/countries/bj/"

    def crumbs_and_more() -> tuple[list[str], str | None]:
        soup = soup_of(client, url)
        link = soup.select_one("#country-activities .oc-country-more a")
        crumbs = [(li.a or li).get_text(strip=True) for li in soup.select(".breadcrumb li")]
        return crumbs, link["href"] if link is not None else None

    crumbs, more = crumbs_and_more()
    assert more is not None and "country=BJ" in more
    root = Site.objects.get(is_default_site=True).root_page
    home = HomePage.objects.live().get(
        locale__language_code="en", translation_key=root.translation_key
    )
    assert crumbs[0] == home.title
    home.title = "Cooperation at home"
    home.save_revision().publish()
    assert crumbs_and_more()[0][0] == "Cooperation at home"

    catalogue = CataloguePage.objects.live().get(locale__language_code="en")
    catalogue.unpublish()
    assert crumbs_and_more()[1] is None  # no catalogue to link to
    catalogue.save_revision().publish()
    assert crumbs_and_more()[1] == more
