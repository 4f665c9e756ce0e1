"""Codes of IATI codelists are picked by label, in the editor's language, without a heavy page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opencoop.activities.models import Activity, RecipientRegion, SdgTag, Sector

from .helpers import field_errors, form_data, soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db


def picker(response, name: str):
    element = soup(response).find("input", attrs={"name": name})
    assert element is not None, name
    return element.find_parent(attrs={"data-codelist-picker": True})


def test_the_sector_picker_shows_the_code_and_its_italian_label(client, editor, activity):
    Sector.objects.create(activity=activity, vocabulary="1", code="14030")
    SdgTag.objects.create(activity=activity, vocabulary="2", code="6")
    activity.save_revision()
    client.force_login(in_italian(editor))
    page = client.get(url(activity, "edit"))
    sector = picker(page, "sectors-0-code")
    assert sector.find("input")["value"] == "14030"
    assert sector.find("input")["list"] == "codelist-Sector-SectorCategory"
    label = " ".join(sector.select_one("[data-codelist-label]").get_text().split())
    assert label == "Approvvigionamento di acqua potabile e servizi igienico-sanitari di base"
    sdg = picker(page, "sdg_tags-0-code")
    assert sdg.select_one("[data-codelist-label]").get_text().strip() == (
        "Obiettivo 6. Acqua pulita e servizi igienico-sanitari"
    )
    # Long lists are not repeated in the page: the options come from the endpoint.
    assert not soup(page).find("option", attrs={"value": "14030"})
    # A row added later gets the picker too (its empty row is fetched when first added).
    template = soup(page).find("template", id="id_recipient_countries-EMPTY_FORM_TEMPLATE")
    country = picker(
        client.get(template["data-empty-row-url"]), "recipient_countries-__prefix__-code"
    )
    assert country is not None


def test_short_codelists_stay_selects_showing_code_and_label(client, editor, activity):
    client.force_login(in_italian(editor))
    page = client.get(url(activity, "edit"))
    role = soup(page).find("select", attrs={"name": "participating_orgs-1-role"})
    selected = role.find("option", selected=True)
    assert " ".join(selected.get_text().split()) == "4 – Attuatore"


def test_a_wrong_sector_code_is_refused_in_italian_naming_field_and_list(client, editor, activity):
    client.force_login(in_italian(editor))
    data = form_data(client.get(url(activity, "edit")))
    data.update(
        {
            "sectors-TOTAL_FORMS": "1",
            "sectors-INITIAL_FORMS": "0",
            "sectors-0-id": "",
            "sectors-0-ORDER": "1",
            "sectors-0-DELETE": "",
            "sectors-0-vocabulary": "1",
            "sectors-0-code": "99999",
            "sectors-0-percentage": "",
        }
    )
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    message = "settore: «99999» non è un codice della lista IATI «Settori DAC a 5 cifre»."
    row = picker(response, "sectors-0-code").find_parent(attrs={"data-field": True})
    assert message in " ".join(row.get_text().split())
    assert not Sector.objects.filter(activity=activity).exists()


def test_a_wrong_country_code_is_refused_in_italian(client, editor, activity):
    client.force_login(in_italian(editor))
    data = form_data(client.get(url(activity, "edit")))
    data["default_currency"] = "XXX"
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 200
    assert field_errors(response, "default_currency") == [
        "Valuta predefinita: «XXX» non è un codice della lista IATI «Valute»."
    ]
    assert Activity.objects.get(pk=activity.pk).default_currency == "EUR"


def test_the_options_endpoint_gives_codes_and_labels_in_the_editors_language(client, editor):
    client.force_login(in_italian(editor))
    response = client.get(reverse("codelists:options"), {"lists": "Sector", "lang": "it"})
    assert response.status_code == 200
    options = dict(response.json()["options"])
    assert options["14030"] == (
        "14030 – Approvvigionamento di acqua potabile e servizi igienico-sanitari di base"
    )
    assert "private" in response["Cache-Control"]
    refused = client.get(reverse("codelists:options"), {"lists": "Nope"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "Lista di codici IATI sconosciuta: Nope."


def test_each_coded_part_offers_the_codelists_of_its_own_vocabularies(client, editor, activity):
    # The picker's lists come from the table that checks the codes: a region is picked among
    # regions, not sectors.
    RecipientRegion.objects.create(activity=activity, vocabulary="1", code="298")
    Sector.objects.create(activity=activity, vocabulary="1", code="14030")
    SdgTag.objects.create(activity=activity, vocabulary="2", code="6")
    activity.save_revision()
    client.force_login(in_italian(editor))
    page = client.get(url(activity, "edit"))
    lists = {
        name: picker(page, f"{name}-0-code").find("input")["list"]
        for name in ("recipient_regions", "sectors", "sdg_tags")
    }
    assert lists == {
        "recipient_regions": "codelist-Region",
        "sectors": "codelist-Sector-SectorCategory",
        "sdg_tags": "codelist-UNSDG-Goals-UNSDG-Targets",
    }
    region = picker(page, "recipient_regions-0-code")
    assert region.select_one("[data-codelist-label]").get_text().strip() != ""
