"""Public pages: language switch, hreflang, breadcrumbs, fallback text, sensitive contexts."""

import pytest
from bs4 import BeautifulSoup

from opencoop.activities.models import Activity, Location, ParticipatingOrg, RecipientCountry
from opencoop.organisations.models import Organisation

from .conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db

PROJECT_EN = SECTION_EN + "projects/agata-smeralda-salvador-bahia/"
PROJECT_IT = SECTION_IT + "progetti/agata-smeralda-salvador-bahia/"


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def publish(activity: Activity) -> Activity:
    activity.save()
    activity.save_revision().publish()
    return activity


@pytest.fixture
def florence():
    return Organisation.objects.get(identifier="IT-CF-01307110484")


def test_root_redirects_to_the_italian_home(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 302
    assert response["Location"] == "/it/"


@pytest.mark.parametrize(
    ("url", "lang", "other_path"),
    [
        (PROJECT_EN, "en", PROJECT_IT),
        (PROJECT_IT, "it", PROJECT_EN),
        (SECTION_IT, "it", SECTION_EN),
    ],
)
def test_language_switch_and_hreflang_lead_to_the_same_content(client, url, lang, other_path):
    soup = soup_of(client, url)
    assert soup.html["lang"] == lang
    alternates = {
        link["hreflang"]: link["href"]
        for link in soup.find_all("link", rel="alternate")
        if link.has_attr("hreflang")
    }
    assert set(alternates) == {"it", "en"}
    assert alternates[lang].endswith(url)
    assert alternates["en" if lang == "it" else "it"].endswith(other_path)
    switch = soup.find("ul", class_="oc-lang-switch")
    links = {a["hreflang"]: a for a in switch.find_all("a")}
    assert {code: a["href"] for code, a in links.items()} == alternates
    assert links[lang]["aria-current"] == "true"
    assert not links["en" if lang == "it" else "it"].has_attr("aria-current")
    # The other language's page shows the same record.
    other = soup_of(client, other_path)
    assert other.find("h1") is not None
    if "agata" in url:
        assert "IT-CF-01307110484-AGATA-SMERALDA" in other.get_text()


def test_breadcrumbs_follow_the_page_tree(client):
    soup = soup_of(client, PROJECT_EN)
    crumbs = [
        li.get_text(" ", strip=True).rstrip("/ ").strip() for li in soup.select("ol.breadcrumb li")
    ]
    assert crumbs[:5] == [
        "Home",
        "Administration",
        "International Florence",
        "Decentralized cooperation",
        "Projects",
    ]
    assert crumbs[5].startswith("Agata Smeralda project")
    links = [a["href"] for a in soup.select("ol.breadcrumb a")]
    assert links == [
        "/en/",
        "/en/administration/",
        "/en/administration/international-florence/",
        SECTION_EN,
        SECTION_EN + "projects/",
    ]
    italian = soup_of(client, PROJECT_IT)
    assert [
        li.get_text(" ", strip=True).rstrip("/ ").strip()
        for li in italian.select("ol.breadcrumb li")
    ][:4] == ["Home", "Amministrazione", "Firenze Internazionale", "Cooperazione decentrata"]


def test_missing_english_text_falls_back_to_italian_with_lang(client, florence):
    activity = publish(
        Activity(
            reporting_org=florence,
            iati_identifier="IT-CF-01307110484-ONLY-ITALIAN",
            slug="only-italian",
            title={"it": "Solo in italiano"},
            description={"it": "Descrizione soltanto italiana", "en": "English description"},
        )
    )
    soup = soup_of(client, SECTION_EN + "projects/only-italian/")
    heading = soup.find("h1")
    span = heading.find("span", lang="it")
    assert span is not None and span.get_text() == "Solo in italiano"
    assert "English description" in soup.get_text()
    italian = soup_of(client, SECTION_IT + "progetti/only-italian/")
    assert italian.find("h1").find("span") is None
    assert italian.find("h1").get_text() == "Solo in italiano"
    # The landing page lists it with the same marking.
    landing = soup_of(client, SECTION_EN)
    assert landing.find("span", lang="it", string="Solo in italiano") is not None
    assert activity.pk


def test_drafts_and_embargoed_activities_stay_off_public_pages(client, florence):
    draft = Activity.objects.create(
        reporting_org=florence,
        iati_identifier="IT-CF-01307110484-DRAFT",
        slug="a-draft",
        title={"en": "A draft project"},
        live=False,
    )
    assert client.get(SECTION_EN + "projects/a-draft/").status_code == 404
    assert "A draft project" not in client.get(SECTION_EN).content.decode()
    draft.embargo_until = "2999-01-01"
    publish(draft)
    assert client.get(SECTION_EN + "projects/a-draft/").status_code == 404
    draft.embargo_until = None
    publish(draft)
    assert client.get(SECTION_EN + "projects/a-draft/").status_code == 200


def test_hidden_partner_and_exact_location_are_not_published(client, florence):
    secret = Organisation.objects.create(
        name={"en": "Secret Partner Association"}, slug="secret", identifier="XM-SECRET-1"
    )
    activity = Activity(
        reporting_org=florence,
        iati_identifier="IT-CF-01307110484-SENSITIVE",
        slug="sensitive",
        title={"en": "Sensitive project"},
        hide_exact_locations=True,
    )
    activity.participating_orgs = [ParticipatingOrg(organisation=secret, role="4", hide_name=True)]
    activity.recipient_countries = [RecipientCountry(code="IQ", percentage=100)]
    activity.locations = [
        Location(name={"en": "Secret village"}, country="IQ", latitude=33.1, longitude=44.1)
    ]
    publish(activity)
    body = client.get(SECTION_EN + "projects/sensitive/").content.decode()
    assert "Secret Partner Association" not in body
    assert "XM-SECRET-1" not in body
    assert "Secret village" not in body
    assert "a local partner" in body
    assert "Iraq" in body


def test_pages_offer_text_size_print_share_and_licence(client):
    soup = soup_of(client, PROJECT_EN)
    sizes = [b["data-oc-text-size"] for b in soup.select("button[data-oc-text-size]")]
    assert sizes == ["small", "medium", "large"]
    assert soup.select_one("button[data-oc-print]") is not None
    share = [a["href"] for a in soup.select(".oc-share a")]
    assert any(h.startswith("https://twitter.com/intent/tweet?") for h in share)
    assert any(h.startswith("https://www.facebook.com/sharer/sharer.php?") for h in share)
    assert any(h.startswith("mailto:?subject=") for h in share)
    assert not soup.find_all("script", src=lambda s: s and s.startswith("http"))
    licence = soup.find("a", rel="license")
    assert licence["href"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "01307110484" in soup.find("footer").get_text()


def test_record_lists_use_the_shared_pagination(client, monkeypatch):
    from opencoop.pages.models import RecordIndexPage

    index = RecordIndexPage.objects.live().get(
        record_type="initiatives", url_path__contains="/decentralized-cooperation/"
    )
    monkeypatch.setattr(RecordIndexPage, "page_size", 1)
    count = index.kind.published(index.reporting_org).count()
    assert count >= 3
    first = soup_of(client, index.url).select_one("nav.pagination-wrapper")
    assert first["aria-label"] == "Pages"
    assert not first.select("a:not([href])")
    assert first.select_one("li.disabled span.page-link[aria-disabled=true]")
    assert first.select_one('a[aria-current="page"]').get_text(strip=True) == "1"
    second = soup_of(client, index.url + "?page=2").select_one("nav.pagination-wrapper")
    assert second.select_one('a[aria-current="page"]').get_text(strip=True) == "2"
    assert second.select("a.page-link")[0]["href"] == index.url
    assert second.select("a.page-link")[-1]["href"] == index.url + "?page=3"
