"""Every public page type, in every language, at 1280 px: accessible, valid, private, CSP-clean,
no sideways scroll (320 and 375 px: test_narrow_screens.py)."""

import pytest
from bs4 import BeautifulSoup

from .conftest import describe_violations
from .page_types import present, send_empty_form

pytestmark = pytest.mark.browser

CASES = present()
JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
IDS = [f"{page_type.key}-{lang}" for page_type, lang in CASES]


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_axe_core_finds_no_wcag_violation(visit, page_type, lang):
    page = visit(page_type, lang)
    assert page.status == page_type.status, page.url
    assert not page.violations, (
        f"{page.name} ({page.url}): {len(page.violations)} axe-core violations\n"
        + describe_violations(page.violations)
    )


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_nothing_scrolls_sideways_at_1280_px(visit, page_type, lang):
    page = visit(page_type, lang)
    assert page.overflow <= 0, f"{page.name}: {page.overflow} CSS px wider than 1280 px"


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_nothing_loads_from_another_site(site, visit, page_type, lang):
    page = visit(page_type, lang)
    assert any(url.endswith(".css") for url in page.requests), "the browser recorded no request"
    off_site = [url for url in page.requests if not site.is_same_site(url)]
    assert not off_site, f"{page.name} asked other sites for: {off_site}"


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_an_anonymous_visitor_gets_no_cookie(visit, page_type, lang):
    page = visit(page_type, lang)
    assert not page.cookies, f"{page.name} set cookies: {[c['name'] for c in page.cookies]}"


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_the_browser_reports_no_error(visit, page_type, lang):
    page = visit(page_type, lang)
    # An error page's own status is the one error expected.
    errors = [e for e in page.console_errors if not (page.status >= 400 and page.url in e)]
    assert not errors, f"{page.name}: {errors}"


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_markup_has_one_h1_landmarks_and_nothing_the_csp_refuses(visit, page_type, lang):
    page = visit(page_type, lang)
    soup = BeautifulSoup(page.html, "html.parser")
    assert soup.html["lang"] == lang
    assert len(soup.find_all("h1")) == 1, f"{page.name}: {len(soup.find_all('h1'))} h1"
    assert soup.find("main", id="main") is not None
    assert soup.find("header") is not None
    if page_type.chrome:
        description = soup.find("meta", attrs={"name": "description"})
        assert description is not None and description["content"].strip()
    # Data blocks (JSON-LD) are not run, so the CSP lets them be; inline code it refuses.
    inline_scripts = [
        s
        for s in soup.find_all("script")
        if not s.get("src") and s.get("type", "text/javascript") in JAVASCRIPT_TYPES
    ]
    assert not inline_scripts, f"{page.name}: inline <script> {inline_scripts[:2]}"
    assert not soup.find_all("style"), f"{page.name}: <style> element"
    styled = [tag.name for tag in soup.find_all(style=True)]
    assert not styled, f"{page.name}: style attribute on {styled[:5]}"
    handlers = [
        (tag.name, attr)
        for tag in soup.find_all(True)
        for attr in tag.attrs
        if attr.lower().startswith("on")
    ]
    assert not handlers, f"{page.name}: event-handler attributes {handlers[:5]}"


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=IDS)
def test_nu_html_checker_finds_no_error(site, nu_messages, page_type, lang):
    # Warnings are allowed; they are kept in var/screenshots/nu-html-checker.json.
    site.address(page_type.key, lang)  # skips a page the demo does not have yet
    name = f"{page_type.key}-{lang}"
    errors = [m for m in nu_messages[name] if m["type"] in {"error", "non-document-error"}]
    assert not errors, f"{name}: {len(errors)} Nu Html Checker errors\n" + "\n".join(
        f"- line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in errors
    )


@pytest.mark.parametrize("lang", sorted({lang for _t, lang in CASES}))
def test_a_form_sent_with_errors_leads_to_its_error_summary(site, new_context, lang):
    page = new_context().new_page()
    page.goto(site.address("suggestions", lang))
    send_empty_form(page)
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    link = summary.locator("a").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("'#' + document.activeElement.id") == target
    field = page.locator(target)
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert any(page.locator(f"#{ref}").inner_text().strip() for ref in described)
