"""Each authority its own face, in a real browser: Florence's site and the atlas, by host name.

The live server answers both sites: Florence's at 127.0.0.1:<port>, the atlas at
atlas.localhost:<port> (Chromium resolves *.localhost to the loopback address). The fictional
"Comune di Esempio" is generated for this module, on the atlas, then rolled back. Every public
page type of each site is opened in both languages:
- no page of Florence's site shows the fictional authority's name, identifier or projects;
- no page of the atlas shows Florence's name or fiscal number in its header, footer or title.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from wagtail.models import Site

from opencoop.demo.generator import authority_spec, generate
from opencoop.organisations.models import Organisation
from opencoop.pages.published import forget
from tests.test_site_faces import (
    FLORENCE_FISCAL_NUMBER,
    FLORENCE_NAMES,
    fictional_words,
    page_addresses,
)

from .conftest import describe_violations, run_axe
from .test_controls import NO_SIDEWAYS_SCROLL
from .test_finding import shared_connection

pytestmark = pytest.mark.browser

LANGS = ["it", "en"]


@pytest.fixture(scope="module")
def two_sites(site, django_db_blocker) -> Iterator[dict]:
    """Generate the fictional authority on the atlas; both sites answer at the live server."""
    port = int(site.netloc.rsplit(":", 1)[1])
    with shared_connection(site), django_db_blocker.unblock(), transaction.atomic():
        florence = Site.objects.get(is_default_site=True)
        florence.hostname, florence.port = "127.0.0.1", port
        florence.save()
        generate(activities=12, seed=5, index=False, atlas_host=f"atlas.localhost:{port}")
        forget()
        atlas = Site.objects.get(hostname="atlas.localhost")
        authority = Organisation.objects.get(identifier=authority_spec(0).identifier)
        yield {
            "florence": (florence, f"http://127.0.0.1:{port}"),
            "atlas": (atlas, f"http://atlas.localhost:{port}"),
            "words": fictional_words(authority),
        }
        transaction.set_rollback(True)
    forget()


@pytest.fixture(autouse=True)
def _through_the_live_server_connection(site, two_sites) -> Iterator[None]:
    with shared_connection(site):
        yield


def pages_of(two_sites: dict, key: str, lang: str) -> list[tuple[str, str]]:
    wagtail_site, base = two_sites[key]
    return [
        (kind, base + address)
        for kind, address in page_addresses(wagtail_site, lang)
        if not address.startswith(("/opendata/", "/api/", "/sitemap"))  # files: client tests
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_florences_site_shows_no_other_authority(new_context, two_sites, lang):
    page = new_context().new_page()
    leaks, kinds = [], set()
    for kind, url in pages_of(two_sites, "florence", lang):
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
        shown = page.content()
        kinds.add(kind)
        leaks += [f"{kind} {url}: {word}" for word in two_sites["words"] if word in shown]
    assert not leaks, leaks
    assert {"HomePage", "SectionPage", "activities", "CataloguePage", "country"} <= kinds


@pytest.mark.parametrize("lang", LANGS)
def test_the_atlas_wears_no_florence_chrome(new_context, two_sites, lang):
    page = new_context().new_page()
    leaks, kinds = [], set()
    for kind, url in pages_of(two_sites, "atlas", lang):
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
        kinds.add(kind)
        chrome = "\n".join(
            [
                page.locator("header").first.inner_text(),
                page.locator("footer").first.inner_text(),
                page.title().rsplit(" – ", 1)[-1],
            ]
        )
        asked = url.partition("?q=")[2]
        if asked:  # a search page repeats the visitor's own words
            chrome = chrome.replace(asked, "")
        leaks += [
            f"{kind} {url}: {word}"
            for word in (*FLORENCE_NAMES, FLORENCE_FISCAL_NUMBER)
            if word in chrome
        ]
    assert not leaks, leaks
    assert {"HomePage", "SectionPage", "StatisticsPage", "MapPage", "country"} <= kinds


def atlas_figure_pages(two_sites: dict, lang: str) -> list[str]:
    """Return the atlas's home, its comparison and the fictional authority's profile in ``lang``."""
    from opencoop.atlas.models import AuthorityComparisonPage

    atlas, base = two_sites["atlas"]
    comparison = AuthorityComparisonPage.objects.get(locale__language_code=lang)
    address = comparison.get_url_parts()[2]
    slug = Organisation.objects.get(identifier=authority_spec(0).identifier).slug
    home = (
        atlas.root_page
        if lang == "it"
        else atlas.root_page.get_translation_or_none(comparison.locale)
    )
    return [base + home.get_url_parts()[2], base + address, f"{base}{address}{slug}/"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_atlas_comparison_and_profiles_pass_axe_in_their_own_colour(
    new_context, two_sites, lang
):
    page = new_context().new_page()
    found = {}
    for url in atlas_figure_pages(two_sites, lang):
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
        assert "oc-colour-teal" in (page.locator("body").get_attribute("class") or "")
        violations = run_axe(page)
        if violations:
            found[url] = describe_violations(violations)
    assert not found, found


@pytest.mark.parametrize("lang", LANGS)
def test_the_atlas_comparison_and_profiles_reflow_at_320_pixels(new_context, two_sites, lang):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    wide = {}
    for url in atlas_figure_pages(two_sites, lang):
        assert page.goto(url, wait_until="load").status == 200, url
        scroll, client = page.evaluate(NO_SIDEWAYS_SCROLL)
        if scroll > client:
            wide[url] = scroll
    assert not wide, f"wider than 320 CSS px: {wide}"


def test_an_atlas_in_italian_only_takes_an_english_link_to_the_italian_page(new_context, two_sites):
    """A site set to Italian only: an English address opens the same page in Italian, with no
    language switcher; Florence's site still switches between both."""
    from opencoop.core.models import PortalSettings

    atlas, base = two_sites["atlas"]
    settings = PortalSettings.for_site(atlas)
    settings.languages = ["it"]
    settings.save()
    forget()
    try:
        page = new_context().new_page()
        response = page.goto(base + "/en/catalogue/?status=2", wait_until="load")
        assert response.status == 200
        assert page.url == base + "/it/catalogo/?status=2"
        assert page.locator("html").get_attribute("lang") == "it"
        assert page.locator("ul.oc-lang-switch").count() == 0
        assert page.locator("link[hreflang=en]").count() == 0
        page.goto(two_sites["florence"][1] + "/it/", wait_until="load")
        page.locator("ul.oc-lang-switch a[hreflang=en]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        settings.languages = []
        settings.save()
        forget()
