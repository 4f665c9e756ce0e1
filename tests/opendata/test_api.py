"""Tests of the read-only JSON API and of its OpenAPI description."""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlsplit

import pytest
import schemathesis
from bs4 import BeautifulSoup
from django.core import signals
from django.db import close_old_connections
from django.http import QueryDict
from hypothesis import HealthCheck, settings
from ninja import Schema
from ninja.renderers import JSONRenderer as NinjaJSONRenderer

from opencoop.activities.disclosure import LOCAL_PARTNER
from opencoop.catalogue.filters import CatalogueFilters
from opencoop.catalogue.selectors import catalogue
from opencoop.opendata.api import api
from opencoop.opendata.schemas import ActivityList, Code, OrganisationRef, in_schema_order
from opencoop.plans.models import PlanAllocation
from opencoop.wsgi import application
from tests.factories import make_activity, make_plan, make_reporting_org

from .sensitive import (
    HIDDEN_IDENTIFIER,
    HIDDEN_SLUG,
    VISIBLE_SLUG,
    assert_no_secret,
    make_sensitive_activity,
)

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

API = "/api/v1"

# The served description, read as a client would: every operation is tried against it with
# valid and invalid requests. The coverage phase (every boundary of every parameter) takes
# minutes on /activities and its 13 filters: the command line runs it (see the report).
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)
schema.config.phases.coverage.enabled = False


@schema.hook("map_query")
def only_cursors_the_api_wrote(context, query):
    """A cursor is a token the API writes (``next_cursor``): a made-up string is not one and is
    refused with 400 (tests/catalogue/test_rows.py). The first page's empty cursor stays."""
    if query and query.get("cursor"):
        query = {**query, "cursor": ""}
    return query


@pytest.fixture
def test_transaction_kept():
    """Keep the test's transaction open across requests, as Django's test client does.

    Schemathesis calls the real WSGI application, whose request signals would close the
    database connection (and so end the test's transaction on PostgreSQL).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,  # no .hypothesis folder in the project
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_description(case, test_transaction_kept):
    """Status codes, content types and bodies conform, for valid and invalid requests."""
    case.call_and_validate()


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def catalogue_identifiers(query: str) -> list[str]:
    filters = CatalogueFilters.from_querydict(QueryDict(query))
    result = catalogue(filters, lang="en", page_size=10_000)
    return [activity.iati_identifier for activity in result.page.object_list]


@pytest.fixture
def sensitive():
    return make_sensitive_activity()


def test_openapi_description_is_served_and_complete(client):
    served = get_json(client, f"{API}/openapi.json")
    assert served == json.loads(json.dumps(api.get_openapi_schema(path_prefix=f"{API}/")))
    assert served["openapi"].startswith("3.")
    paths = set(served["paths"])
    for resource in ("activities", "organisations", "initiatives", "exchanges", "plans"):
        assert f"{API}/{resource}" in paths
    parameters = {p["name"] for p in served["paths"][f"{API}/activities"]["get"]["parameters"]}
    assert {"q", "country", "sector", "sdg", "partner", "org", "year", "page", "lang"} <= parameters
    # "within" is the site's authorities, set by the site, not a parameter.
    assert set(CatalogueFilters.__dataclass_fields__) - {"messages", "within"} <= parameters


def test_docs_load_nothing_from_third_parties(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    addresses = [tag.get("src") for tag in soup.find_all("script") if tag.get("src")]
    addresses += [tag["href"] for tag in soup.find_all("link")]
    assert addresses
    for address in addresses:
        assert not urlsplit(address).netloc, address
        # Files of the portal itself, or the empty inline favicon every page of the site has.
        assert address.startswith(("/static/", "/opendata/feeds/")) or address == "data:,", address
    settings_block = soup.find("script", id="swagger-settings")
    assert json.loads(settings_block.string)["validatorUrl"] is None
    assert all(tag.get("src") or tag.get("type") == "application/json" for tag in soup("script"))


@pytest.mark.parametrize(
    ("language", "heading"), [("it", "Documentazione dell'API"), ("en", "API documentation")]
)
def test_docs_sit_in_the_site_s_frame(client, language, heading):
    response = client.get(f"{API}/docs", HTTP_ACCEPT_LANGUAGE=language)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == language
    assert soup.find("h1").get_text(strip=True) == heading
    main = soup.find("main", id="main")
    assert main is not None and main.find(id="swagger-ui") is not None
    assert soup.select_one(".skiplinks a")["href"] == "#main"
    assert soup.find("footer") is not None


def test_pagination(client):
    total = len(catalogue_identifiers(""))
    first = get_json(client, f"{API}/activities?page_size=5&lang=en")
    assert first["count"] == total
    assert first["num_pages"] == -(-total // 5)
    assert len(first["results"]) == 5
    assert first["previous"] is None
    assert first["next"].endswith("page=2") and "page_size=5" in first["next"]

    second = get_json(client, first["next"].replace("http://testserver", ""))
    assert second["page"] == 2
    assert second["previous"] is not None
    seen = [a["iati_identifier"] for a in first["results"] + second["results"]]
    assert seen == catalogue_identifiers("")[:10]

    last = get_json(client, f"{API}/activities?page_size=5&page={first['num_pages']}")
    assert last["next"] is None
    beyond_last = f"{API}/activities?page={first['num_pages'] + 1}&page_size=5&lang=en"
    beyond = get_json(client, beyond_last, 404)
    assert f"the last page is {first['num_pages']}" in beyond["detail"]
    too_big = get_json(client, f"{API}/activities?page_size=101", 400)
    assert any(error.startswith("page_size:") for error in too_big["errors"])


@pytest.mark.parametrize("query", ["page_size=50&lang=en", "page_size=50&lang=it", "cursor="])
def test_activity_list_reads_as_its_validated_schema_would(client, sensitive, query):
    """The list is served as built, without validation: its bytes are the validated answer's."""
    response = client.get(f"{API}/activities?{query}")
    assert response.status_code == 200
    served = json.loads(response.content)
    assert served["results"], "the list shows activities"
    assert any(a["participating_orgs"] and a["transactions"] for a in served["results"])
    validated = ActivityList.model_validate(served).model_dump()
    assert response.content.decode() == NinjaJSONRenderer().render(
        None, validated, response_status=200
    )


@pytest.mark.parametrize(
    "query", ["country=PS", "sdg=11", "country=SY&country=PS", "q=Bethlehem", "sort=title"]
)
def test_activity_filters_are_the_catalogues(client, sensitive, query):
    data = get_json(client, f"{API}/activities?{query}&page_size=100&lang=en")
    expected = catalogue_identifiers(query)
    assert expected
    assert data["count"] == len(expected)
    assert [a["iati_identifier"] for a in data["results"]] == expected


def test_bad_filters_get_400_saying_which(client):
    data = get_json(client, f"{API}/activities?country=IT&country=XX&year=abc&lang=en", 400)
    assert data["detail"] == "Some parameters are not valid."
    # The catalogue's own words, as in the downloads and the feeds.
    assert data["errors"] == [
        "Filter “Active in” (year): “abc” is not a known value.",
        "Filter “Country” (country): “XX” is not a known value.",
    ]
    # In the default language when the language asked is itself not valid.
    assert get_json(client, f"{API}/activities?lang=fr", 400)["errors"] == [
        "Lingua “fr” (lang): non è una lingua del portale; usarne una tra: it, en."
    ]


def test_hidden_partner_is_never_named(client, sensitive):
    identifier = sensitive.activity.iati_identifier
    detail = get_json(client, f"{API}/activities/{identifier}?lang=en")
    hidden = [org for org in detail["participating_orgs"] if org["hidden"]]
    # Both of its roles, the one marked hidden and the other one.
    assert hidden == [
        {
            "name": LOCAL_PARTNER,
            "identifier": None,
            "role": {"code": code, "name": name},
            "hidden": True,
        }
        for code, name in (("4", "Implementing"), ("3", "Extending"))
    ]
    assert detail["transactions"][0]["receiver_org"] == {
        "name": LOCAL_PARTNER,
        "identifier": None,
        "hidden": True,
    }
    # Hidden places: the countries only, no name and no point.
    assert detail["locations"]
    assert all(
        loc["name"] is None and loc["latitude"] is None and not loc["exact"]
        for loc in detail["locations"]
    )

    outputs = {
        "activity": client.get(f"{API}/activities/{identifier}").content,
        "activity list": client.get(f"{API}/activities?country=SY&page_size=100").content,
        "organisations": client.get(f"{API}/organisations?page_size=100").content,
        "partner filter": client.get(f"{API}/activities?partner={HIDDEN_SLUG}").content,
    }
    for where, content in outputs.items():
        assert_no_secret(content, f"the API ({where})")
    slugs = [o["slug"] for o in get_json(client, f"{API}/organisations?page_size=100")["results"]]
    assert VISIBLE_SLUG in slugs
    assert HIDDEN_SLUG not in slugs
    get_json(client, f"{API}/organisations/{HIDDEN_SLUG}", 404)
    assert get_json(client, f"{API}/activities?partner={HIDDEN_SLUG}")["count"] == 0
    assert HIDDEN_IDENTIFIER not in json.dumps(get_json(client, f"{API}/organisations"))


def test_records_the_public_may_not_see_are_not_found(client):
    org = make_reporting_org()
    draft = make_activity(org, "DRAFT", live=False)
    embargoed = make_activity(
        org, "EMBARGO", embargo_until=datetime.date.today() + datetime.timedelta(days=30)
    )
    for activity in (draft, embargoed):
        get_json(client, f"{API}/activities/{activity.iati_identifier}", 404)
    listed = get_json(client, f"{API}/activities?org={org.slug}")
    assert listed["count"] == 0


def test_plans_list_only_public_activities(client):
    org = make_reporting_org()
    public = make_activity(org, "PUBLIC")
    draft = make_activity(org, "DRAFTED", live=False)
    plan = make_plan(org, 2031, planned_total=100000)
    PlanAllocation.objects.create(plan=plan, activity=public, amount=60000)
    PlanAllocation.objects.create(plan=plan, activity=draft, amount=40000)
    data = get_json(client, f"{API}/plans?org={org.slug}")
    assert data["count"] == 1
    assert data["results"][0]["allocations"] == [
        {"iati_identifier": public.iati_identifier, "amount": 60000.0}
    ]
    assert get_json(client, f"{API}/plans/{plan.pk}")["planned_total"] == 100000.0


def test_other_records_and_language(client):
    initiatives = get_json(client, f"{API}/initiatives?lang=en&page_size=100")
    assert initiatives["count"] > 0
    first = initiatives["results"][0]
    assert get_json(client, f"{API}/initiatives/{first['id']}?lang=en") == first
    burkina = get_json(client, f"{API}/initiatives?country=BF&lang=it")
    assert burkina["count"] > 0
    assert all("BF" in [c["code"] for c in item["countries"]] for item in burkina["results"])
    exchanges = get_json(client, f"{API}/exchanges?lang=en")
    assert exchanges["count"] > 0
    kind = exchanges["results"][0]["kind"]["code"]
    assert get_json(client, f"{API}/exchanges?kind={kind}")["count"] >= 1
    english = get_json(client, f"{API}/organisations/florence?lang=en")
    italian = get_json(client, f"{API}/organisations/florence?lang=it")
    assert english["type"]["name"] == "Local Government"
    assert italian["type"]["name"] != english["type"]["name"]
    assert english["iati_activities_url"].endswith(
        "/opendata/iati/IT-CF-01307110484/activities.xml"
    )
    assert english == get_json(client, f"{API}/organisations?reporting=true&lang=en")["results"][0]


@pytest.mark.parametrize("listing", ["activities", "initiatives", "exchanges", "plans"])
def test_an_empty_language_is_refused_as_the_description_says(client, listing):
    errors = get_json(client, f"{API}/{listing}?lang=", 400)["errors"]
    assert errors == ["Lingua “” (lang): non è una lingua del portale; usarne una tra: it, en."]


def test_a_value_repeated_beyond_the_limit_is_refused_as_the_description_says(client):
    query = "&".join(["status=2"] * 51)
    errors = get_json(client, f"{API}/activities?{query}", 400)["errors"]
    assert len(errors) == 1 and "(status)" in errors[0], errors


@pytest.mark.django_db
def test_an_empty_filter_value_is_no_filter_and_the_description_says_so(client):
    """A form's "any" choice sends an empty value: the API answers as without the parameter,
    and its description admits the empty value (it said only slugs and codes, so a schema
    checker called the answer wrong)."""
    plain = get_json(client, f"{API}/activities")
    empty = get_json(client, f"{API}/activities?partner=&country=&year=&sector=")
    assert plain["count"] > 0
    assert [a["iati_identifier"] for a in empty["results"]] == [
        a["iati_identifier"] for a in plain["results"]
    ]
    assert empty["count"] == plain["count"]

    served = get_json(client, f"{API}/openapi.json")
    parameters = {p["name"]: p for p in served["paths"][f"{API}/activities"]["get"]["parameters"]}
    for name in ("partner", "country", "year", "sector"):
        admitted = parameters[name]["schema"]["items"]["anyOf"]
        assert {"type": "string", "maxLength": 0} in admitted, name


def test_an_empty_page_or_order_is_the_default_and_the_description_says_so(client):
    """``page=`` is the first page and ``sort=`` the default order, as on the catalogue's page;
    the description admits both (it said an integer, and one of the orders)."""
    plain = get_json(client, f"{API}/activities")
    empty = get_json(client, f"{API}/activities?page=&sort=")
    assert plain["count"] > 0 and empty["page"] == 1
    assert [a["iati_identifier"] for a in empty["results"]] == [
        a["iati_identifier"] for a in plain["results"]
    ]
    served = get_json(client, f"{API}/openapi.json")
    parameters = {p["name"]: p for p in served["paths"][f"{API}/activities"]["get"]["parameters"]}
    assert {"type": "string", "maxLength": 0} in parameters["page"]["schema"]["anyOf"]
    orders = [s for s in parameters["sort"]["schema"]["anyOf"] if s.get("type") == "string"]
    assert "" in orders[0]["enum"] and "title" in orders[0]["enum"]


def test_a_wrong_number_is_named_in_the_language_asked(client):
    """pydantic's own messages are English: the numbers the API checks itself are answered in
    the asked language, with the value as sent and the limit it crossed."""
    italian = get_json(client, f"{API}/activities?page_size=abc&lang=it", status=400)
    assert italian["errors"] == ["page_size: “abc” non è un numero intero."]
    english = get_json(client, f"{API}/activities?page_size=500&lang=en", status=400)
    assert english["errors"] == ["page_size: “500” is more than 100, the largest allowed."]
    smallest = get_json(client, f"{API}/organisations?page=0&lang=it", status=400)
    assert smallest["errors"] == ["page: “0” è minore di 1, il minimo ammesso."]
    flag = get_json(client, f"{API}/organisations?reporting=maybe&lang=en", status=400)
    assert flag["errors"] == ["reporting: “maybe” is neither true nor false."]
    slug = get_json(client, f"{API}/initiatives?org=Not%20A%20Slug&lang=it", status=400)
    assert slug["errors"] == ["org.0: “Not A Slug” non è un valore conosciuto."]


class _Inner(Schema):
    ref: OrganisationRef
    codes: list[Code]


class _Outer(Schema):
    first: str
    inner: _Inner | None
    more: list[_Inner]


def test_schema_order_puts_keys_in_order_at_every_level_and_drops_unknown_keys():
    """A dict already in order is served as it is; one out of order, or with keys the schema
    does not know, is rebuilt, and the lists and dicts inside are ordered too."""
    in_order = {"code": "1", "name": "Uno"}
    data = {
        "more": [
            {"codes": [{"name": "Due", "code": "2"}, in_order], "ref": {"slug": "a", "name": {}}},
        ],
        "first": "x",
        "stray": "dropped",
        "inner": None,
    }
    for _ in range(2):  # the second time from the kept plans
        ordered = in_schema_order(_Outer, data)
        assert json.dumps(ordered) == json.dumps(
            {
                "first": "x",
                "inner": None,
                "more": [
                    {
                        "ref": {"slug": "a", "name": {}},
                        "codes": [{"code": "2", "name": "Due"}, {"code": "1", "name": "Uno"}],
                    }
                ],
            }
        )
        assert ordered["more"][0]["codes"][1] is in_order
    assert list(data) == ["more", "first", "stray", "inner"], "the data given is left as it was"
