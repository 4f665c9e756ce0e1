"""The activity editor in Chromium: a location placed by a click on the portal's own map or by a
place name, and an edit page with 20 parts that fits 1280 px with amounts of 12 digits.

Writes to the shared test database (the live server must see the rows): it makes its own
editor and activity and removes them whatever the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from opencoop.activities.models import Activity, Location
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import EDITOR
from opencoop.organisations.models import Organisation
from scripts.bench_edit_page import give_twenty_parts
from tests.factories import make_activity, make_organisation

from .location_map import click_on_map

pytestmark = pytest.mark.browser

USERNAME = "location-editor"
PASSWORD = "location-password-1"
SUFFIX = "MAP-PICKER"
KOLDA = (12.8939, -14.94125)  # GeoNames
TIMEOUT_MS = 30_000


def remove_everything_made() -> None:
    Activity.objects.filter(iati_identifier__endswith=f"-{SUFFIX}").delete()
    Organisation.objects.filter(slug__startswith="map-picker-partner").delete()
    Organisation.objects.filter(identifier="IT-CF-99887766999").delete()
    get_user_model().objects.filter(username=USERNAME).delete()


@pytest.fixture
def project(monkeypatch) -> Iterator[Activity]:
    """A Florence project in Senegal with 20 parts and one location without coordinates."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls next to Playwright's loop
    remove_everything_made()
    florence = Organisation.objects.get(slug="florence")
    user = get_user_model().objects.create_user(USERNAME, f"{USERNAME}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=EDITOR))
    EditorialMembership.objects.create(
        user=user, organisation=florence, relation=EditorialMembership.STAFF
    )
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()
    activity = make_activity(florence, SUFFIX)
    partners = [make_organisation(slug=f"map-picker-partner-{n}") for n in range(3)]
    give_twenty_parts(activity, partners)
    Location.objects.create(activity=activity, name={"it": "Kolda"}, country="SN")
    activity.save_revision()
    try:
        yield activity
    finally:
        remove_everything_made()


def open_editor(site, new_context, activity, **options):
    page = new_context(locale="it-IT", **options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(site.url + "/admin/login/")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{site.url}/admin/snippets/activities/activity/edit/{activity.pk}/")
    return page


def test_a_click_on_the_map_places_the_location_and_is_saved(site, new_context, project):
    page = open_editor(site, new_context, project)
    page.get_by_role("tab", name="Dove e cosa").click()
    picker = page.locator('[data-location-picker][data-prefix="locations-0"]')
    picker.get_by_role("button", name="Scegli sulla mappa").click()
    svg = picker.locator("svg")
    expect(svg).to_be_visible()
    expect(svg.locator("title").first).to_have_text(
        "Mappa di Senegal: fai clic per collocare il luogo"
    )
    click_on_map(svg, *KOLDA)
    latitude = page.locator("input[name=locations-0-latitude]")
    longitude = page.locator("input[name=locations-0-longitude]")
    expect(latitude).not_to_have_value("")
    # One screen pixel of a country's map is a few kilometres.
    assert abs(float(latitude.input_value()) - KOLDA[0]) < 0.1
    assert abs(float(longitude.input_value()) - KOLDA[1]) < 0.1
    expect(picker.locator("[data-location-marker]")).to_have_count(1)
    page.get_by_role("button", name=re.compile(r"^\s*Salva bozza\s*$")).click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    # A draft: the coordinates are in the latest revision.
    saved = Activity.objects.get(pk=project.pk).get_latest_revision_as_object()
    [location] = saved.locations.all()
    assert abs(location.latitude - Decimal(str(KOLDA[0]))) < Decimal("0.1")
    assert abs(location.longitude - Decimal(str(KOLDA[1]))) < Decimal("0.1")


def test_a_place_name_typed_at_the_keyboard_sets_the_coordinates(site, new_context, project):
    page = open_editor(site, new_context, project)
    page.get_by_role("tab", name="Dove e cosa").click()
    search = page.get_by_label("Cerca il luogo per nome").first
    search.press_sequentially("Thi")
    option = page.locator("#id_locations-0-place-list option[value='Thiès (Senegal)']")
    expect(option).to_have_count(1)
    search.fill("Thiès (Senegal)")
    expect(page.locator("input[name=locations-0-latitude]")).to_have_value("14.789440")
    expect(page.locator("input[name=locations-0-longitude]")).to_have_value("-16.926020")


def test_the_edit_page_of_20_parts_fits_1280_px_with_12_digit_amounts(site, new_context, project):
    page = open_editor(site, new_context, project, viewport={"width": 1280, "height": 800})
    for tab in page.get_by_role("tab").all():
        if not tab.is_visible():
            continue
        tab.click()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"tab “{tab.inner_text().strip()}” overflows by {overflow} px"
    page.get_by_role("tab", name="Dati finanziari").click()
    amounts = page.locator("input[name$=-value]:visible")
    assert amounts.count() >= 6  # 3 budgets, 3 transactions
    for amount in amounts.all():
        amount.fill("123456789012.00")
        fits = amount.evaluate("(input) => input.scrollWidth <= input.clientWidth")
        assert fits, amount.get_attribute("name")


def test_a_result_is_entered_with_its_indicator_and_a_period_inside_it(site, new_context, project):
    page = open_editor(site, new_context, project)
    page.get_by_role("tab", name="Risultati e documenti").click()
    page.locator("#id_results-ADD").click()
    # The new result (the second) brings its first indicator; the period is added inside it.
    page.locator("input[name=results-1-title_0]").fill("Famiglie con acqua sicura")
    page.locator("input[name=results-1-indicators-0-title_0]").fill("Famiglie servite")
    page.locator("#id_results-1-indicators-0-periods-ADD").click()
    period = "results-1-indicators-0-periods-0"
    page.locator(f"input[name={period}-period_start]").fill("2026-01-01")
    page.locator(f"input[name={period}-period_end]").fill("2026-12-31")
    page.keyboard.press("Escape")  # close the date picker
    page.locator(f"input[name={period}-target_value]").fill("1200")
    page.get_by_role("button", name=re.compile(r"^\s*Salva bozza\s*$")).click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    saved = Activity.objects.get(pk=project.pk).get_latest_revision_as_object()
    _first, result = saved.results.all()
    (indicator,) = result.indicators.all()
    (entered,) = indicator.periods.all()
    assert (result.title["it"], indicator.title["it"]) == (
        "Famiglie con acqua sicura",
        "Famiglie servite",
    )
    assert (str(entered.period_start), entered.target_value) == ("2026-01-01", "1200")


def test_the_choosers_choose_create_and_clear_an_organisation(site, new_context, project):
    page = open_editor(site, new_context, project)
    page.get_by_role("tab", name="Dati finanziari").click()
    partner = Organisation.objects.get(slug="map-picker-partner-1")
    modal = page.locator(".modal-dialog:visible")

    # Choose: the first transaction's provider, found by its name in the chooser.
    provider = page.locator("#id_transactions-0-provider_org-chooser")
    provider.get_by_role("button", name=re.compile(r"^\s*Scegli organizzazione\s*$")).click()
    modal.locator("input[name=q]").fill(str(partner))
    modal.locator("[data-chooser-modal-choice]", has_text=str(partner)).first.click()
    expect(modal).to_have_count(0)
    expect(provider.locator("[data-chooser-title]")).to_have_text(str(partner))

    # Create: the second transaction's receiver, a new organisation made in the chooser.
    receiver = page.locator("#id_transactions-1-receiver_org-chooser")
    receiver.get_by_role("button", name=re.compile(r"^\s*Scegli organizzazione\s*$")).click()
    modal.get_by_role("tab", name=re.compile("Nuova organizzazione", re.I)).click()
    modal.get_by_label(re.compile(r"^\s*Italiano")).first.fill("Map picker partner nuovo")
    modal.get_by_label(re.compile(r"^\s*identificativo IATI dell'organizzazione", re.I)).fill(
        "IT-CF-99887766999"
    )
    modal.get_by_role("button", name=re.compile(r"^\s*Aggiungi una nuova organizzazione")).click()
    expect(modal).to_have_count(0)
    created = Organisation.objects.get(identifier="IT-CF-99887766999")
    expect(page.locator("#id_transactions-1-receiver_org")).to_have_value(str(created.pk))

    page.get_by_role("button", name=re.compile(r"^\s*Salva bozza\s*$")).click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    saved = Activity.objects.get(pk=project.pk).get_latest_revision_as_object()
    first, second, _third = saved.transactions.all()
    assert (first.provider_org_id, second.receiver_org_id) == (partner.pk, created.pk)

    # Clear: after the reload, from the chosen provider's actions menu.
    page.get_by_role("tab", name="Dati finanziari").click()
    provider = page.locator("#id_transactions-0-provider_org-chooser")
    expect(provider.locator("[data-chooser-title]")).to_have_text(str(partner))
    provider.get_by_role("button", name="Azioni").click()
    provider.get_by_role("button", name=re.compile(r"^\s*Azzera scelta\s*$")).click()
    expect(page.locator("#id_transactions-0-provider_org")).to_have_value("")
    page.get_by_role("button", name=re.compile(r"^\s*Salva bozza\s*$")).click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    saved = Activity.objects.get(pk=project.pk).get_latest_revision_as_object()
    assert saved.transactions.all()[0].provider_org_id is None
