"""A location is placed by a name from the gazetteer or a click on the portal's own map."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from opencoop.activities.models import Activity, Location

from .helpers import form_data, soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db


def test_each_location_row_has_the_picker_labelled_in_italian(client, editor, activity):
    Location.objects.create(activity=activity, name={"it": "Kolda"}, country="SN")
    activity.save_revision()
    client.force_login(in_italian(editor))
    page = soup(client.get(url(activity, "edit")))
    picker = page.select_one('[data-location-picker][data-prefix="locations-0"]')
    assert picker is not None
    assert picker["data-places-url"] == reverse("geography_admin:places")
    assert picker["data-map-url"] == reverse("geography_admin:picker-map")
    assert picker.find("label").get_text(strip=True) == "Cerca il luogo per nome"
    assert picker.select_one("[data-location-map-toggle]").get_text(strip=True) == (
        "Scegli sulla mappa"
    )


def test_the_coordinates_set_by_the_picker_are_stored_and_shown_again(client, editor, activity):
    client.force_login(in_italian(editor))
    address = url(activity, "edit")
    data = form_data(client.get(address))
    data.update(
        {
            "locations-TOTAL_FORMS": "1",
            "locations-INITIAL_FORMS": "0",
            "locations-0-id": "",
            "locations-0-ORDER": "1",
            "locations-0-DELETE": "",
            "locations-0-name_0": "Kolda",
            "locations-0-name_1": "",
            "locations-0-name_2": "",
            "locations-0-description_0": "",
            "locations-0-description_1": "",
            "locations-0-description_2": "",
            "locations-0-country": "SN",
            # What the picker writes into the row's fields (a click or a place name).
            "locations-0-latitude": "12.893900",
            "locations-0-longitude": "-14.941250",
            "locations-0-exactness": "1",
            "locations-0-reach": "1",
        }
    )
    response = client.post(address, data)
    assert response.status_code == 302, soup(response).select(".error-message")
    # A draft: the coordinates are in the latest revision.
    saved = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    [location] = saved.locations.all()
    assert (location.latitude, location.longitude) == (Decimal("12.893900"), Decimal("-14.941250"))
    again = soup(client.get(address))
    assert again.find("input", attrs={"name": "locations-0-latitude"})["value"] == "12.893900"
    assert again.find("input", attrs={"name": "locations-0-longitude"})["value"] == "-14.941250"


def test_the_places_endpoint_finds_a_town_of_the_partner_countries_in_italian(client, editor):
    client.force_login(in_italian(editor))
    answer = client.get(reverse("geography_admin:places"), {"q": "kolda", "countries": "SN"})
    assert answer.status_code == 200
    first = answer.json()["places"][0]
    assert first == {
        "label": "Kolda (Senegal)",
        "name": "Kolda",
        "country": "SN",
        "latitude": 12.8939,
        "longitude": -14.94125,
    }
    # A wrong country still finds the place; a donor country's town is not there.
    assert (
        client.get(reverse("geography_admin:places"), {"q": "Kolda", "countries": "BF"}).json()[
            "places"
        ][0]["country"]
        == "SN"
    )
    assert client.get(reverse("geography_admin:places"), {"q": "Firenze"}).json() == {"places": []}


def test_the_map_to_click_is_the_portals_own_svg_centred_on_the_country(client, editor):
    client.force_login(in_italian(editor))
    answer = client.get(
        reverse("geography_admin:picker-map"), {"country": "SN", "row": "locations-0"}
    )
    assert answer.status_code == 200
    holder = soup(answer).select_one("[data-frame]")
    svg = holder.find("svg")
    assert svg.find("title").get_text() == "Mappa di Senegal: fai clic per collocare il luogo"
    assert svg.select_one("path[class^=oc-map-q]") is not None  # Senegal drawn
    assert svg["id"] == "location-map-locations-0"
    assert "http" not in answer.content.decode().replace("http://www.w3.org/2000/svg", "")


def test_the_picker_endpoints_are_for_signed_in_editors_only(client):
    assert client.get(reverse("geography_admin:places"), {"q": "kolda"}).status_code == 302


def test_an_added_row_is_fetched_with_the_picker_and_the_pages_ids(client, editor, activity):
    client.force_login(in_italian(editor))
    page = soup(client.get(url(activity, "edit")))
    template = page.find("template", id="id_locations-EMPTY_FORM_TEMPLATE")
    assert template.get_text(strip=True) == ""  # not in the page: fetched when first added
    row = soup(client.get(template["data-empty-row-url"]))
    assert row.select_one('[data-location-picker][data-prefix="locations-__prefix__"]')
    assert row.find("input", attrs={"name": "locations-__prefix__-latitude"})
    assert row.find(id="inline_child_locations-__prefix__")
    missing = client.get(url(activity, "edit") + "?empty_row=nope", follow=True)
    assert missing.status_code == 404
