"""Keyboard, text size, narrow screens and print, as a visitor meets them in Chromium."""

import re

import pytest

from .conftest import SCREENSHOTS
from .page_types import present

pytestmark = pytest.mark.browser

CASES = present()
IDS = [f"{page_type.key}-{lang}" for page_type, lang in CASES]
WITH_CHROME = [(t, lang) for t, lang in CASES if t.chrome]
CHROME_IDS = [f"{t.key}-{lang}" for t, lang in WITH_CHROME]
LANGS = sorted({lang for _t, lang in CASES})

# What the focused element is, and whether its focus can be seen.
FOCUSED = """() => {
  const el = document.activeElement
  const style = getComputedStyle(el)
  const box = el.getBoundingClientRect()
  return {
    tag: el.tagName.toLowerCase(),
    href: el.getAttribute('href'),
    hreflang: el.getAttribute('hreflang'),
    size: el.getAttribute('data-oc-text-size'),
    skip: !!el.closest('.skiplinks'),
    nav: !!el.closest('.navbar-nav'),
    inMain: !!el.closest('main'),
    shown: box.width > 1 && box.height > 1,
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
          || style.boxShadow !== 'none',
  }
}"""
NO_SIDEWAYS_SCROLL = (
    "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
)

# Text, tables, images and printed link addresses that end beyond the page's width.
BEYOND_THE_PAPER = """() => {
  const width = document.documentElement.clientWidth
  const cut = []
  const range = document.createRange()
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const node = walker.currentNode
    if (!node.textContent.trim()) continue
    range.selectNodeContents(node)
    if ([...range.getClientRects()].some(r => r.width > 0 && r.right > width + 1)) {
      cut.push(node.textContent.trim().slice(0, 60))
    }
  }
  document.querySelectorAll('main a, table, img, svg, canvas, pre').forEach(el => {
    if ([...el.getClientRects()].some(r => r.width > 0 && r.right > width + 1)) {
      cut.push(el.outerHTML.slice(0, 60))
    }
  })
  return cut
}"""


def tab_through(page, stops: int = 40) -> list[dict]:
    """Press Tab ``stops`` times; return what got the focus each time."""
    focused = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    return focused


@pytest.mark.parametrize("lang", LANGS)
def test_tab_reaches_skip_link_text_size_language_and_navigation_in_order(site, new_context, lang):
    page = new_context().new_page()
    page.goto(site.address("section", lang))
    menu = page.locator("header .navbar-nav a")
    assert menu.count() >= 2
    stops = tab_through(page)

    first = stops[0]
    assert first["skip"] and first["href"] == "#main", f"first Tab stop: {first}"
    assert first["shown"], "the skip link stays invisible when focused"

    def position(test) -> int:
        return next(i for i, stop in enumerate(stops) if test(stop))

    sizes = [stop["size"] for stop in stops if stop["size"]]
    assert sizes == ["small", "medium", "large"]
    langs = [stop["hreflang"] for stop in stops if stop["hreflang"]]
    assert sorted(langs) == LANGS
    nav = [stop["href"] for stop in stops if stop["nav"]]
    assert len(nav) == menu.count()
    assert (
        position(lambda s: s["size"])
        < position(lambda s: s["hreflang"])
        < position(lambda s: s["nav"])
        < position(lambda s: s["inMain"])
    )
    unringed = [stop for stop in stops if not stop["ring"]]
    assert not unringed, f"focus is not visible on: {unringed}"


def test_skip_link_moves_the_keyboard_into_the_content(site, new_context):
    page = new_context().new_page()
    page.goto(site.address("activity", "en"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    # The jump is a navigation within the page: wait for it (a loaded machine is slow to
    # report it) rather than read the address the moment the key is up.
    page.wait_for_url(re.compile(r"#main$"), timeout=10_000)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"]


def test_text_size_is_chosen_with_the_keyboard_and_kept_across_pages(site, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(site.address("home", "it"))
    page.locator("button[data-oc-text-size=large]").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.classList.contains('oc-text-large')")
    assert page.get_attribute("button[data-oc-text-size=large]", "aria-pressed") == "true"
    assert page.get_attribute("button[data-oc-text-size=medium]", "aria-pressed") == "false"
    root_px = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    assert page.evaluate(root_px) == 20
    assert page.evaluate("localStorage.getItem('oc-text-size')") == "large"

    for key, lang in (("activity", "en"), ("privacy", "it")):
        page.goto(site.address(key, lang))
        assert page.evaluate(root_px) == 20, f"{key}-{lang} forgot the text size"
        assert page.get_attribute("button[data-oc-text-size=large]", "aria-pressed") == "true"

    page.locator("button[data-oc-text-size=medium]").focus()
    page.keyboard.press("Space")
    page.goto(site.address("home", "en"))
    assert page.evaluate(root_px) == 16
    assert context.cookies() == [], "the text size must not be kept in a cookie"


def test_pages_fit_320_css_pixels_with_large_text(site, new_context):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(site.address("home", "it"))
    page.locator("button[data-oc-text-size=large]").click()
    wide = {}
    for page_type, lang in site.cases():
        page.goto(site.address(page_type.key, lang))
        if page_type.chrome:
            assert page.evaluate("document.documentElement.classList.contains('oc-text-large')")
        scroll, client = page.evaluate(NO_SIDEWAYS_SCROLL)
        if scroll > client:
            wide[f"{page_type.key}-{lang}"] = scroll
            page.screenshot(path=str(SCREENSHOTS / f"narrow-{page_type.key}-{lang}.png"))
    assert not wide, f"pages wider than 320 CSS px with large text: {wide}"


@pytest.mark.parametrize("lang", LANGS)
def test_mobile_menu_opens_and_closes_with_the_keyboard(site, new_context, lang):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(site.address("section", lang))
    toggler = page.locator(".custom-navbar-toggler")
    assert toggler.is_visible()
    stops = tab_through(page, 12)
    assert any(stop["tag"] == "button" and stop["href"] is None for stop in stops)
    toggler.focus()
    page.keyboard.press("Enter")
    assert toggler.get_attribute("aria-expanded") == "true"
    # Once open, the drawer traps the focus inside itself.
    page.wait_for_function("() => document.activeElement.closest('#oc-nav') !== null")
    reached = tab_through(page, 8)
    assert any(stop["nav"] for stop in reached), "Tab does not reach the menu's links"
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('.custom-navbar-toggler')"
        ".getAttribute('aria-expanded') === 'false'"
    )


@pytest.mark.parametrize(("page_type", "lang"), WITH_CHROME, ids=CHROME_IDS)
def test_print_hides_the_navigation_shows_link_addresses_and_fits_the_paper(
    site, new_context, page_type, lang
):
    # 680 CSS px: the printable width of an A4 sheet with the stylesheet's 1.5 cm margins.
    page = new_context(viewport={"width": 680, "height": 960}).new_page()
    page.goto(site.address(page_type.key, lang))
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    hidden = page.evaluate(
        """selectors => selectors.map(s => [s, [...document.querySelectorAll(s)]
             .every(el => getComputedStyle(el).display === 'none')])""",
        [
            ".skiplinks",
            ".it-header-navbar-wrapper",
            ".oc-lang-switch",
            ".oc-text-size",
            ".oc-page-tools",
            ".it-footer-small-prints",
        ],
    )
    shown = [selector for selector, is_hidden in hidden if not is_hidden]
    assert not shown, f"printed although it is navigation: {shown}"
    addresses = page.evaluate(
        """() => [...document.querySelectorAll('main a[href]')].map(a => [a.href,
             getComputedStyle(a, '::after').content])"""
    )
    printed = [(href, after) for href, after in addresses if after not in ("none", "normal")]
    wrong = [(href, after) for href, after in printed if href not in after]
    assert not wrong, f"printed link text does not give the address: {wrong[:3]}"
    content_links = page.evaluate(
        """() => [...document.querySelectorAll('main a[href]')].filter(a =>
             !a.closest('.breadcrumb, .btn, .it-card-title, .oc-page-tools, .pagination')
             && !a.getAttribute('href').startsWith('#')).length"""
    )
    if content_links:
        assert printed, "no link in the content shows its address on paper"
    cut = page.evaluate(BEYOND_THE_PAPER)
    assert not cut, f"on paper, these run past the right margin: {cut[:5]}"
    scroll, client = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert scroll <= client, f"on paper, the page is {scroll - client} CSS px wider than the paper"
    page.screenshot(path=str(SCREENSHOTS / f"print-{page_type.key}-{lang}.png"), full_page=True)


# The search icon and what it sits on: its own fill, the nearest painted background behind it, and
# (on wide screens, where it sits in a white disc) the header's background around that disc.
SEARCH_ICON_COLOURS = """() => {
  const link = document.querySelector('header .search-link')
  const painted = el => {
    for (; el; el = el.parentElement) {
      const colour = getComputedStyle(el).backgroundColor
      if (colour !== 'transparent' && !colour.endsWith(', 0)')) return colour
    }
    return 'rgb(255, 255, 255)'
  }
  return {
    fill: getComputedStyle(link.querySelector('svg')).fill,
    behind: painted(link),
    around: painted(link.parentElement),
  }
}"""


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two ``rgb(r, g, b)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("width", [1280, 320])
def test_the_header_search_icon_stands_out_from_what_is_behind_it(site, new_context, width):
    # WCAG 1.4.11: a control's icon needs 3:1 against its background (axe-core checks only text).
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(site.address("home", "it"))
    if page.locator("header .search-link").count() == 0:
        pytest.skip("the demo has no site search page")
    colours = page.evaluate(SEARCH_ICON_COLOURS)
    assert contrast(colours["fill"], colours["behind"]) >= 3, colours
    if colours["behind"] != colours["around"]:
        assert contrast(colours["behind"], colours["around"]) >= 3, colours
