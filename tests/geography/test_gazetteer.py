"""The gazetteer of the partner countries finds places by name, and the map turns clicks into degrees."""

from __future__ import annotations

import pytest
from django.utils import translation

from opencoop.geography import gazetteer
from opencoop.geography.projection import Frame


def test_a_place_is_found_by_name_without_accents_and_named_with_its_country_in_italian():
    with translation.override("it"):
        found = gazetteer.search("thies", countries=["SN"])
        assert [place.label for place in found][:1] == ["Thiès (Senegal)"]
        assert gazetteer.search("Abidjan")[0].label == "Abidjan (Costa d’Avorio)"
    kolda = gazetteer.search("KOLDA")[0]
    assert (kolda.country, kolda.latitude, kolda.longitude) == ("SN", 12.8939, -14.94125)


def test_names_that_start_with_the_query_come_first_then_the_larger_places():
    labels = [place.name for place in gazetteer.search("san salvador")]
    assert labels[0] == "San Salvador"
    assert labels.index("San Salvador de Jujuy") < len(labels)


def test_the_countries_given_narrow_the_search():
    assert {place.country for place in gazetteer.search("san", countries=["SV"])} == {"SV"}
    assert gazetteer.search("Kolda", countries=["BF"]) == []
    assert gazetteer.search("   ") == []


def test_only_partner_countries_are_shipped():
    countries = {place.country for _name, place in gazetteer.places()}
    assert not countries & gazetteer.DONOR_COUNTRIES
    assert {"SN", "BF", "SV", "PS", "TN"} <= countries
    assert gazetteer.search("Firenze") == []


@pytest.mark.parametrize("where", [(-14.94125, 12.8939), (35.2, 31.9), (-89.19, 13.69), (170, -50)])
def test_a_point_on_the_map_goes_back_to_its_degrees(where):
    frame = Frame()
    longitude, latitude = frame.location(*frame.point(*where))
    assert (round(longitude, 6), round(latitude, 6)) == where
