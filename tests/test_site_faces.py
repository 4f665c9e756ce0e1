"""Each authority its own face: Florence's site shows Florence only, the atlas wears its own chrome.

The Florence demo is in the test database; each test generates the fictional "Comune di Esempio",
whose pages go on the atlas site (``opencoop.demo.atlas``). Every public page type of each site
is fetched with Django's client, by host name, in both languages:
- no page of Florence's site names the fictional authority, its identifier or its projects;
- no page of the atlas carries Florence's name or fiscal number in its header, footer or title.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from wagtail.models import Page, Site

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.core.sites import in_site, scope_of_site
from opencoop.demo.generator import authority_spec, generate
from opencoop.geography.countries import countries_with_records, country_url
from opencoop.organisations.models import Organisation
from opencoop.pages.models import RecordIndexPage

LANGS = ("it", "en")
ATLAS = "atlas.localhost"
FLORENCE_FISCAL_NUMBER = "01307110484"
FLORENCE_NAMES = ("Comune di Firenze", "Municipality of Florence", "Firenze", "Florence")


@pytest.fixture
def fictional(db) -> Organisation:
    """Generate the fictional authority (and the atlas site its pages go on)."""
    generate(activities=12, seed=5, index=False)
    return Organisation.objects.get(identifier=authority_spec(0).identifier)


def path_of(page: Page) -> str:
    """Return the page's address within its own site."""
    return page.specific.get_url_parts()[2]


def site_of(root_slug: str) -> Site:
    return Site.objects.get(root_page__slug=root_slug)


def page_addresses(site: Site, lang: str) -> Iterator[tuple[str, str]]:
    """Yield (page type, address) for every public page type of ``site`` in ``lang``."""
    pages = policy.public_pages(in_site(Page.objects.all(), site)).filter(
        locale__language_code=lang
    )
    seen: set[str] = set()
    for page in pages.specific().order_by("path"):
        kind = type(page).__name__
        yield kind, path_of(page)
        if isinstance(page, RecordIndexPage) and kind + page.record_type not in seen:
            seen.add(kind + page.record_type)
            record = page.kind.published(page.reporting_org).first()
            if record is not None:
                yield (
                    page.record_type,
                    path_of(page) + page.reverse_subpage("record", args=[record.slug]),
                )
        if type(page).__name__ == "CataloguePage":
            yield "catalogue-filtered", path_of(page) + "?status=2"
        if type(page).__name__ == "SearchPage":
            for words in ("Esempio", "Saint-Louis", "Firenze", "Florence"):
                yield f"search-results {words}", path_of(page) + f"?q={words}"
    scope = scope_of_site(site)
    countries = sorted(countries_with_records(None, scope))
    home = path_of(
        Page.objects.get(
            translation_key=site.root_page.translation_key, depth=2, locale__language_code=lang
        )
    )
    segment = country_url(countries[0], lang).rsplit("/", 3)[-3] if countries else ""
    if countries:
        yield "country-list", f"{home}{segment}/"
        yield "country", f"{home}{segment}/{countries[0].lower()}/"
    for output in (
        f"/opendata/feeds/activities.atom?lang={lang}",
        f"/opendata/feeds/initiatives.rss?lang={lang}",
        f"/opendata/catalogue/activities.csv?lang={lang}",
        f"/opendata/catalogue/metadata.json?lang={lang}",
        f"/api/v1/activities?lang={lang}&page_size=100",
        f"/api/v1/initiatives?lang={lang}",
        f"/api/v1/plans?lang={lang}",
        f"/api/v1/organisations?lang={lang}&page_size=100",
        f"/sitemap-activities-{lang}.xml",
        "/sitemap-pages.xml",
    ):
        yield output.split("?")[0], output


def fetch(client: Client, host: str, address: str) -> str:
    response = client.get(address, HTTP_HOST=host)
    assert response.status_code == 200, f"{host}{address}: {response.status_code}"
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def fictional_words(authority: Organisation) -> list[str]:
    """Return what would show the fictional authority: names, identifier, project titles."""
    words = [authority.identifier, authority.name["it"], authority.name["en"], authority.slug]
    for activity in Activity.objects.filter(reporting_org=authority):
        words += [text for text in activity.title.values() if text]
    return words


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_of_florences_site_shows_another_authority(client, fictional, lang):
    florence = Site.objects.get(is_default_site=True)
    assert scope_of_site(florence).authorities == frozenset(
        Organisation.objects.filter(identifier__startswith="IT-CF-01307110484").values_list(
            "pk", flat=True
        )
    )
    words = fictional_words(fictional)
    visited, leaks = set(), []
    for kind, address in page_addresses(florence, lang):
        html = fetch(client, "localhost", address)
        visited.add(kind)
        leaks += [f"{kind} {address}: {word}" for word in words if word in html]
    assert not leaks, leaks
    # Every public page type of the site was looked at, not an empty list.
    assert {
        "HomePage",
        "StandardPage",
        "SectionPage",
        "RecordIndexPage",
        "activities",
        "initiatives",
        "exchanges",
        "plans",
        "CataloguePage",
        "catalogue-filtered",
        "SearchPage",
        "search-results Esempio",
        "OpenDataPage",
        "NoticePage",
        "SuggestionPage",
        "country-list",
        "country",
        "/opendata/feeds/activities.atom",
        "/api/v1/activities",
    } <= visited


def chrome_of(html: str) -> str:
    """Return the header, the footer and the <title>'s suffix of a page."""
    parts = re.findall(r"<header\b.*?</header>|<footer\b.*?</footer>", html, re.S)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    suffix = title.group(1).rsplit(" – ", 1)[-1] if title else ""
    return "\n".join([*parts, suffix])


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_of_the_atlas_wears_florences_header_or_fiscal_number(client, fictional, lang):
    atlas = site_of("atlante")
    assert atlas.hostname == ATLAS
    visited, leaks = set(), []
    for kind, address in page_addresses(atlas, lang):
        html = fetch(client, ATLAS, address)
        visited.add(kind)
        if address.startswith(("/opendata/", "/api/", "/sitemap")):
            continue  # no chrome: the data itself may hold Florence's records (an atlas)
        chrome = chrome_of(html)
        assert "<header" in chrome and "<footer" in chrome, f"{kind} {address}"
        # A search page repeats the visitor's own words: those are not Florence's chrome.
        asked = address.partition("?q=")[2]
        if asked:
            chrome = chrome.replace(asked, "")
        leaks += [
            f"{kind} {address}: {word}"
            for word in (*FLORENCE_NAMES, FLORENCE_FISCAL_NUMBER)
            if word in chrome
        ]
    assert not leaks, leaks
    assert {
        "HomePage",
        "SectionPage",
        "RecordIndexPage",
        "activities",
        "CataloguePage",
        "SearchPage",
        "StatisticsPage",
        "PlansOverviewPage",
        "MapPage",
        "OpenDataPage",
        "NoticePage",
        "country",
    } <= visited


def test_florences_catalogue_counts_florence_only_and_the_atlas_every_authority(client, fictional):
    florence_id = Site.objects.get(is_default_site=True)
    assert florence_id
    public = policy.public(Activity)
    catalogue = "/it/amministrazione/firenze-internazionale/cooperazione-decentrata/catalogo/"
    html = fetch(client, "localhost", catalogue)
    florence_count = public.exclude(reporting_org=fictional).count()
    assert f">{florence_count} progetti trovati" in html
    atlas_html = fetch(client, ATLAS, "/it/catalogo/")
    assert f">{public.count()} progetti trovati" in atlas_html


def test_a_fictional_record_is_not_found_on_florences_site(client, fictional):
    record = policy.public(Activity).filter(reporting_org=fictional).first()
    api = f"/api/v1/activities/{record.iati_identifier}"
    assert client.get(api, HTTP_HOST="localhost").status_code == 404
    assert client.get(api, HTTP_HOST=ATLAS).status_code == 200
    iati = f"/opendata/iati/{fictional.identifier}/activities.xml"
    assert client.get(iati, HTTP_HOST="localhost").status_code == 404


def test_downloads_and_feeds_are_named_after_the_sites_authority(client, fictional):
    response = client.get("/opendata/catalogue/activities.csv?lang=en", HTTP_HOST="localhost")
    assert 'filename="florence-activities-en.csv"' in response["Content-Disposition"]
    response = client.get("/opendata/catalogue/activities.csv?lang=en", HTTP_HOST=ATLAS)
    assert 'filename="atlas-activities-en.csv"' in response["Content-Disposition"]
    feed = fetch(client, "localhost", "/opendata/feeds/activities.atom?lang=en")
    assert "<title>Municipality of Florence: new and updated projects</title>" in feed
    feed = fetch(client, ATLAS, "/opendata/feeds/activities.atom?lang=en")
    assert "Atlas of decentralized cooperation (demonstration): new and updated" in feed


def test_the_site_settings_show_whose_records_the_site_shows(client, fictional):
    """The settings form of a site has its authorities (Florence chosen) and the atlas switch."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("site-admin", "a@example.org", "x")
    client.force_login(admin)
    florence = Site.objects.get(is_default_site=True)
    form = client.get(f"/admin/settings/core/portalsettings/{florence.pk}/")
    assert form.status_code == 200
    bound = form.context["form"]
    assert {"authorities", "atlas"} <= set(bound.fields)
    chosen = {int(pk) for pk in bound["authorities"].value()}
    assert chosen == scope_of_site(florence).authorities
    # Only reporting authorities are offered, the fictional one among them.
    offered = set(bound.fields["authorities"].queryset.values_list("pk", flat=True))
    assert fictional.pk in offered
    assert not Organisation.objects.filter(pk__in=offered, is_reporting=False).exists()


# --- Each site's own face: colour, logo, website, footer ----------------------------------------


def body_and_brand(html: str):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return soup.body, soup.select_one("header .it-brand-wrapper"), soup.select_one("footer")


def test_each_site_wears_its_own_colour_logo_and_footer(client, fictional):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from opencoop.core.models import PortalSettings
    from opencoop.demo.atlas import ATLAS_COLOUR

    atlas = Site.objects.get(hostname=ATLAS)
    settings = PortalSettings.for_site(atlas)
    settings.logo = Image.objects.create(title="Atlas emblem", file=get_test_image_file())
    settings.authority_url = "https://atlas.example.org/"
    settings.save()
    florence_html = fetch(client, "localhost", "/it/")
    atlas_html = fetch(client, ATLAS, path_of(atlas.root_page))
    body, brand, footer = body_and_brand(florence_html)
    # Florence keeps the theme's colour, the emblem and its own footer.
    assert "oc-colour" not in (body.get("class") or [])
    assert brand.select_one("img.oc-site-logo") is None and brand.select_one("svg")
    assert "atlas.example.org" not in florence_html
    florence = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    assert FLORENCE_FISCAL_NUMBER in footer.get_text()
    assert florence.licence_url in str(footer)
    body, brand, footer = body_and_brand(atlas_html)
    # The atlas: its own colour and logo, its own footer.
    assert body["class"] == ["oc-colour", f"oc-colour-{ATLAS_COLOUR}"]
    logo = brand.select_one("img.oc-site-logo")
    assert logo is not None and logo["alt"] == "" and "/images/" in logo["src"]
    assert footer.select_one("img.oc-site-logo") is not None
    # Its header's name links to its own website.
    assert body.select_one("header .it-header-slim-wrapper a.navbar-brand")["href"] == (
        "https://atlas.example.org/"
    )
    assert FLORENCE_FISCAL_NUMBER not in footer.get_text()
    assert settings.licence_url in str(footer)


def test_the_site_colours_are_readable_and_the_stylesheet_has_the_same(settings):
    """Each colour a site may choose: white on it, and it on white, reach 4.5:1 (WCAG AA);
    the stylesheet's map holds the same colours under the same keys."""
    from pathlib import Path

    from opencoop.core.models import SITE_COLOURS

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    scss = (Path(settings.BASE_DIR) / "frontend" / "scss" / "_oc-site-colours.scss").read_text()
    in_stylesheet = dict(re.findall(r"'([a-z]+)': (#[0-9a-f]{6}),", scss))
    assert in_stylesheet == {key: value for key, (_label, value) in SITE_COLOURS.items()}
    for key, (_label, colour) in SITE_COLOURS.items():
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, key


# --- Each site's languages ----------------------------------------------------------------------


def offer(site: Site, languages: list[str]) -> None:
    """Have ``site`` offer ``languages`` only, as an editor would in its settings."""
    from opencoop.core.models import PortalSettings

    settings = PortalSettings.for_site(site)
    settings.languages = languages
    settings.full_clean()
    settings.save()


def activities_index(authority: Organisation, lang: str) -> RecordIndexPage:
    """Return the list page of ``authority``'s activities in ``lang``."""
    from opencoop.pages.models import SectionPage

    section = SectionPage.objects.get(reporting_org=authority, locale__language_code=lang)
    return RecordIndexPage.objects.child_of(section).get(record_type="activities")


def hreflangs(html: str) -> tuple[set[str], set[str]]:
    """Return the hreflang of the page's alternate links and of its language switcher's links."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    links = {link["hreflang"] for link in soup.select("link[rel=alternate][hreflang]")}
    switch = {a["hreflang"] for a in soup.select("ul.oc-lang-switch a")}
    return links, switch


def test_a_site_in_italian_only_offers_no_english_and_the_default_site_both(client, fictional):
    atlas = site_of("atlante")
    offer(atlas, ["it"])
    record = policy.public(Activity).filter(reporting_org=fictional).first()
    index = activities_index(fictional, "it")
    record_it = path_of(index) + index.reverse_subpage("record", args=[record.slug])
    for address in ("/it/", "/it/catalogo/", record_it):
        html = fetch(client, ATLAS, address)
        assert 'hreflang="en"' not in html, address
        links, switch = hreflangs(html)
        assert links == {"it"} and switch == set(), address  # one language: nothing to switch
    # The default site (Florence's) still offers both, switcher included.
    links, switch = hreflangs(fetch(client, "localhost", "/it/"))
    assert links == switch == {"it", "en"}
    assert client.get("/en/", HTTP_HOST="localhost").status_code == 200


def test_an_address_in_a_language_the_site_does_not_offer_leads_to_the_same_content(
    client, fictional, settings
):
    settings.OPENCOOP_PAGE_CACHE_SECONDS = 600
    atlas = site_of("atlante")
    # Served, and kept by the page cache, while the atlas offers both languages.
    for _ in range(2):
        assert client.get("/en/catalogue/", HTTP_HOST=ATLAS).status_code == 200
    offer(atlas, ["it"])
    record = policy.public(Activity).filter(reporting_org=fictional).first()
    index = {lang: activities_index(fictional, lang) for lang in LANGS}
    suffix = index["it"].reverse_subpage("record", args=[record.slug])
    expected = {
        "/en/": "/it/",
        "/en/catalogue/?status=2": "/it/catalogo/?status=2",
        path_of(index["en"]) + suffix: path_of(index["it"]) + suffix,
        "/en/no-such-page/": "/it/",  # nothing to follow: the site's home in Italian
    }
    for asked, answer in expected.items():
        response = client.get(asked, HTTP_HOST=ATLAS)
        assert response.status_code == 302, asked
        assert response["Location"] == answer, asked
        assert client.get(answer, HTTP_HOST=ATLAS).status_code == 200, answer
    # The same address on the default site is served in English.
    assert client.get("/en/", HTTP_HOST="localhost").status_code == 200
    # A page the site has not: its 404 page offers the site's home in Italian only.
    missing = client.get("/it/no-such-page/", HTTP_HOST=ATLAS)
    assert missing.status_code == 404
    assert 'hreflang="it"' in missing.content.decode()
    assert 'hreflang="en"' not in missing.content.decode()
    # A site in English only sends Italian addresses to English ones.
    offer(atlas, ["en"])
    response = client.get("/it/catalogo/", HTTP_HOST=ATLAS)
    assert (response.status_code, response["Location"]) == (302, "/en/catalogue/")


def test_a_site_in_italian_only_leaves_english_out_of_its_sitemap_feeds_and_api(client, fictional):
    offer(site_of("atlante"), ["it"])
    index = fetch(client, ATLAS, "/sitemap.xml")
    assert "-it.xml" in index and "-en.xml" not in index
    assert client.get("/sitemap-activities-en.xml", HTTP_HOST=ATLAS).status_code == 404
    pages = fetch(client, ATLAS, "/sitemap-pages.xml")
    assert "/it/catalogo/" in pages and "/en/" not in pages
    for address in (
        "/opendata/feeds/activities.atom?lang=en",
        "/opendata/feeds/initiatives.rss?lang=en",
        "/opendata/catalogue/activities.csv?lang=en",
        "/api/v1/activities?lang=en",
        "/api/v1/plans?lang=en",
        "/geography/all/map.json?lang=en",
    ):
        response = client.get(address, HTTP_HOST=ATLAS)
        assert response.status_code == 400, address
        said = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            said = json.dumps(response.json(), ensure_ascii=False)
        # Said in the site's language (the one asked is not offered).
        assert "(lang)" in said and "non è una lingua di questo sito" in said, address
        assert "usarne una tra: it." in said, address
        # The default site still answers in English.
        assert client.get(address, HTTP_HOST="localhost").status_code == 200, address
    # Without lang the site's own language is used.
    api = client.get("/api/v1/activities?page_size=1", HTTP_HOST=ATLAS)
    assert api.status_code == 200
    # Florence's sitemap still lists both languages.
    both = fetch(client, "localhost", "/sitemap.xml")
    assert "-it.xml" in both and "-en.xml" in both


def test_a_sites_languages_are_checked_and_its_settings_mark_only_them_missing(client, fictional):
    from bs4 import BeautifulSoup
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from opencoop.core.models import PortalSettings

    atlas = site_of("atlante")
    settings = PortalSettings.for_site(atlas)
    settings.languages = ["it", "fr"]
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            settings.full_clean()
        said = str(refused.value)
    assert "Languages of this site: “fr” is not a language of the portal (it, en)." in said
    offer(atlas, ["it"])
    from wagtail.users.models import UserProfile

    admin = get_user_model().objects.create_superuser("lang-admin", "l@example.org", "x")
    UserProfile.objects.create(user=admin, preferred_language="en")
    client.force_login(admin)

    def labels(site: Site) -> dict[str, list[str]]:
        html = client.get(f"/admin/settings/core/portalsettings/{site.pk}/").content.decode()
        found: dict[str, list[str]] = {}
        for label in BeautifulSoup(html, "html.parser").select(".oc-multilingual__lang label"):
            status = label.select_one(".w-status")
            language = label.get_text(" ", strip=True).split(" ")[0]
            found.setdefault(language, []).append(status.get_text(strip=True) if status else "")
        return found

    on_atlas = labels(atlas)
    assert set(on_atlas["English"]) == {"not offered on this site"}
    assert "not offered on this site" not in on_atlas["Italiano"]
    assert "translation missing" in on_atlas["Italiano"]  # an empty Italian text still is
    florence = labels(Site.objects.get(is_default_site=True))
    assert "not offered on this site" not in florence["English"] + florence["Italiano"]
    assert "translation missing" in florence["English"]
    # The form offers the portal's languages, the site's checked.
    form = client.get(f"/admin/settings/core/portalsettings/{atlas.pk}/").context["form"]
    assert [code for code, _name in form.fields["languages"].choices] == list(LANGS)
    assert form["languages"].value() == ["it"]
