"""The suggestions form, sent by Chromium: it works without a cookie, and only from this site."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from opencoop.pages.models import SuggestionPage
from opencoop.suggestions.models import Suggestion
from opencoop.suggestions.protection import TOKEN_FIELD, issue_form_token

pytestmark = pytest.mark.browser

ELSEWHERE = "http://elsewhere.test"


@pytest.fixture
def fresh_suggestions(settings, monkeypatch):
    """Let a form be sent at once, with no earlier attempt counted; remove what the test stored."""
    # Playwright's synchronous API keeps an event loop in this thread, which Django takes for
    # async code; the queries below are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.OPENCOOP_SUGGESTIONS_MIN_SECONDS = 0
    cache.clear()
    before = set(Suggestion.objects.values_list("pk", flat=True))
    yield
    Suggestion.objects.exclude(pk__in=before).delete()
    cache.clear()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_visitor_sends_a_suggestion_and_gets_no_cookie(
    site, new_context, fresh_suggestions, lang
):
    context = new_context()
    page = context.new_page()
    page.goto(site.address("suggestions", lang))
    message = f"A browser's suggestion in {lang}, {time.time()}"
    page.fill("#id_message", message)
    with page.expect_navigation() as navigation:
        page.locator("main form [type=submit]").click()
    assert navigation.value.status == 200
    assert page.url.endswith("?sent=1")
    assert page.locator("main [role=status]").is_visible()
    stored = Suggestion.objects.get(message=message)
    assert stored.language == lang
    assert context.cookies() == [], "sending the form set a cookie"


def test_a_form_on_another_site_is_refused_with_a_clear_message(
    site, new_context, fresh_suggestions
):
    target = site.url + reverse(
        "suggestions:send", args=[SuggestionPage.objects.live().get(locale__language_code="en").pk]
    )
    token = issue_form_token(now=time.time() - 10)
    other_site = (
        f'<!DOCTYPE html><html lang="en"><title>Elsewhere</title>'
        f'<form method="post" action="{target}">'
        f'<input type="hidden" name="{TOKEN_FIELD}" value="{token}">'
        f'<textarea name="message">Forged from elsewhere</textarea>'
        f"<button>Send</button></form></html>"
    )
    context = new_context()
    # Another origin, answered by the browser itself: no request leaves the machine.
    context.route(
        ELSEWHERE + "/**", lambda route: route.fulfill(body=other_site, content_type="text/html")
    )
    page = context.new_page()
    page.goto(ELSEWHERE + "/form")
    with page.expect_navigation() as navigation:
        page.locator("button").click()
    assert navigation.value.status == 403
    summary = page.locator("#error-summary").inner_text()
    assert f"sent from another site ({ELSEWHERE})" in summary
    assert site.url in summary
    assert page.locator("#id_message").input_value() == "Forged from elsewhere"
    assert not Suggestion.objects.filter(message="Forged from elsewhere").exists()
    assert context.cookies() == []
