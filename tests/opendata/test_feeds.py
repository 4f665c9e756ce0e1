"""Tests of the feeds and of what else tells machines about the portal: sitemap, robots.txt,
schema.org JSON-LD on record pages."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django.http import QueryDict
from lxml import etree

from opencoop.activities.models import Activity
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.selectors import catalogue
from opencoop.iati.export import iati_file_available
from opencoop.initiatives.models import Initiative

from ..conftest import SECTION_EN, SECTION_IT
from .sensitive import SENSITIVE_TITLE, VISIBLE_NAME, assert_no_secret, make_sensitive_activity

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def sensitive():
    return make_sensitive_activity()


def xml(client, url: str) -> etree._Element:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return etree.fromstring(response.content)


def catalogue_count(query: str) -> int:
    return catalogue(CatalogueFilters.from_querydict(QueryDict(query)), lang="en").total


# Feeds -------------------------------------------------------------------------------------------


def test_activity_feed_in_each_language(client, sensitive):
    english = xml(client, "/opendata/feeds/activities.atom?lang=en")
    italian = xml(client, "/opendata/feeds/activities.atom?lang=it")
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert italian.get("{http://www.w3.org/XML/1998/namespace}lang") == "it"
    entries = english.findall(f"{ATOM}entry")
    assert len(entries) == min(50, catalogue_count(""))
    # Newest first: the activity just published leads, with its page in each language.
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == SENSITIVE_TITLE["en"]
    assert first.find(f"{ATOM}link").get("href") == (
        f"http://testserver{SECTION_EN}projects/{sensitive.activity.slug}/"
    )
    assert first.findtext(f"{ATOM}id") == f"urn:iati:{sensitive.activity.iati_identifier}"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Municipality of Florence"
    italian_first = italian.findall(f"{ATOM}entry")[0]
    assert italian_first.findtext(f"{ATOM}title") == SENSITIVE_TITLE["it"]
    assert (
        italian_first.find(f"{ATOM}link").get("href").startswith(f"http://testserver{SECTION_IT}")
    )


def test_filtered_activity_feed_holds_what_the_catalogue_lists(client, sensitive):
    feed = xml(client, "/opendata/feeds/activities.rss?country=PS&lang=en")
    items = feed.findall("channel/item")
    assert len(items) == catalogue_count("country=PS") > 0
    titles = {item.findtext("title") for item in items}
    palestinian = Activity.objects.published().filter(recipient_countries__code="PS")
    assert titles == {activity.title["en"] for activity in palestinian}
    assert feed.findtext("channel/language") == "en"
    assert feed.findtext("channel/link").endswith("/catalogue/?country=PS")
    assert "filtered" in feed.findtext("channel/title")


def test_feeds_never_name_a_hidden_partner(client, sensitive):
    for url, lang in (
        ("/opendata/feeds/activities.atom?lang=en", "en"),
        ("/opendata/feeds/activities.rss?lang=it&country=SY", "it"),
        (f"/opendata/feeds/activities.atom?partner={sensitive.visible.slug}&lang=en", "en"),
    ):
        response = client.get(url)
        assert SENSITIVE_TITLE[lang].encode() in response.content
        assert_no_secret(response.content, url)
    hidden = xml(client, f"/opendata/feeds/activities.atom?partner={sensitive.hidden.slug}")
    assert hidden.findall(f"{ATOM}entry") == []


def test_initiative_feeds(client):
    atom = xml(client, "/opendata/feeds/initiatives.atom?lang=en")
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == Initiative.objects.published().count() > 0
    assert all(
        entry.find(f"{ATOM}link").get("href").startswith("http://testserver/en/")
        for entry in entries
    )
    rss = xml(client, "/opendata/feeds/initiatives.rss?country=BF&lang=it")
    expected = Initiative.objects.published().filter(countries__code="BF").distinct().count()
    assert len(rss.findall("channel/item")) == expected > 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/opendata/feeds/activities.atom?country=XX&lang=en",
            "(country): “XX” is not a known value",
        ),
        ("/opendata/feeds/activities.rss?lang=xx", "Lingua “xx” (lang)"),
        ("/opendata/feeds/initiatives.atom?kind=party", "kind.0:"),
    ],
)
def test_bad_feed_parameters_get_400(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_pages_point_to_the_feed(client):
    soup = BeautifulSoup(client.get(SECTION_EN).content, "html.parser")
    link = soup.find("link", rel="alternate", type="application/atom+xml")
    assert link["href"] == "/opendata/feeds/activities.atom?lang=en"
    assert xml(client, link["href"]).tag == f"{ATOM}feed"


# Sitemap and robots.txt --------------------------------------------------------------------------


def sitemap_addresses(client) -> list[str]:
    index = xml(client, "/sitemap.xml")
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert "http://testserver/sitemap-pages.xml" in sections
    addresses = []
    for section in sections:
        addresses += [loc.text for loc in xml(client, section).iter(f"{SITEMAP}loc")]
    return addresses


def test_sitemap_lists_pages_and_records_in_both_languages(client, sensitive):
    addresses = sitemap_addresses(client)
    assert f"http://testserver{SECTION_IT}" in addresses
    assert f"http://testserver{SECTION_EN}" in addresses
    slug = sensitive.activity.slug
    assert f"http://testserver{SECTION_IT}progetti/{slug}/" in addresses
    assert f"http://testserver{SECTION_EN}projects/{slug}/" in addresses
    initiative = Initiative.objects.published().first()
    assert f"http://testserver{SECTION_EN}initiatives/{initiative.slug}/" in addresses
    public = Activity.objects.published().count()
    project_pages = [a for a in addresses if "/projects/" in a and a.count("/") > 8]
    assert len(project_pages) == public
    assert len(addresses) == len(set(addresses))


def test_sitemap_leaves_out_drafts_and_hidden_names(client, sensitive):
    sensitive.activity.live = False
    sensitive.activity.save()
    addresses = sitemap_addresses(client)
    assert not any(sensitive.activity.slug in address for address in addresses)
    assert_no_secret("\n".join(addresses), "the sitemap")


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert [line for line in lines if line.startswith("Disallow")] == ["Disallow: /admin/"]


# schema.org JSON-LD ------------------------------------------------------------------------------


def json_ld(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    blocks = soup.find_all("script", type="application/ld+json")
    assert len(blocks) == 1
    return json.loads(blocks[0].string), response.content


def test_activity_page_describes_a_project_without_hidden_facts(client, sensitive):
    url = f"{SECTION_EN}projects/{sensitive.activity.slug}/"
    data, html = json_ld(client, url)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Project"
    assert data["name"] == SENSITIVE_TITLE["en"]
    assert data["description"].startswith("Listening and accompaniment")
    assert data["url"] == f"http://testserver{url}"
    assert [c["identifier"] for c in data["areaServed"]] == ["SY", "LB"]
    assert data["funder"]["name"] == "Municipality of Florence"
    assert [m["name"] for m in data["member"]] == [VISIBLE_NAME["en"]]
    # Hidden places: the country only, no name and no coordinates.
    assert data["location"] == [
        {"@type": "Place", "address": {"@type": "PostalAddress", "addressCountry": "SY"}},
        {"@type": "Place", "address": {"@type": "PostalAddress", "addressCountry": "LB"}},
    ]
    assert_no_secret(json.dumps(data), "the JSON-LD")
    assert_no_secret(html, "the activity page")


def test_activity_page_links_its_iati_file_when_there_is_one(client, sensitive):
    soup = BeautifulSoup(
        client.get(f"{SECTION_EN}projects/{sensitive.activity.slug}/").content, "html.parser"
    )
    assert iati_file_available(sensitive.activity)
    link = soup.select_one("a.oc-iati-link")
    assert link["href"] == f"/opendata/iati/activity/{sensitive.activity.iati_identifier}.xml"
    assert client.get(link["href"]).status_code == 200

    incomplete = Activity.objects.published().filter(reporting_org=sensitive.florence, status="")
    demo = incomplete.first()
    assert not iati_file_available(demo)
    soup = BeautifulSoup(client.get(f"{SECTION_EN}projects/{demo.slug}/").content, "html.parser")
    assert soup.select_one("a.oc-iati-link") is None


def test_initiative_page_describes_an_event(client):
    initiative = Initiative.objects.published().exclude(summary={}).first()
    url = f"{SECTION_IT}iniziative/{initiative.slug}/"
    data, _html = json_ld(client, url)
    assert data["@type"] == "Event"
    assert data["name"] == initiative.title["it"]
    assert data["description"] == initiative.summary["it"]
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "Comune di Firenze",
        "identifier": "IT-CF-01307110484",
    }
    codes = [c.code for c in initiative.countries.all()]
    assert [c["identifier"] for c in data.get("about", [])] == codes


def test_json_ld_cannot_close_its_script_block(client, sensitive):
    sensitive.activity.title = {"en": "Tricky </script><script>alert(1)</script>"}
    sensitive.activity.save()
    response = client.get(f"{SECTION_EN}projects/{sensitive.activity.slug}/")
    assert b"</script><script>alert(1)" not in response.content
    data, _html = json_ld(client, f"{SECTION_EN}projects/{sensitive.activity.slug}/")
    assert data["name"] == "Tricky </script><script>alert(1)</script>"
