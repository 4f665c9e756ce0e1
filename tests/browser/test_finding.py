"""Finding and understanding, in a real browser: the catalogue's facets, the map, the statistics.

In each language a visitor ticks a facet of the catalogue, selects a country on the map (its
shape and its row in the table) and downloads one statistics table as CSV; every count shown is
checked against the database. Full-page screenshots go to ``var/screenshots/finding/``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.testcases import LiveServerThread
from wagtail.models import Site

from opencoop.activities.models import Activity
from opencoop.catalogue.models import CataloguePage
from opencoop.core.sites import in_site
from opencoop.demo.generator import authority_spec, generate
from opencoop.geography.models import MapPage
from opencoop.organisations.models import Organisation
from opencoop.pages.published import forget
from opencoop.stats.models import StatisticsPage
from opencoop.stats.selectors import TABLES, Scope, by_country
from tests.stats.fixtures import page_tables, parse_csv, parse_number

from .conftest import SCREENSHOTS, describe_violations, run_axe

pytestmark = pytest.mark.browser

LANGS = ["it", "en"]
FOLDER = SCREENSHOTS / "finding"


def live_server_connection():
    """Return the database connection the live server shares (in-memory SQLite), or None."""
    for thread in threading.enumerate():
        if isinstance(thread, LiveServerThread):
            return thread.connections_override.get(DEFAULT_DB_ALIAS)
    return None


@contextmanager
def shared_connection(site) -> Iterator[None]:
    """Make this code's database calls go through the live server's connection.

    Playwright's sync API runs an event loop here, and Django then keeps its connections by
    context: without this, the calls made after the browser started would open a second
    connection, which sees neither the live server's uncommitted rows nor past its locks.
    """
    shared = live_server_connection()
    if shared is None:
        pytest.skip(
            "the generated authority reaches the live server only through a shared in-memory "
            "SQLite connection; run these tests without DATABASE_URL"
        )
    previous = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = shared
    with pytest.MonkeyPatch.context() as patch:
        # The database calls made here stay synchronous, beside Playwright's event loop.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        try:
            yield
        finally:
            connections[DEFAULT_DB_ALIAS] = previous


@pytest.fixture(scope="module")
def authority(site, django_db_blocker) -> Iterator[Organisation]:
    """Generate the fictional "Comune di Esempio" for this module's tests, then roll it back.

    The Florence demo has no amounts, so the map and the statistics show the fictional
    authority, on the atlas's site (Florence's own site shows Florence only): the atlas
    answers at the live server's address meanwhile. Its rows stay uncommitted in the connection
    the live server shares: the other browser tests never see them.
    """
    FOLDER.mkdir(parents=True, exist_ok=True)
    with shared_connection(site), django_db_blocker.unblock(), transaction.atomic():
        generate(activities=30, seed=7, index=False, atlas_host=site.netloc)
        forget()
        yield Organisation.objects.get(identifier=authority_spec(0).identifier)
        transaction.set_rollback(True)
    forget()


@pytest.fixture(autouse=True)
def _through_the_live_server_connection(site, authority) -> Iterator[None]:
    """Count in the database through the same connection as the live server."""
    with shared_connection(site):
        yield


def live_url(site, model, lang: str, **lookups) -> str:
    """Return the address of the atlas's live page of ``model`` in ``lang``."""
    atlas = Site.objects.get(hostname=urlsplit(site.url).hostname, port=urlsplit(site.url).port)
    pages = in_site(model.objects.live(), atlas)
    page = pages.filter(locale__language_code=lang, **lookups).first()
    assert page is not None, f"no live {model.__name__} in {lang}"
    return site.url + page.get_url_parts()[2]


def shown_total(page) -> int:
    """Return the number of results the catalogue's heading announces."""
    heading = page.locator("#results-heading").inner_text()
    match = re.match(r"\s*([\d.,]+)", heading)
    assert match, heading
    return int(re.sub(r"\D", "", match.group(1)))


def published(**lookups) -> int:
    return Activity.objects.published().filter(**lookups).distinct().count()


def screenshot(page, lang: str, name: str) -> Path:
    path = FOLDER / f"{lang}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_page(new_context, url: str):
    page = new_context().new_page()
    response = page.goto(url, wait_until="load")
    assert response.status == 200, url
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_ticking_a_facet_filters_the_catalogue(site, new_context, authority, lang):
    page = open_page(new_context, live_url(site, CataloguePage, lang))
    assert shown_total(page) == published()
    screenshot(page, lang, "catalogue")

    for param, lookup in (("country", "recipient_countries__code"), ("status", "status")):
        facet = page.locator(f"#facet-{param}")
        box = facet.locator("input[type=checkbox]").first
        value = box.get_attribute("value")
        badge = int(re.sub(r"\D", "", facet.locator(".oc-count").first.inner_text()))
        # With JavaScript a ticked box updates the results in place: no full reload (the
        # marker set on the window survives), the address records the filter.
        page.evaluate("window.ocSamePage = true")
        facet.locator(f"label[for='{box.get_attribute('id')}']").click()
        page.wait_for_url(lambda url, p=param: p in parse_qs(urlsplit(url).query))
        assert page.evaluate("window.ocSamePage === true")

        assert parse_qs(urlsplit(page.url).query)[param] == [value]
        expected = published(**{lookup: value})
        assert expected > 0
        assert shown_total(page) == badge == expected, (param, value)
        chips = page.locator(f".oc-active-filters a[data-param='{param}']")
        assert chips.count() == 1
        screenshot(page, lang, f"catalogue-{param}")
        # Back to the whole catalogue through the chip that removes the filter.
        chips.click()
        page.wait_for_url(lambda url, p=param: p not in parse_qs(urlsplit(url).query))
        assert page.evaluate("window.ocSamePage === true")
        assert shown_total(page) == published()


def test_without_javascript_the_catalogue_is_a_plain_form(site, new_context, authority):
    page = new_context(java_script_enabled=False, viewport={"width": 375, "height": 667}).new_page()
    page.goto(live_url(site, CataloguePage, "en"), wait_until="load")
    facet = page.locator("#facet-status")
    box = facet.locator("input[type=checkbox]").first
    value = box.get_attribute("value")
    facet.locator(f"label[for='{box.get_attribute('id')}']").click()
    apply = page.get_by_role("button", name="Apply filters", exact=True).first
    # The first apply control is within the first screen of a phone.
    assert apply.bounding_box()["y"] + apply.bounding_box()["height"] <= 667
    with page.expect_navigation(wait_until="load"):
        apply.click()
    assert parse_qs(urlsplit(page.url).query)["status"] == [value]
    assert shown_total(page) == published(status=value)
    # Printed, the page holds the results only.
    page.emulate_media(media="print")
    assert not page.locator(".oc-facets").is_visible()
    assert not page.locator(".oc-active-filters").is_visible()
    assert page.locator("ul.oc-results").is_visible()


def map_table_counts(page, authority: Organisation, lang: str) -> dict[str, int]:
    """Return the activities of each country in the map's table, by country code."""
    table = page_tables(page.content().encode())["by-country"]
    column = [c.key for c in by_country(Scope(authority)).columns].index("activities")
    return {
        code: int(parse_number(cells[column], lang))
        for code, _label, cells in table["rows"]
        if code
    }


def point_inside(page, href: str) -> dict | None:
    """Return a point of the viewport where a click lands on the map's link to ``href``."""
    return page.evaluate(
        """href => {
            const link = [...document.querySelectorAll('svg.oc-map g.oc-map-countries a')]
                .find(a => a.getAttribute('href') === href);
            if (!link) return null;
            link.scrollIntoView({block: 'center', behavior: 'instant'});
            const box = link.getBoundingClientRect();
            for (let i = 1; i < 24; i++) {
                for (let j = 1; j < 24; j++) {
                    const x = box.left + box.width * i / 24, y = box.top + box.height * j / 24;
                    const hit = document.elementFromPoint(x, y);
                    if (hit && link.contains(hit)) return {x, y};
                }
            }
            return null;
        }""",
        href,
    )


def assert_country_page(page, code: str, lang: str) -> None:
    """The map sends a country to its own page, which lists that country's public records."""
    folder = {"it": "paesi", "en": "countries"}[lang]
    assert urlsplit(page.url).path == f"/{lang}/{folder}/{code.lower()}/", page.url
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_selecting_a_country_on_the_map_opens_its_activities(site, new_context, authority, lang):
    map_url = live_url(site, MapPage, lang, reporting_org=authority)
    page = open_page(new_context, map_url)
    assert page.locator("svg.oc-map").is_visible()
    counts = map_table_counts(page, authority, lang)
    assert len(counts) >= 5
    screenshot(page, lang, "map")

    # The country's row in the table beneath the map.
    row_code, _row_count = max(counts.items(), key=lambda item: item[1])
    with page.expect_navigation(wait_until="load"):
        page.locator(f"table[data-figure='by-country'] tr[data-code='{row_code}'] th a").click()
    assert_country_page(page, row_code, lang)
    screenshot(page, lang, "map-table-country")

    # A country's shape on the map itself, clicked where the pointer hits it.
    page.goto(map_url, wait_until="load")
    links = page.locator("svg.oc-map g.oc-map-countries a")
    assert links.count() == len(counts)
    clicked = None
    for code, count in sorted(counts.items(), key=lambda item: -item[1]):
        href = page.locator(
            f"table[data-figure='by-country'] tr[data-code='{code}'] th a"
        ).get_attribute("href")
        point = point_inside(page, href)
        if point is not None:
            clicked = (code, count)
            break
    assert clicked is not None, "no country shape of the map can be clicked"
    with page.expect_navigation(wait_until="load"):
        page.mouse.click(point["x"], point["y"])
    assert_country_page(page, clicked[0], lang)
    screenshot(page, lang, "map-shape-country")


@pytest.mark.parametrize("lang", LANGS)
def test_statistics_show_charts_and_tables_and_a_csv_equal_to_its_table(
    site, new_context, authority, lang, tmp_path
):
    page = open_page(new_context, live_url(site, StatisticsPage, lang, reporting_org=authority))
    tables = page_tables(page.content().encode())
    assert list(tables) == list(TABLES)
    for slug in tables:
        section = page.locator(f"section#fig-{slug}")
        assert section.locator("svg.oc-chart[role=img]").is_visible(), slug
        assert section.locator("svg.oc-chart rect").count() > 0, slug
        assert section.locator(f"table[data-figure='{slug}'] tbody tr").count() > 0, slug
    screenshot(page, lang, "statistics")

    table = tables["by-country"]
    link = page.locator("section#fig-by-country a[download]")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{authority.slug}-by-country-{lang}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    header, *lines = parse_csv(saved.read_bytes())
    assert len(header) == len(table["headers"]) + 1
    assert len(lines) == len(table["rows"]) >= 5
    for (code, label, cells), line in zip(table["rows"], lines, strict=True):
        assert (line[0], line[1]) == (code, label)
        assert [parse_number(cell, lang) for cell in cells] == [Decimal(v) for v in line[2:]]


WIDTHS = (320, 375, 1280)


@pytest.mark.parametrize("lang", LANGS)
def test_a_project_with_budget_payments_and_results_tables_reflows_with_large_text(
    site, new_context, authority, lang
):
    """At 320, 375 and 1280 px, large text: no sideways scroll, axe-core finds nothing.

    The tables scroll inside a focusable region named by their caption or heading.
    """
    from django.db.models import Count
    from wagtail.models import Locale

    from opencoop.catalogue.selectors import activity_url

    activity = (
        Activity.objects.published()
        .filter(reporting_org=authority)
        .annotate(n=Count("results", distinct=True) + Count("budgets", distinct=True))
        .filter(results__isnull=False, budgets__isnull=False)
        .order_by("-n", "pk")
        .first()
    )
    assert activity is not None, "the generated authority has no project with results"
    # With more than one site the address is absolute; the live server answers for its path.
    path = urlsplit(activity_url(activity, Locale.objects.get(language_code=lang))).path
    url = site.url + path
    for width in WIDTHS:
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        assert page.goto(url, wait_until="load").status == 200, url
        page.locator("button[data-oc-text-size=large]").first.click()
        page.wait_for_function("document.documentElement.classList.contains('oc-text-large')")
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, f"{width} px: the page is {scroll} px wide"
        regions = page.locator("main .table-responsive[role=region][tabindex='0']")
        assert regions.count() >= 2
        violations = run_axe(page)
        assert not violations, f"{width} px:\n" + describe_violations(violations)
        screenshot(page, lang, f"project-{width}")


CHART_BOXES = """() => [...document.querySelectorAll('svg.oc-chart')].map(svg => {
    const box = element => {
        const b = element.getBoundingClientRect();
        return {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
    };
    const scale = svg.getScreenCTM().a;
    return {
        id: svg.id,
        box: box(svg),
        texts: [...svg.querySelectorAll('text')].map(text => ({
            text: text.textContent,
            size: parseFloat(getComputedStyle(text).fontSize) * scale,
            ...box(text),
        })),
        rects: [...svg.querySelectorAll('rect')].map(box),
    };
})"""

#: The smallest text on a chart, in CSS pixels, at any width.
LEGIBLE = 12


def overlap(a: dict, b: dict) -> float:
    """Return the area two boxes share (pixels; 0 when they only touch)."""
    across = min(a["right"], b["right"]) - max(a["left"], b["left"])
    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(across, 0) * max(down, 0)


def chart_faults(chart: dict) -> list[str]:
    """Say which texts of a chart are too small, cut by its edges or overlap another mark."""
    faults = []
    svg, texts = chart["box"], chart["texts"]
    for i, text in enumerate(texts):
        name = f"{chart['id']}: “{text['text']}”"
        if text["size"] < LEGIBLE:
            faults.append(f"{name} is {text['size']:.1f} px")
        if text["left"] < svg["left"] - 0.5 or text["right"] > svg["right"] + 0.5:
            faults.append(f"{name} is cut: {text['left']:.0f}-{text['right']:.0f} px")
        if text["top"] < svg["top"] - 0.5 or text["bottom"] > svg["bottom"] + 0.5:
            faults.append(f"{name} is cut at the top or bottom")
        for other in texts[i + 1 :]:
            if overlap(text, other) > 1:
                faults.append(f"{name} overlaps “{other['text']}”")
        for rect in chart["rects"]:
            if overlap(text, rect) > 1:
                faults.append(f"{name} overlaps a bar or a key")
    return faults


@pytest.mark.parametrize("lang", LANGS)
def test_charts_are_legible_on_a_phone(site, new_context, authority, lang):
    """At 320, 375 and 1280 px every label keeps its size, inside its chart, over no other mark."""
    url = live_url(site, StatisticsPage, lang, reporting_org=authority)
    for width in WIDTHS:
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        assert page.goto(url, wait_until="load").status == 200, url
        charts = page.evaluate(CHART_BOXES)
        assert [chart["id"] for chart in charts] == [f"chart-{slug}" for slug in TABLES]
        faults = [fault for chart in charts for fault in chart_faults(chart)]
        assert not faults, f"{width} px:\n" + "\n".join(faults)
        # Every chart has its bars and their values, and none is wider than the page.
        for chart in charts:
            assert len(chart["rects"]) > 2 and len(chart["texts"]) > 3, chart["id"]
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, f"{width} px: the page is {scroll} px wide"
        screenshot(page, lang, f"statistics-{width}")


COUNTRY_VISIBILITY = """() => {
    const svg = document.querySelector('svg.oc-map');
    svg.scrollIntoView({block: 'center', behavior: 'instant'});
    const toMap = svg.getScreenCTM().inverse();
    return [...svg.querySelectorAll('g.oc-map-countries a')].map(link => {
        const shape = link.querySelector('path, circle');
        const box = shape.getBoundingClientRect();
        let inside = 0, seen = 0;
        for (let i = 0; i < 40; i++) {
            for (let j = 0; j < 40; j++) {
                const x = box.left + box.width * (i + 0.5) / 40;
                const y = box.top + box.height * (j + 0.5) / 40;
                if (!shape.isPointInFill(new DOMPoint(x, y).matrixTransform(toMap))) continue;
                inside += 1;
                const hit = document.elementFromPoint(x, y);
                if (hit && link.contains(hit)) seen += 1;
            }
        }
        return {label: link.getAttribute('aria-label'), inside, seen};
    });
}"""

#: The least share of a country's own area left in sight (and under the pointer) by the map.
IN_SIGHT = 0.5


@pytest.mark.parametrize("lang", LANGS)
def test_the_places_dots_leave_every_country_in_sight(site, new_context, authority, lang):
    """At 375 and 1280 px most of each country's area shows, and answers the pointer, as itself."""
    url = live_url(site, MapPage, lang, reporting_org=authority)
    for width in (375, 1280):
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        assert page.goto(url, wait_until="load").status == 200, url
        assert page.locator("g.oc-map-points circle").count() >= 5
        countries = page.evaluate(COUNTRY_VISIBILITY)
        assert len(countries) >= 5
        hidden = [
            f"{c['label']}: {c['seen']} of {c['inside']} points in sight"
            for c in countries
            if not c["inside"] or c["seen"] / c["inside"] < IN_SIGHT
        ]
        assert not hidden, f"{width} px:\n" + "\n".join(hidden)


FOCUSED_SHAPE = """() => {
    const link = document.activeElement;
    const shape = link.querySelector && link.querySelector('path, circle');
    if (!link.closest('g.oc-map-countries') || !shape) return null;
    const style = getComputedStyle(shape), box = shape.getBoundingClientRect();
    return {
        href: link.getAttribute('href'), label: link.getAttribute('aria-label'),
        stroke: style.stroke, strokeWidth: style.strokeWidth, vectorEffect: style.vectorEffect,
        box: {left: box.left, top: box.top, width: box.width, height: box.height},
    };
}"""


def changed_pixels(before: bytes, after: bytes, box: dict, margin: int = 6) -> int:
    """Count the pixels around ``box`` whose colour differs clearly between two screenshots."""
    import io

    from PIL import Image, ImageChops

    first, second = (Image.open(io.BytesIO(shot)).convert("RGB") for shot in (before, after))
    area = (
        max(int(box["left"]) - margin, 0),
        max(int(box["top"]) - margin, 0),
        min(int(box["left"] + box["width"]) + margin + 1, first.width),
        min(int(box["top"] + box["height"]) + margin + 1, first.height),
    )
    difference = ImageChops.difference(first.crop(area), second.crop(area)).convert("L")
    return sum(1 for value in difference.getdata() if value > 40)


@pytest.mark.parametrize("lang", LANGS)
def test_every_country_of_the_map_takes_a_visible_focus_by_keyboard(
    site, new_context, authority, lang
):
    """At 375 px Tab reaches every country in turn; its focus changes at least a 2 px perimeter."""
    url = live_url(site, MapPage, lang, reporting_org=authority)
    page = new_context(viewport={"width": 375, "height": 800}).new_page()
    assert page.goto(url, wait_until="load").status == 200, url
    links = page.locator("svg.oc-map g.oc-map-countries a")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert len(hrefs) >= 5
    page.locator("svg.oc-map").scroll_into_view_if_needed()
    # Keyboard focus starts on the last control before the map.
    page.locator(".oc-map-measures a").last.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    unfocused = page.screenshot()
    reached, faint = [], []
    for _country in hrefs:
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_SHAPE)
        assert focused is not None, "Tab left the map's countries before reaching them all"
        reached.append(focused["href"])
        assert focused["strokeWidth"] == "3px", focused
        assert focused["vectorEffect"] == "non-scaling-stroke", focused
        box = focused["box"]
        changed = changed_pixels(unfocused, page.screenshot(), box)
        # WCAG 2.4.13: at least the area of a 2 px thick perimeter of the country's box.
        least = 2 * 2 * (box["width"] + box["height"])
        if changed < least:
            faint.append(f"{focused['label']}: {changed} px changed, {least:.0f} needed")
    assert set(reached) == hrefs and len(reached) == len(hrefs)
    assert not faint, "\n".join(faint)
    screenshot(page, lang, "map-focus-375")


LAYOUT_SHIFTS = """
window.ocLayoutShifts = [];
new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
        window.ocLayoutShifts.push({
            value: entry.value,
            moved: entry.sources.map(s => s.node ? (s.node.id || s.node.className || s.node.nodeName) : '?'),
        });
    }
}).observe({type: 'layout-shift', buffered: true});
"""
SETTLED = """() => document.fonts.ready.then(
    () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))))"""
FIRST_PAINT = (
    "() => performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')"
)
#: The drawing each page type must keep in place: the map, the country's map, the first chart.
DRAWINGS = {"map": "svg.oc-map", "country": "svg.oc-map", "statistics": "svg.oc-chart"}


def drawing_url(site, authority: Organisation, kind: str, lang: str) -> str:
    """Return the address of the atlas's map, statistics, or busiest country page in ``lang``."""
    if kind == "statistics":
        return live_url(site, StatisticsPage, lang, reporting_org=authority)
    if kind == "map":
        return live_url(site, MapPage, lang, reporting_org=authority)
    code = next(row.code for row in by_country(Scope(authority)).rows if row.code)
    folder = {"it": "paesi", "en": "countries"}[lang]
    return f"{site.url}/{lang}/{folder}/{code.lower()}/"


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("kind", list(DRAWINGS))
@pytest.mark.parametrize("lang", LANGS)
def test_the_drawings_keep_their_place_when_the_fonts_arrive_late(
    site, new_context, authority, lang, kind, width
):
    """Nothing painted moves: the web fonts held until after the first paint shift no box.

    The page is painted first with its fonts held back (as on a slow connection), then the fonts
    arrive; the browser's own layout-shift entries must add up to less than 0.01, and the drawing
    keeps the place and size it was painted at. Without JavaScript it has the same size too: no
    script sizes it.
    """
    url = drawing_url(site, authority, kind, lang)
    drawing = DRAWINGS[kind]
    viewport = {"width": width, "height": 800}
    page = new_context(viewport=viewport).new_page()
    held = []
    page.route(re.compile(r"\.woff2$"), lambda route: held.append(route))
    page.add_init_script(LAYOUT_SHIFTS)
    assert page.goto(url, wait_until="domcontentloaded").status == 200, url
    page.wait_for_function(FIRST_PAINT)
    painted = page.locator(drawing).first.bounding_box()
    assert held, "the page asked for no web font: nothing was held back"
    for route in held:
        route.continue_()
    page.wait_for_load_state("load")
    page.evaluate(SETTLED)
    settled = page.locator(drawing).first.bounding_box()
    shifts = page.evaluate("window.ocLayoutShifts")
    total = sum(shift["value"] for shift in shifts)
    assert total < 0.01, f"layout shift {total:.4f}: " + "; ".join(
        f"{shift['value']:.4f} moved {', '.join(shift['moved'])}" for shift in shifts
    )
    assert settled == pytest.approx(painted, abs=0.5), f"painted at {painted}, then {settled}"

    without_script = new_context(viewport=viewport, java_script_enabled=False).new_page()
    assert without_script.goto(url, wait_until="load").status == 200, url
    plain = without_script.locator(drawing).first.bounding_box()
    assert (plain["width"], plain["height"]) == pytest.approx(
        (settled["width"], settled["height"]), abs=0.5
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_atlas_figure_pages_pass_axe_and_fit_at_320_375_and_1280_px(
    site, new_context, authority, lang
):
    """The map, statistics, plans and country pages, which the Florence demo lacks (page types)."""
    from opencoop.stats.models import PlansOverviewPage

    urls = [
        live_url(site, MapPage, lang, reporting_org=authority),
        live_url(site, StatisticsPage, lang, reporting_org=authority),
        live_url(site, PlansOverviewPage, lang, reporting_org=authority),
        drawing_url(site, authority, "country", lang),
    ]
    faults = []
    for width in WIDTHS:
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        for url in urls:
            assert page.goto(url, wait_until="load").status == 200, url
            scroll, client = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if scroll > client:
                faults.append(f"{url} at {width} px: {scroll} px wide")
            violations = run_axe(page)
            if violations:
                faults.append(f"{url} at {width} px:\n" + describe_violations(violations))
    assert not faults, "\n".join(faults)
