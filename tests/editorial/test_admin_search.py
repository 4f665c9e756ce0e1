"""The back office's search answers, finds what editors type, and stays within the user's scope.

Searching the activities list used to fail on SQLite ("no such column: iati_identifier") and the
failure was answered as "database unavailable" (503); a query error is a 500, an outage a 503.
"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client
from wagtail.models import Site

from opencoop.activities.models import Activity, Location, ParticipatingOrg
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import PARTNER
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan
from tests.conftest import SECTION_EN
from tests.factories import make_activity, make_organisation, make_user

from .helpers import soup, url

pytestmark = pytest.mark.django_db


def found(client: Client, model, query: str) -> set[int]:
    """Search ``model``'s admin list for ``query``; return the ids of the records listed."""
    response = client.get(url(model, "list"), {"q": query})
    assert response.status_code == 200, response.status_code
    listed = set()
    for link in soup(response).select("table a[href]"):
        for record in model._default_manager.all().only("pk"):
            if link["href"] == url(record, "edit"):
                listed.add(record.pk)
    return listed


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def salvador():
    return Activity.objects.get(slug="agata-smeralda-salvador-bahia")


@pytest.fixture
def kolda(florence, partner_org):
    """A Florence activity with Italian and English titles, a place and a partner."""
    activity = make_activity(
        florence,
        "SN-SCHOOLS",
        title={"it": "Nuove scuole rurali", "en": "New rural classrooms"},
        description={"it": "Aule per i villaggi.", "en": "Classrooms for the villages."},
    )
    Location.objects.create(activity=activity, name={"it": "Kolda", "en": "Kolda"}, country="SN")
    ParticipatingOrg.objects.create(activity=activity, organisation=partner_org, role="4")
    return activity


def test_searching_activities_answers_and_finds_the_project(florence_editor, salvador):
    assert found(signed_in(florence_editor), Activity, "Salvador") == {salvador.pk}


@pytest.mark.parametrize(
    "query",
    [
        "scuole",  # a word of the Italian title
        "classrooms",  # of the English title
        "VILLAGGI",  # of the description, in another case
        "Kolda",  # a place
        "Ponte",  # a partner's name (partner_org: "Associazione Ponte")
        "SN-SCHOOLS",  # the IATI identifier
        "rurali Kolda",  # every word, each found somewhere
    ],
)
def test_an_activity_is_found_by_what_editors_type(florence_editor, kolda, query):
    assert found(signed_in(florence_editor), Activity, query) == {kolda.pk}


def test_a_word_found_nowhere_finds_nothing(florence_editor, kolda):
    assert found(signed_in(florence_editor), Activity, "scuole Salvador") == set()


def test_another_authoritys_records_are_not_found(florence_editor, editor, other_authority):
    theirs = make_activity(
        other_authority, "WELLS", title={"it": "Pozzi di Tambacounda", "en": "Tambacounda wells"}
    )
    assert found(signed_in(florence_editor), Activity, "Tambacounda") == set()
    assert found(signed_in(editor), Activity, "Tambacounda") == {theirs.pk}


def test_hidden_partners_and_places_are_searched_only_by_who_may_read_them(
    florence, florence_editor, kolda
):
    secret = make_organisation(name={"it": "Gruppo Segreto", "en": "Secret Group"})
    ParticipatingOrg.objects.create(activity=kolda, organisation=secret, role="4", hide_name=True)
    contact_org = ParticipatingOrg.objects.filter(activity=kolda, role="4").first().organisation
    contact = make_user(
        "ponte-contact", PARTNER, organisation=contact_org, relation=EditorialMembership.PARTNER
    )
    # The partner's contact reaches the record, but may not learn whom it hides.
    assert found(signed_in(contact), Activity, "Ponte") == {kolda.pk}
    assert found(signed_in(contact), Activity, "Segreto") == set()
    assert found(signed_in(florence_editor), Activity, "Segreto") == {kolda.pk}
    # Places published by country only: the same rule.
    assert found(signed_in(contact), Activity, "Kolda") == {kolda.pk}
    Activity.objects.filter(pk=kolda.pk).update(hide_exact_locations=True)
    assert found(signed_in(contact), Activity, "Kolda") == set()
    assert found(signed_in(florence_editor), Activity, "Kolda") == {kolda.pk}


def _first_of_florence(model, florence):
    record = model._default_manager.filter(reporting_org=florence).order_by("pk").first()
    if record is None and model is Partnership:  # the demo has none
        record = Partnership.objects.create(
            reporting_org=florence,
            partner=make_organisation(
                name={"it": "Comune di Betlemme", "en": "Bethlehem Municipality"}
            ),
            title={"it": "Gemellaggio con Nablus", "en": "Twinning with Nablus"},
        )
    assert record is not None, f"no {model.__name__} in the demo"
    return record


@pytest.mark.parametrize("model", [Initiative, Exchange, Partnership, AnnualPlan])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_other_records_are_found_by_a_word_of_their_title(florence, florence_editor, model, lang):
    record = _first_of_florence(model, florence)
    word = max(record.title[lang].split(), key=len)
    assert record.pk in found(signed_in(florence_editor), model, word)


@pytest.mark.parametrize("model", [Initiative, Exchange, Partnership, AnnualPlan])
def test_other_records_of_another_authority_are_not_found(florence, editor, model):
    record = _first_of_florence(model, florence)
    word = max(record.title["it"].split(), key=len)
    assert found(signed_in(editor), model, word) == set()


def test_a_partnership_is_found_by_its_partners_name(florence, florence_editor):
    record = _first_of_florence(Partnership, florence)
    word = max(record.partner.name["en"].split(), key=len)
    assert record.pk in found(signed_in(florence_editor), Partnership, word)


def test_organisations_are_found_by_name_and_identifier(administrator):
    organisation = make_organisation(
        name={"it": "Associazione Città Aperta", "en": "Open City Association"},
        identifier="IT-CF-80012345678",
    )
    client = signed_in(administrator)
    for query in ("Città", "open city", "80012345678"):
        assert found(client, Organisation, query) == {organisation.pk}, query


def chosen_from(client: Client, model, query: str) -> set[int]:
    """Search ``model``'s chooser for ``query``; return the ids of the records offered."""
    opts = model._meta
    address = f"/admin/snippets/choose/{opts.app_label}/{opts.model_name}/results/"
    response = client.get(address, {"q": query})
    assert response.status_code == 200, response.status_code
    offered = set()
    for link in soup(response).select("a[href]"):
        parts = link["href"].rstrip("/").split("/")
        if "chosen" in parts and parts[-1].isdigit():
            offered.add(int(parts[-1]))
    return offered


def test_choosers_search_like_the_lists(
    florence_editor, editor, other_authority, kolda, partner_org
):
    theirs = make_activity(
        other_authority, "WELLS", title={"it": "Pozzi di Tambacounda", "en": "Tambacounda wells"}
    )
    client = signed_in(florence_editor)
    assert chosen_from(client, Activity, "Kolda") == {kolda.pk}
    assert chosen_from(client, Activity, "Tambacounda") == set()
    assert chosen_from(signed_in(editor), Activity, "Tambacounda") == {theirs.pk}
    assert chosen_from(client, Organisation, "Ponte") == {partner_org.pk}
    # The index holds only what the public reads: the authority's staff find their records by a
    # hidden partner's name in the chooser too, as in the list.
    secret = make_organisation(name={"it": "Gruppo Segreto", "en": "Secret Group"})
    ParticipatingOrg.objects.create(activity=kolda, organisation=secret, role="4", hide_name=True)
    assert chosen_from(client, Activity, "Segreto") == {kolda.pk}


# Outage or programming error ---------------------------------------------------------------
def _connection_failure() -> OperationalError:
    """Return the error Django raises when the database cannot be reached (a real attempt)."""
    unreachable = connection.copy()
    if connection.vendor == "sqlite":
        unreachable.settings_dict["NAME"] = "/nonexistent-directory/opencoop.sqlite3"
    else:
        unreachable.settings_dict.update(HOST="127.0.0.1", PORT="9")  # nothing listens there
    try:
        unreachable.ensure_connection()
    except OperationalError as exc:
        return exc
    finally:
        unreachable.close()
    raise AssertionError("the connection did not fail")


def test_a_real_connection_failure_is_a_503(monkeypatch):
    failure = _connection_failure()

    def unreachable(*args, **kwargs):
        raise failure

    monkeypatch.setattr(Site, "find_for_request", unreachable)
    response = Client(raise_request_exception=False).get(SECTION_EN)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_a_query_error_is_a_500_logged_as_an_error(monkeypatch, caplog):
    def wrong_query(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM activities_activity")

    monkeypatch.setattr(Site, "find_for_request", wrong_query)
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get(SECTION_EN)
    assert response.status_code == 500
    assert "Temporarily unavailable" not in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(getattr(r, "status_code", None) == 500 for r in errors)
    assert not any(r.getMessage().startswith("Database unavailable") for r in errors)
