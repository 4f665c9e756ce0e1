"""The sensitive-activity panel follows the form before saving, in Chromium.

The server draws what is hidden when the page loads (tests/editorial/test_sensitive_panel.py);
here an editor flips the switches and the panel says what they will hide before any save.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from opencoop.activities.models import Activity
from opencoop.editorial.roles import EDITOR
from opencoop.organisations.models import Organisation

from .test_editor_walkthrough import PASSWORD, make_officer

pytestmark = pytest.mark.browser

NAME = "sensitive-panel-editor"


@pytest.fixture
def florence_editor(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.filter(username=NAME).delete()
    florence = Organisation.objects.get(slug="florence")
    make_officer(NAME, EDITOR, florence)
    activity = (
        Activity.objects.filter(reporting_org=florence, hide_exact_locations=False)
        .exclude(participating_orgs__hide_name=True)
        .order_by("pk")
        .first()
    )
    assert activity is not None
    try:
        yield activity
    finally:
        get_user_model().objects.filter(username=NAME).delete()


def test_the_panel_says_what_the_switches_will_hide_before_saving(
    site, florence_editor, new_context
):
    activity = florence_editor
    page = new_context(locale="en-GB").new_page()
    page.goto(site.url + "/admin/login/")
    page.locator("input[name=username]").fill(NAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{site.url}/admin/snippets/activities/activity/edit/{activity.pk}/")
    page.get_by_role("tab", name="Sensitive context").click()

    panel = page.locator("[data-sensitive-panel]")
    places = panel.locator("[data-sensitive-switch=hide_exact_locations]")
    embargo = panel.locator("[data-sensitive-switch=embargo_until]")
    expect(places).to_have_attribute("data-active", "false")
    expect(places.locator("[data-when-off]")).to_be_visible()
    expect(places.locator("[data-when-on]")).to_be_hidden()

    page.locator("input[name=hide_exact_locations]").check()
    expect(places).to_have_attribute("data-active", "true")
    expect(places.locator("[data-when-on]")).to_be_visible()
    expect(places.locator("[data-when-on]")).to_contain_text("every place")
    expect(places.locator("[data-when-off]")).to_be_hidden()

    page.locator("input[name=embargo_until]").fill("2099-01-01")
    expect(embargo).to_have_attribute("data-active", "true")

    # A partner's name hidden on the Partners tab shows here too.
    page.get_by_role("tab", name="Partners").click()
    page.locator("input[name^=participating_orgs-][name$=-hide_name]:visible").first.check()
    page.get_by_role("tab", name="Sensitive context").click()
    for item in panel.locator("[data-sensitive-switch='participating_orgs.hide_name']").all():
        expect(item).to_have_attribute("data-active", "true")

    # Nothing was saved by looking.
    activity.refresh_from_db()
    assert not activity.hide_exact_locations and activity.embargo_until is None
