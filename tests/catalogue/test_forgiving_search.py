"""Search forgives: misspelt words and places, other names of places, synonyms, the contact.

The Florence demo is loaded once for the session (its load rebuilds the vocabulary), so these
tests search its records as a visitor would, in Italian and in English. They hold on SQLite
(similarity computed in Python) as on PostgreSQL (pg_trgm).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from opencoop.activities.models import Activity
from opencoop.catalogue import spelling
from opencoop.catalogue.indexing import did_you_mean
from opencoop.catalogue.models import SearchTerm
from opencoop.catalogue.selectors import search_ids
from tests.factories import make_municipality, make_published_activity

from .conftest import CATALOGUE_EN, CATALOGUE_IT, SEARCH_EN, SEARCH_IT, soup_of

pytestmark = pytest.mark.django_db

BETHLEHEM = "hosh-al-syrian-bethlehem"
HERITAGE = "iraq-cultural-heritage-training"
FES = "agr-women-fes-medina"


def found(q: str) -> set[str]:
    ids = search_ids(Activity.objects.all(), q) or []
    return set(Activity.objects.filter(pk__in=ids).values_list("slug", flat=True))


def result_links(client, url: str) -> list[str]:
    soup = soup_of(client, url)
    return [a["href"] for a in soup.select(".oc-search-group a[href]")]


@pytest.mark.parametrize("q", ["Betleme", "Betlemmme", "Bethlehm", "Betlehem"])
def test_a_misspelt_place_finds_its_records_in_both_languages(q):
    assert BETHLEHEM in found(q)


@pytest.mark.parametrize(
    "q", ["patrimonoi culturale", "formazzione", "heritge", "culturl heritage"]
)
def test_a_near_miss_word_finds_its_records_in_both_languages(q):
    assert HERITAGE in found(q)


@pytest.mark.parametrize("q", ["Fez", "Fes", "Fès"])
def test_another_name_of_a_place_finds_its_records(q):
    assert FES in found(q)


def test_the_misspelt_words_are_corrected_from_the_vocabulary():
    assert did_you_mean("Betleme") == "betlemme"
    assert did_you_mean("heritge") == "heritage"
    assert did_you_mean("Senagal heritage") == "senegal heritage"
    # Words the vocabulary knows, as written or by their stem, are left as they are.
    assert did_you_mean("Betlemme") == ""
    assert did_you_mean("cooperazioni") == ""


def test_the_search_page_offers_the_correction_and_shows_its_results(client):
    soup = soup_of(client, SEARCH_IT + "?q=Betleme")
    offer = soup.select_one(".oc-did-you-mean a")
    assert offer is not None and offer.get_text() == "betlemme"
    assert offer["href"] == SEARCH_IT + "?q=betlemme"
    assert any(BETHLEHEM in href for href in result_links(client, SEARCH_IT + "?q=Betleme"))
    soup = soup_of(client, SEARCH_EN + "?q=Bethlehm")
    assert soup.select_one(".oc-did-you-mean a").get_text() == "bethlehem"


def test_the_catalogue_offers_the_correction_keeping_its_filters(client):
    soup = soup_of(client, CATALOGUE_EN + "?q=heritge&country=IQ")
    offer = soup.select_one(".oc-did-you-mean a")
    assert offer is not None and offer.get_text() == "heritage"
    assert offer["href"] == CATALOGUE_EN + "?q=heritage&country=IQ"
    slugs = [a["href"] for a in soup.select("ul.oc-results li a[href]")]
    assert any(HERITAGE in href for href in slugs)
    soup = soup_of(client, CATALOGUE_IT + "?q=Betleme")
    assert soup.select_one(".oc-did-you-mean a").get_text() == "betlemme"


@pytest.mark.parametrize(
    ("url", "q"),
    [(SEARCH_IT, "salute"), (SEARCH_IT, "sanità"), (SEARCH_EN, "health"), (SEARCH_EN, "salute")],
)
def test_synonyms_find_florence_s_health_exchange(client, url, q):
    links = result_links(client, f"{url}?q={q}")
    assert any("senegal-health-first-aid" in href for href in links), links


@pytest.mark.parametrize(
    ("url", "q"),
    [
        (SEARCH_IT, "assessore"),
        (SEARCH_IT, "Assessore relazioni internazionali"),
        (SEARCH_IT, "contatti"),
        (SEARCH_IT, "telefono"),
        (SEARCH_IT, "Mantovani"),
        (SEARCH_EN, "councillor"),
        (SEARCH_EN, "contact"),
        (SEARCH_EN, "phone"),
        (SEARCH_EN, "Mantovanni"),
    ],
)
def test_the_contact_is_found_by_role_name_and_what_it_is(client, url, q):
    soup = soup_of(client, f"{url}?q={q}")
    group = soup.select_one("#group-contacts")
    assert group is not None, q
    link = group.select_one("a[href]")
    assert link["href"].endswith("#contact-heading")
    assert "Nicoletta Mantovani" in link.get_text()
    section = client.get(link["href"].split("#")[0])
    assert section.status_code == 200
    assert 'id="contact-heading"' in section.content.decode()


def test_a_word_unrelated_to_the_contact_does_not_show_it(client):
    soup = soup_of(client, SEARCH_IT + "?q=Betlemme")
    assert soup.select_one("#group-contacts") is None


def test_notice_pages_are_found(client):
    links = result_links(client, SEARCH_IT + "?q=privacy")
    assert "/it/privacy/" in links
    links = result_links(client, SEARCH_EN + "?q=accessibility")
    assert "/en/accessibility-statement/" in links


def test_words_of_records_the_public_cannot_see_are_never_offered():
    authority = make_municipality()
    draft = make_published_activity(
        authority, title={"it": "Progetto Zanzibarese riservato"}, publish=False
    )
    embargoed = make_published_activity(
        authority,
        title={"it": "Progetto Quokkaland sotto embargo"},
        embargo_until=datetime.date.today() + datetime.timedelta(days=30),
    )
    public = make_published_activity(authority, title={"it": "Progetto Wombatville pubblico"})
    spelling.rebuild()
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert "wombatville" in terms
    assert "zanzibarese" not in terms and "quokkaland" not in terms
    assert did_you_mean("Zanzibarse") == ""
    assert did_you_mean("Quokkalnd") == ""
    assert found("Zanzibarse") & {draft.slug, embargoed.slug} == set()
    assert public.slug in found("Wombatvile")


def test_publishing_adds_the_record_s_words_without_a_rebuild():
    authority = make_municipality()
    make_published_activity(authority, title={"en": "Capybarafield orchards"})
    assert SearchTerm.objects.filter(term="capybarafield", is_stem=False).exists()
    assert did_you_mean("Capybarafeld") == "capybarafield"


def test_python_similarity_is_pg_trgm_s():
    assert spelling.similarity("senagal", "senegal") == pytest.approx(5 / 11)
    assert spelling.similarity("word", "word") == 1
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for a, b in [("senagal", "senegal"), ("helth", "health"), ("betleme", "betlemme")]:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert cursor.fetchone()[0] == pytest.approx(spelling.similarity(a, b), abs=1e-6)


def test_the_trigram_index_exists_on_postgresql_only():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() is not None
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'catalogue_searchterm_trigram'"
            )
            assert cursor.fetchone() is not None
        else:
            assert SearchTerm.objects.exists()  # the same table, searched in Python


def test_search_results_say_authority_countries_and_years_of_initiatives_and_exchanges(client):
    soup = soup_of(client, SEARCH_EN + "?q=Senegal")
    cards = {
        group["id"]: group.select(".oc-hit-details") for group in soup.select(".oc-search-group")
    }
    assert {"group-exchanges", "group-initiatives"} <= set(cards), list(cards)
    exchange = soup.select_one("#group-exchanges .oc-hit-details").get_text(" ", strip=True)
    assert "Reporting authority Municipality of Florence" in exchange
    assert "Countries Senegal" in exchange
    italian = soup_of(client, SEARCH_IT + "?q=Senegal")
    details = italian.select_one("#group-exchanges .oc-hit-details").get_text(" ", strip=True)
    assert "Ente che pubblica i dati Comune di Firenze" in details


def test_search_results_say_a_project_s_authority_and_countries(client):
    soup = soup_of(client, SEARCH_EN + "?q=Bethlehem")
    details = soup.select_one("#group-activities .oc-hit-details").get_text(" ", strip=True)
    assert "Reporting authority Municipality of Florence" in details
    assert "Countries Palestinian Territories" in details


@pytest.mark.parametrize(
    ("url", "q", "group", "links"),
    [
        (SEARCH_EN, "Bethlehem", "activities", {"Palestinian Territories": "/en/countries/ps/"}),
        (SEARCH_IT, "Betlemme", "activities", {"Territori Palestinesi": "/it/paesi/ps/"}),
        (SEARCH_EN, "Senegal", "exchanges", {"Senegal": "/en/countries/sn/"}),
        (SEARCH_IT, "Senegal", "exchanges", {"Senegal": "/it/paesi/sn/"}),
        (SEARCH_EN, "Senegal", "initiatives", {"Senegal": "/en/countries/sn/"}),
    ],
)
def test_search_results_link_each_country_to_its_page_in_the_page_s_language(
    client, url, q, group, links
):
    soup = soup_of(client, url + "?q=" + q)
    details = soup.select_one(f"#group-{group} .oc-hit-details")
    found = {a.get_text(strip=True): a["href"] for a in details.find_all("a")}
    assert found == links
