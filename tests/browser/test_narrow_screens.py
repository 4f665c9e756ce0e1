"""Every public page type on a phone (320 and 375 px), in each language: accessible, no sideways scroll.

The desktop width (1280 px) is checked page by page in test_page_types.py; here the same pages
are opened at the two phone widths, where menus fold, tables scroll in their regions and the
catalogue's facets stack above its results. The catalogue's results are then reached from the top
of the page with the keyboard (at the three widths), its apply control is looked for on a phone's
first screen, it is printed without its filters, and the API's documentation is checked for
sideways scroll at the three widths.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from .conftest import describe_violations, run_axe
from .page_types import present

pytestmark = pytest.mark.browser

CASES = present()
IDS = [f"{page_type.key}-{lang}" for page_type, lang in CASES]
PHONES = (320, 375)
WIDTHS = (320, 375, 1280)
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def faults_at(page, width: int) -> list[str]:
    """Return what is wrong with the page shown: axe-core's violations and a sideways scroll."""
    faults = []
    scroll, client = page.evaluate(SIDEWAYS)
    if scroll > client:
        faults.append(f"{width} px: the page is {scroll} px wide")
    violations = run_axe(page)
    if violations:
        faults.append(f"{width} px: axe-core\n" + describe_violations(violations))
    return faults


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_on_a_phone_axe_finds_nothing_and_nothing_scrolls_sideways(
    site, new_context, page_type, lang
):
    url = site.address(page_type.key, lang)
    faults = []
    for width in PHONES:
        page = new_context(viewport={"width": width, "height": 740}).new_page()
        response = page.goto(url, wait_until="load")
        if page_type.action is not None:
            page_type.action(page)
            page.wait_for_load_state("load")
        else:
            assert response.status == page_type.status, url
        faults += faults_at(page, width)
    assert not faults, f"{page_type.key}-{lang} ({url}):\n" + "\n".join(faults)


FOCUS = """() => {
    const element = document.activeElement;
    return {
        results: Boolean(element.closest('#catalogue-results')),
        toResults: element.matches('a[href="#results-heading"]'),
        text: (element.textContent || '').trim().slice(0, 60),
    };
}"""

#: The most Tab presses from the top of the catalogue to its results.
TABS_TO_RESULTS = 10


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_catalogue_s_results_are_ten_tab_presses_from_the_top_at_most(
    site, new_context, lang, width
):
    """Tab from the top, following a link to the results when one is met (Enter, no Tab)."""
    page = new_context(viewport={"width": width, "height": 740}).new_page()
    assert page.goto(site.address("catalogue", lang), wait_until="load").status == 200
    stops = []
    for _tab in range(TABS_TO_RESULTS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS)
        stops.append(focused["text"])
        if focused["toResults"]:
            page.keyboard.press("Enter")
            focused = page.evaluate(FOCUS)
        if focused["results"]:
            break
    else:
        pytest.fail(f"{TABS_TO_RESULTS} Tab presses did not reach the results: {stops}")
    # Following the link within the page must not reload the results (popstate fires for it
    # too): once the network is quiet the focus is still on them.
    page.wait_for_load_state("networkidle")
    assert page.evaluate(FOCUS)["results"], stops
    # From there the next Tab stays among the results.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS)["results"], stops
    assert len(stops) <= TABS_TO_RESULTS


#: A phone's first screen at 375 px wide (an iPhone SE's viewport).
FIRST_SCREEN = {"width": 375, "height": 667}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_filter_form_s_apply_control_is_on_the_first_screen_at_375_px(site, new_context, lang):
    """With JavaScript, which folds the site's menu (without it the menu stands open above)."""
    with translation.override(lang):
        label = gettext("Apply filters")
    page = new_context(viewport=FIRST_SCREEN).new_page()
    assert page.goto(site.address("catalogue", lang), wait_until="load").status == 200
    apply = page.get_by_role("button", name=label, exact=True).first
    assert apply.is_visible()
    box = apply.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= FIRST_SCREEN["height"], box


#: What the catalogue shows on screen to choose its rows, and must leave off paper.
FILTERS = (".oc-catalogue .form-group", ".oc-catalogue-apply", ".oc-facets", ".oc-active-filters")
DISPLAYED = "selector => [...document.querySelectorAll(selector)].some(e => e.offsetParent)"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_catalogue_prints_its_results_without_the_filters(site, new_context, lang):
    """A filtered catalogue, printed (680 CSS px: A4 within the margins): its rows, no form."""
    page = new_context(viewport={"width": 680, "height": 960}).new_page()
    assert page.goto(site.address("catalogue-filtered", lang), wait_until="load").status == 200
    on_screen = page.locator("ul.oc-results > li").count()
    assert on_screen > 0
    assert all(page.evaluate(DISPLAYED, selector) for selector in FILTERS)
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    printed = [selector for selector in FILTERS if page.evaluate(DISPLAYED, selector)]
    assert not printed, f"printed although they only choose the rows: {printed}"
    assert page.locator("#results-heading").is_visible()
    rows = page.locator("ul.oc-results > li")
    assert rows.count() == on_screen
    assert all(rows.nth(i).is_visible() for i in range(on_screen))


API_HEADING = {"it": "Documentazione dell'API", "en": "API documentation"}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_api_documentation_is_accessible_at_every_width_in_the_site_s_frame(
    site, new_context, lang
):
    """Its language, one h1 (the site's), a main landmark and a skip link; no axe-core
    violation and no sideways scroll at 320, 375 and 1280 px, with the operations listed."""
    faults = []
    for width in WIDTHS:
        context = new_context(viewport={"width": width, "height": 740}, locale=lang)
        page = context.new_page()
        assert page.goto(f"{site.url}/api/v1/docs", wait_until="load").status == 200
        page.wait_for_selector("#swagger-ui .info")
        page.wait_for_selector("#swagger-ui .opblock")
        assert page.evaluate("document.documentElement.lang") == lang
        headings = page.locator("h1").all_inner_texts()
        if headings != [API_HEADING[lang]]:
            faults.append(f"{width} px: the h1 headings are {headings}")
        assert page.locator("main#main h1").first.inner_text() == API_HEADING[lang]
        assert page.locator("main#main #swagger-ui").count() == 1
        assert page.locator('a[href="#main"]').count() >= 1
        faults += faults_at(page, width)
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_opened_api_operation_has_no_axe_violation(site, new_context, lang):
    """Swagger UI's own parts of an opened operation: each select named, each code block a
    focusable region (frontend/js/api-docs.js labels them as they appear)."""
    context = new_context(viewport={"width": 1280, "height": 740}, locale=lang)
    page = context.new_page()
    assert page.goto(f"{site.url}/api/v1/docs", wait_until="load").status == 200
    page.locator("#swagger-ui .opblock .opblock-summary-control").first.click()
    page.wait_for_selector("#swagger-ui .opblock.is-open .opblock-body select")
    page.wait_for_selector("#swagger-ui .opblock.is-open pre")
    selects = page.locator("#swagger-ui .opblock.is-open select")
    assert selects.count() >= 1
    faults = faults_at(page, 1280)
    assert not faults, "\n".join(faults)
