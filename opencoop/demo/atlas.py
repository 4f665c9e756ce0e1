"""The demo's atlas: a second Wagtail site gathering the fictional authorities (and Florence).

Florence's own site shows Florence only (its settings name it); the atlas names no authority,
so it covers every one, and it is where the generator puts the fictional authorities' sections.
Its header and footer are the atlas's own: no authority's name, fiscal number or address; its
colour (teal) is its own too.
Idempotent: a second run finds the site, its pages and its settings as they are.
"""

from __future__ import annotations

from wagtail.models import Page, Site

from opencoop.core.models import PortalSettings

from .loader import NOTICE_PAGES, OPEN_DATA_INTRO, parse_host, publish_page_pair

ATLAS_HOST = "atlas.localhost:8000"

# The atlas wears its own colour; Florence's site keeps the theme's (Florence's red).
ATLAS_COLOUR = "teal"

ATLAS_TITLE = {
    "it": "Atlante della cooperazione decentrata (dimostrazione)",
    "en": "Atlas of decentralized cooperation (demonstration)",
}
ATLAS_TAGLINE = {
    "it": "Enti fittizi a confronto",
    "en": "Fictional authorities side by side",
}
ATLAS_FOOTER = {
    "it": (
        "Sito dimostrativo di OpenCoop. Gli enti generati di questo atlante sono inventati: i "
        "loro progetti e importi non esistono."
    ),
    "en": (
        "A demonstration site of OpenCoop. The generated authorities of this atlas are made up: "
        "their projects and amounts do not exist."
    ),
}
ATLAS_INTRO = {
    "it": (
        "L'atlante raccoglie la cooperazione decentrata di più enti. Gli enti generati sono "
        "fittizi."
    ),
    "en": (
        "The atlas gathers the decentralized cooperation of several authorities. The generated "
        "authorities are fictional."
    ),
}


def atlas_homes(host: str = ATLAS_HOST) -> tuple[Page, Page]:
    """Create (or find) the atlas site; return its home pages in Italian and English."""
    from opencoop.atlas.models import AuthorityComparisonPage
    from opencoop.catalogue.models import CataloguePage, SearchPage
    from opencoop.geography.models import MapPage
    from opencoop.opendata.models import OpenDataPage
    from opencoop.pages.models import HomePage, NoticePage
    from opencoop.stats.models import PlansOverviewPage, StatisticsPage

    hostname, port = parse_host(host)
    root = Page.get_first_root_node()
    homes = publish_page_pair(
        (root, root),
        HomePage,
        {"title": {"it": "Atlante", "en": "Atlas"}, "slug": {"it": "atlante", "en": "atlas"}},
        "atlas:home",
    )
    site = Site.objects.filter(root_page=homes[0]).first()
    if site is None:
        site = Site(root_page=homes[0], is_default_site=False)
    if (site.hostname, site.port, site.site_name) != (hostname, port, "atlas"):
        site.hostname, site.port, site.site_name = hostname, port, "atlas"
        site.save()
    settings = PortalSettings.for_site(site)
    wanted = {
        "atlas": True,
        "site_title": ATLAS_TITLE,
        "site_tagline": ATLAS_TAGLINE,
        "footer_text": ATLAS_FOOTER,
        "primary_colour": ATLAS_COLOUR,
    }
    if any(getattr(settings, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(settings, name, value)
        settings.save()
    pages = (
        (CataloguePage, {"it": "Catalogo dei progetti", "en": "Project catalogue"}, "catalogo"),
        (StatisticsPage, {"it": "Statistiche", "en": "Statistics"}, "statistiche"),
        (MapPage, {"it": "Mappa", "en": "Map"}, "mappa"),
        (PlansOverviewPage, {"it": "Piani annuali", "en": "Annual plans"}, "piani-annuali"),
        (
            AuthorityComparisonPage,
            {"it": "Confronto tra gli enti", "en": "Authorities compared"},
            "confronto-enti",
        ),
        (SearchPage, {"it": "Cerca nel sito", "en": "Search the site"}, "cerca"),
    )
    english_slugs = {
        "catalogo": "catalogue",
        "statistiche": "statistics",
        "mappa": "map",
        "piani-annuali": "annual-plans",
        "cerca": "search",
        "confronto-enti": "authorities-compared",
    }
    for model, title, slug in pages:
        figures = (StatisticsPage, MapPage, PlansOverviewPage, AuthorityComparisonPage)
        extra = {"intro": ATLAS_INTRO} if model in figures else {}
        publish_page_pair(
            homes,
            model,
            {"title": title, "slug": {"it": slug, "en": english_slugs[slug]}},
            f"atlas:{slug}",
            **extra,
        )
    publish_page_pair(
        homes,
        OpenDataPage,
        {
            "title": {"it": "Dati aperti", "en": "Open data"},
            "slug": {"it": "dati-aperti", "en": "open-data"},
        },
        "atlas:open-data",
        intro=OPEN_DATA_INTRO,
    )
    for key, title, slug in NOTICE_PAGES:
        publish_page_pair(homes, NoticePage, {"title": title, "slug": slug}, key, notice=key)
    return homes
