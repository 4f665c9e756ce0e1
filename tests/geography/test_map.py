"""The map: its JSON, its table and the statistics agree; hidden places never become points."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from opencoop.geography.projection import Frame
from opencoop.geography.selectors import map_points
from opencoop.geography.shapes import world
from opencoop.stats.selectors import Scope, by_country
from tests.factories import add_location, make_authority, make_bare_activity
from tests.stats.fixtures import page_tables, parse_csv, parse_number

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

MAP = {"it": "/it/comune-di-esempio/mappa/", "en": "/en/example-municipality/map/"}


def test_json_table_and_statistics_agree(client, fictional):
    with translation.override("en"):
        selector = by_country(Scope(fictional))
    data = client.get(f"/geography/{fictional.slug}/map.json?lang=en").json()
    table = page_tables(client.get(MAP["en"]).content)["by-country"]
    stats_table = page_tables(client.get("/en/example-municipality/statistics/").content)[
        "by-country"
    ]
    assert table["rows"] == stats_table["rows"]
    assert data["columns"] == [c.key for c in selector.columns]
    assert len(data["countries"]) == len(selector.rows) == len(table["rows"])
    for country, row, (code, label, cells) in zip(
        data["countries"], selector.rows, table["rows"], strict=True
    ):
        assert country["code"] == row.code == code
        assert country["name"] == row.label == label
        for column, value, cell in zip(selector.columns, row.values, cells, strict=True):
            from_json = country[column.key]
            assert (Decimal(from_json) if column.is_amount else from_json) == value
            assert parse_number(cell, "en") == value
    assert sum(c["activities"] for c in data["countries"]) >= 40
    _header, *lines = parse_csv(client.get(table["csv"]).content)
    assert [(line[0], line[1]) for line in lines] == [(c, label) for c, label, _ in table["rows"]]


def code_of(href: str) -> str:
    """Return the country of a country page's address (/it/paesi/sn/ → "SN")."""
    return href.rstrip("/").rsplit("/", 1)[1].upper()


def test_every_country_with_activities_is_a_link_to_its_page(client, fictional):
    soup = BeautifulSoup(client.get(MAP["it"]).content, "html.parser")
    svg = soup.find("svg", class_="oc-map")
    assert svg["aria-labelledby"]
    links = svg.select("g.oc-map-countries a")
    codes = {r.code for r in by_country(Scope(fictional)).rows if r.code}
    linked = set()
    for link in links:
        assert link["href"].startswith("/it/paesi/")
        linked.add(code_of(link["href"]))
        assert link["aria-label"].strip()
        assert link.find(["path", "circle"]) is not None
    assert linked == codes
    assert client.get(links[0]["href"]).status_code == 200


def test_shading_follows_the_measure_switch(client, fictional):
    def shades(url):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        current = soup.select_one(".oc-map-measures a[aria-current]")
        marks = {
            code_of(a["href"]): a.find(["path", "circle"])["class"]
            for a in soup.select("g.oc-map-countries a")
        }
        return current["href"], marks

    by_count = shades(MAP["en"] + "?measure=activities")
    by_amount = shades(MAP["en"] + "?measure=amount")
    assert by_count[0].endswith("measure=activities") and by_amount[0].endswith("measure=amount")
    assert set(by_count[1]) == set(by_amount[1])
    table = by_country(Scope(fictional))
    top = max((r for r in table.rows if r.code), key=lambda r: table.value(r, "activities"))
    assert "oc-map-q5" in by_count[1][top.code]


def test_a_bad_measure_gets_a_message_and_the_default_map(client, fictional):
    soup = BeautifulSoup(client.get(MAP["en"] + "?measure=volume").content, "html.parser")
    alert = soup.select_one(".alert-warning")
    assert "volume" in alert.get_text() and "measure" not in alert.get_text().split(":")[0]
    assert soup.select_one(".oc-map-measures a[aria-current]")["href"].endswith("activities")


def test_hidden_locations_never_become_points(client):
    authority = make_authority()
    shown = make_bare_activity(authority, countries={"SN": 100})
    add_location(shown, "Kaolack", "14.151", "-16.073", "SN")
    hidden = make_bare_activity(authority, countries={"PS": 100}, hide_exact_locations=True)
    add_location(hidden, "Nablus", "32.221", "35.254", "PS")
    points = map_points(Scope(authority))
    assert [(p.latitude, p.longitude) for p in points] == [(Decimal("14.15"), Decimal("-16.07"))]
    data = client.get(f"/geography/{authority.slug}/map.json").json()
    assert [p["name"]["en"] for p in data["points"]] == ["Kaolack"]
    assert {c["code"] for c in data["countries"]} == {"SN", "PS"}
    body = client.get(f"/geography/{authority.slug}/map.json").content.decode()
    assert "Nablus" not in body and "32.22" not in body


def test_points_fall_inside_their_country(fictional):
    shapes = world()
    assert shapes is not None, "run the front-end build: frontend/build.mjs makes the outlines"
    frame = Frame()
    for point in map_points(Scope(fictional)):
        shape = shapes.countries[point.country]
        if not shape.path:
            continue
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", shape.path)]
        xs, ys = numbers[0::2], numbers[1::2]
        x, y = frame.point(float(point.longitude), float(point.latitude))
        assert min(xs) - 2 <= x <= max(xs) + 2 and min(ys) - 2 <= y <= max(ys) + 2, point.name


def test_json_errors_say_what_is_wrong(client):
    response = client.get("/geography/no-such-authority/map.json")
    assert response.status_code == 404
    assert "no-such-authority" in response.json()["error"]
    response = client.get("/geography/all/map.json?lang=xx")
    assert response.status_code == 400
    assert "xx" in response.json()["error"]


def test_map_is_keyboard_and_screen_reader_friendly(client, fictional):
    soup = BeautifulSoup(client.get(MAP["en"]).content, "html.parser")
    svg = soup.find("svg", class_="oc-map")
    ids = svg["aria-labelledby"].split()
    assert svg.find("title")["id"] == ids[0] and svg.find("desc")["id"] == ids[1]
    assert svg.select_one("g.oc-map-land")["aria-hidden"] == "true"
    for link in svg.find_all("a"):
        assert link.get("href") and link.get("aria-label"), link
        assert link.get("tabindex") != "-1"
    places = soup.select("#map-places tbody tr")
    assert len(places) == len(map_points(Scope(fictional)))
    assert not soup.find_all(style=True)
