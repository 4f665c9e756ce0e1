"""Fixtures of the catalogue tests: a fictional authority with activities to count."""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup

from tests.factories import make_association, make_municipality, make_published_activity

from ..conftest import SECTION_EN, SECTION_IT

CATALOGUE_IT = SECTION_IT + "catalogo/"
CATALOGUE_EN = SECTION_EN + "catalogue/"
SEARCH_IT = "/it/cerca/"
SEARCH_EN = "/en/search/"


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def prova():
    return make_municipality()


@pytest.fixture
def partners():
    return {
        "visible": make_association(
            name={"it": "Cooperativa Sole Nascente", "en": "Rising Sun Cooperative"},
            slug="rising-sun-cooperative",
        ),
        "hidden": make_association(
            name={"it": "Rifugio Segreto Onlus", "en": "Secret Shelter"},
            slug="secret-shelter",
        ),
    }


@pytest.fixture
def catalogue_data(prova, partners):
    """Activities that differ on every facet (with the Florence demo beside them)."""
    d = datetime.date
    return [
        make_published_activity(
            prova,
            title={
                "it": "Cooperazione tra le donne artigiane di Dakar",
                "en": "Cooperation among the craftswomen of Dakar",
            },
            description={"it": "Laboratori per una donna imprenditrice."},
            countries=("SN",),
            sectors=("15170", "32130"),
            sdgs=("5",),
            sdg_targets=("5.1",),
            markers=(("1", "2"), ("2", "0")),
            partners=((partners["visible"], False), (partners["hidden"], True)),
            status="2",
            start=d(2015, 3, 1),
            end=d(2018, 6, 30),
        ),
        make_published_activity(
            prova,
            title={"it": "Acqua potabile a Thiès", "en": "Drinking water in Thiès"},
            description={"en": "Wells run by a woman's committee."},
            countries=("SN", "ML"),
            sectors=("14030",),
            sdgs=("6",),
            markers=(("5", "1"),),
            partners=((partners["hidden"], True),),
            status="3",
            start=d(2019, 1, 1),
            end=d(2021, 12, 31),
        ),
        make_published_activity(
            prova,
            title={"it": "Scuole a Betlemme", "en": "Schools in Bethlehem"},
            countries=("PS",),
            sectors=("11220",),
            sdg_targets=("4.1", "5.5"),
            partners=((partners["visible"], False),),
            status="2",
            start=d(2021, 9, 1),
        ),
        make_published_activity(
            prova,
            title={"it": "Formazione in Bolivia", "en": "Training in Bolivia"},
            countries=("BO",),
            sectors=("11330",),
            markers=(("1", "1"),),
            status="4",
            end=d(2012, 5, 31),
        ),
        # Never counted: a draft and an activity under embargo.
        make_published_activity(prova, title={"it": "Bozza"}, countries=("SN",), publish=False),
        make_published_activity(
            prova,
            title={"it": "Sotto embargo"},
            countries=("SN",),
            embargo_until=d(2999, 1, 1),
        ),
    ]
