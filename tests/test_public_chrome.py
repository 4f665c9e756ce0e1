"""The chrome every public page shares is remembered until a publication, never past it.

The header, footer, menu, breadcrumbs, language links and the page tree's routing are kept per
process under the page-cache generation (``opencoop.pages.published``). Each test reads a page
once (so the chrome is remembered), changes something as an editor would, and checks that the
next anonymous request shows the change, with the page cache off and on.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from opencoop.access import policy
from opencoop.catalogue.models import SearchPage
from opencoop.core.models import PortalSettings
from opencoop.opendata.models import OpenDataPage
from opencoop.pages.models import NoticePage, SectionPage, StandardPage
from opencoop.pages.published import request_generation

from .conftest import SECTION_IT

pytestmark = pytest.mark.django_db

PROJECTS = SECTION_IT + "progetti/"


@pytest.fixture(params=[0, 300], ids=["page cache off", "page cache on"])
def page_cache(request, settings):
    settings.OPENCOOP_PAGE_CACHE_SECONDS = request.param
    cache.clear()
    return request.param


def soup(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def menu(client, url: str) -> list[str]:
    return [a.get_text(strip=True) for a in soup(client, url).select("#oc-nav .nav-link")]


def section_it() -> SectionPage:
    return SectionPage.objects.live().get(url_path__endswith="/cooperazione-decentrata/")


def menu_page(title: str) -> Page:
    return section_it().get_children().get(title=title)


def publish(page: Page, **changes) -> None:
    """Change a page and publish it, as an editor does in the admin."""
    page = page.specific
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_a_published_menu_title_shows_on_the_next_request(client, page_cache):
    assert "Progetti" in menu(client, PROJECTS)
    publish(menu_page("Progetti"), title="Progetti di cooperazione")
    assert "Progetti di cooperazione" in menu(client, PROJECTS)
    assert "Progetti di cooperazione" in menu(client, SECTION_IT)


def test_a_draft_does_not_reach_the_menu(client, page_cache):
    menu(client, SECTION_IT)
    page = menu_page("Iniziative").specific
    page.title = "Bozza non pubblicata"
    page.save_revision()
    assert "Bozza non pubblicata" not in menu(client, SECTION_IT)
    assert "Iniziative" in menu(client, SECTION_IT)


def test_an_unpublished_page_leaves_the_menu_and_its_address(client, page_cache):
    initiatives = menu_page("Iniziative")
    assert "Iniziative" in menu(client, SECTION_IT)
    assert client.get(initiatives.url).status_code == 200
    initiatives.specific.unpublish()
    assert "Iniziative" not in menu(client, SECTION_IT)
    assert client.get(initiatives.url).status_code == 404


def test_changed_portal_settings_show_on_the_next_request(client, page_cache):
    site = Site.objects.get(is_default_site=True)
    assert "Comune di Firenze" in soup(client, PROJECTS).select_one(".it-brand-title").text
    portal = PortalSettings.for_site(site)
    portal.site_title = {"it": "Portale della cooperazione", "en": "Cooperation portal"}
    portal.save()
    assert soup(client, PROJECTS).select_one(".it-brand-title").text == (
        "Portale della cooperazione"
    )


def test_a_renamed_privacy_page_shows_in_the_footer(client, page_cache):
    def footer_links() -> list[str]:
        return [a.get_text(strip=True) for a in soup(client, SECTION_IT).select("footer a")]

    assert "Privacy" in footer_links()
    privacy = NoticePage.objects.get(notice="privacy", locale__language_code="it")
    publish(privacy, title="Informativa sulla privacy")
    assert "Informativa sulla privacy" in footer_links()


def test_a_renamed_ancestor_shows_in_the_breadcrumbs(client, page_cache):
    def trail() -> list[str]:
        items = soup(client, PROJECTS).select(".breadcrumb li")
        return [li.get_text(strip=True).rstrip("/") for li in items]

    assert "Cooperazione decentrata" in trail()
    publish(section_it(), title="Cooperazione internazionale")
    assert "Cooperazione internazionale" in trail()
    assert "Cooperazione decentrata" not in trail()


def test_a_new_page_is_found_at_once_where_there_was_none(client, page_cache):
    home = Site.objects.get(is_default_site=True).root_page.specific
    assert client.get("/it/pagina-nuova/").status_code == 404  # remembered: no such child
    page = StandardPage(title="Pagina nuova", slug="pagina-nuova", intro="Appena pubblicata.")
    home.add_child(instance=page)
    page.save_revision().publish()
    assert "Appena pubblicata." in client.get("/it/pagina-nuova/").content.decode()


def test_an_unpublished_search_page_leaves_the_header_at_once(client, page_cache):
    def search_links() -> list[str]:
        return [a["href"] for a in soup(client, PROJECTS).select("a.search-link")]

    search = SearchPage.objects.live().get(locale__language_code="it")
    assert search_links() == [search.url]
    search.unpublish()
    assert search_links() == []


def test_a_renamed_home_shows_at_once(client, page_cache):
    home = Site.objects.get(is_default_site=True).root_page
    assert client.get("/it/").status_code == 200
    publish(home, title="Casa della cooperazione")
    assert soup(client, "/it/").title.get_text().startswith("Casa della cooperazione")


def home_lookups(client, url: str) -> int:
    """Return the queries of a request for ``url`` that look the language or the home up."""
    home = Site.objects.get(is_default_site=True).root_page
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(
        [
            q
            for q in queries.captured_queries
            if 'FROM "wagtailcore_locale"' in q["sql"] or home.translation_key.hex in q["sql"]
        ]
    )


def test_the_home_is_routed_from_memory_until_content_changes(client):
    client.get(PROJECTS)
    assert home_lookups(client, PROJECTS) == 0
    publish(menu_page("Progetti"), title="Progetti di cooperazione")
    assert home_lookups(client, PROJECTS) >= 1  # read afresh after a publication


def test_a_changed_slug_moves_the_page_at_once(client, page_cache):
    assert client.get(PROJECTS).status_code == 200
    publish(menu_page("Progetti"), slug="interventi")
    assert client.get(SECTION_IT + "interventi/").status_code == 200
    assert client.get(PROJECTS).status_code == 404


def test_a_published_english_translation_shows_in_the_language_links(client, page_cache):
    def english_link() -> list[str]:
        return [a["href"] for a in soup(client, PROJECTS).select('link[hreflang="en"]')]

    assert english_link()
    english = menu_page("Progetti").get_translation(
        Page.objects.get(url_path__endswith="/decentralized-cooperation/").locale
    )
    english.specific.unpublish()
    assert english_link() == []


def site_queries(client, url: str, host: str = "testserver") -> tuple[int, Site]:
    """Return the site queries of a request for ``url`` and the site the request was given."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 200, url
    return site_lookups(queries), response.wsgi_request._wagtail_site


def site_lookups(queries: CaptureQueriesContext) -> int:
    return len([q for q in queries.captured_queries if 'FROM "wagtailcore_site"' in q["sql"]])


def test_the_site_is_looked_up_once_until_content_changes(client):
    assert site_queries(client, PROJECTS)[0] == 1
    assert site_queries(client, PROJECTS)[0] == 0  # remembered
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Renamed"
    site.save()  # a public row: the generation moves on (and Wagtail drops its root paths)
    count, found = site_queries(client, PROJECTS)
    assert count >= 1 and found.site_name == "Renamed"


def test_each_host_gets_its_own_site(client):
    default = Site.objects.get(is_default_site=True)
    other = "127.0.0.1" if default.hostname != "127.0.0.1" else "localhost"
    Site.objects.create(hostname=other, port=80, root_page=default.root_page, site_name="Other")
    for _ in range(2):  # looked up, then remembered: the same answers
        assert site_queries(client, PROJECTS)[1].pk == default.pk
        assert site_queries(client, PROJECTS, host=other)[1].site_name == "Other"


def test_addresses_outside_the_page_tree_look_no_site_up(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert site_lookups(queries) == 0


def first_project() -> str:
    """Return the address of the first public project under the projects' list."""
    from opencoop.activities.models import Activity
    from opencoop.pages.models import RecordIndexPage

    index = RecordIndexPage.objects.live().get(
        url_path__endswith="/cooperazione-decentrata/progetti/"
    )
    activity = policy.public(Activity).filter(reporting_org=index.reporting_org).order_by("pk")
    return index.record_url(activity.first())


def restriction_lookups(client, url: str) -> tuple[int, str]:
    """Return the queries of a request for ``url`` that read view restrictions, and its HTML."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    count = len(
        [q for q in queries.captured_queries if "wagtailcore_pageviewrestriction" in q["sql"]]
    )
    return count, response.content.decode()


def test_view_restrictions_are_remembered_until_one_is_added_or_removed(client, page_cache):
    url = first_project()
    title = BeautifulSoup(client.get(url).content, "html.parser").h1.get_text()
    count, html = restriction_lookups(client, url)
    assert title in html and 'name="password"' not in html
    if not page_cache:
        assert count == 0  # remembered from the first request
    restriction = PageViewRestriction.objects.create(
        page=section_it(), restriction_type=PageViewRestriction.PASSWORD, password="quokka"
    )
    count, html = restriction_lookups(client, url)
    assert title not in html and 'name="password"' in html  # Wagtail's password form
    restriction.delete()
    count, html = restriction_lookups(client, url)
    assert title in html and 'name="password"' not in html


def test_restricting_a_page_of_one_section_leaves_the_others_served(client):
    url = first_project()
    client.get(url)
    PageViewRestriction.objects.create(
        page=menu_page("Iniziative"), restriction_type=PageViewRestriction.PASSWORD, password="q"
    )
    assert 'name="password"' not in restriction_lookups(client, url)[1]
    initiatives = SECTION_IT + menu_page("Iniziative").slug + "/"
    assert 'name="password"' in restriction_lookups(client, initiatives)[1]


def footer(client, url: str) -> BeautifulSoup:
    return soup(client, url).select_one("footer")


def test_the_footer_follows_settings_menu_and_language_on_the_next_request(client, page_cache):
    """The footer is rendered once per site and language until a change, never past one."""
    site = Site.objects.get(is_default_site=True)
    it_footer = footer(client, PROJECTS)
    assert footer(client, SECTION_IT) == it_footer  # the same on every page of the site
    english = footer(client, "/en/")
    assert english != it_footer and "Licence" in english.get_text()
    portal = PortalSettings.for_site(site)
    portal.footer_text = {"it": "Scrivici dal lunedì al venerdì", "en": "Write to us"}
    portal.save()
    assert "Scrivici dal lunedì al venerdì" in footer(client, PROJECTS).get_text()
    assert "Write to us" in footer(client, "/en/").get_text()
    publish(menu_page("Iniziative"), title="Iniziative di cooperazione")
    links = [a.get_text(strip=True) for a in footer(client, PROJECTS).select("a")]
    assert "Iniziative di cooperazione" in links and "Iniziative" not in links


def test_a_page_reads_the_generation_once_however_many_links_it_remembers(
    client, monkeypatch, settings
):
    """Each country link asks what is remembered; all of a request's asks share one read."""
    from opencoop.pages import published

    settings.OPENCOOP_PAGE_CACHE_SECONDS = 0
    reads = []
    read = published.current_generation
    monkeypatch.setattr(published, "current_generation", lambda: reads.append(1) or read())
    page = soup(client, SECTION_IT + "catalogo/")  # each result names its countries, linked
    assert len(page.select("main dd a[href^='/it/paesi/']")) >= 3
    assert len(reads) == 1


def test_a_request_reads_the_pages_on_its_way_not_the_whole_tree(client):
    """After a change, the first request reads which pages the tree holds (a few columns) and
    the pages its address goes through, not every page of the tree as its own type."""
    assert OpenDataPage.objects.live().exists(), "a page beside the projects' address"
    client.get(PROJECTS)
    publish(section_it(), title="Cooperazione decentrata")  # a change: read afresh
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PROJECTS).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert f'FROM "{OpenDataPage._meta.db_table}"' not in tables
    assert f'FROM "{SectionPage._meta.db_table}"' in tables
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PROJECTS).status_code == 200
    assert not [q for q in queries.captured_queries if 'FROM "wagtailcore_page"' in q["sql"]]


def test_a_page_deleted_after_the_tree_was_read_is_not_found(rf):
    """A request that read the tree before a page was deleted finds no page there (not an error)."""
    home = Site.objects.get(is_default_site=True).root_page.specific
    section = ["amministrazione", "firenze-internazionale", "cooperazione-decentrata"]
    request = rf.get("/it/")
    request_generation(request)  # this request's generation, read before the deletion
    assert home.route(request, [*section, "progetti"]).page.slug == "progetti"  # tree read
    OpenDataPage.objects.get(slug="dati-aperti").delete()
    with pytest.raises(Http404):
        home.route(request, [*section, "dati-aperti"])
