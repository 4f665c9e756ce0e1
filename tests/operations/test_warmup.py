"""A worker loads its templates, search words, codelists and world map before its first
request (``warmup``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, get_resolver

from opencoop.catalogue import spelling
from opencoop.codelists import registry
from opencoop.geography import shapes
from opencoop.operations import warmup
from tests.conftest import SECTION_EN, SECTION_IT


def cached_templates() -> set[str]:
    """The names the Django engine's cached loader holds compiled."""
    loader = engines["django"].engine.template_loaders[0]
    return {key for key in loader.get_template_cache}


def test_the_portal_s_own_templates_are_listed_and_no_one_else_s():
    names = warmup.project_templates()
    assert {"base.html", "pages/records/activity.html", "catalogue/catalogue_page.html"} <= set(
        names
    )
    assert "components/header.html" in names  # included by others: compiled on its own too
    assert not [name for name in names if name.startswith(("wagtailadmin/", "admin/"))]


def test_warming_up_compiles_them_and_builds_the_search_words():
    # No database access is allowed here (no django_db mark): a worker starts without one.
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    spelling.groups.cache_clear()
    registry._load.cache_clear()
    shapes.world.cache_clear()
    clear_url_caches()
    assert "pages/records/activity.html" not in cached_templates()

    seconds = warmup.warm_up()

    assert set(seconds) == {"urls", "templates", "search words", "codelists", "world map"}
    assert set(warmup.project_templates()) <= cached_templates()
    assert spelling.groups.cache_info().currsize == 1
    assert registry._load.cache_info().currsize == len(registry.names())
    assert shapes.world.cache_info().currsize == 1 and shapes.world() is not None
    # Django keeps the tables for reversing addresses per language (``_reverse_dict``), the
    # main resolver's and each namespace's: built for every language of the portal.
    languages = {code for code, _name in settings.LANGUAGES}
    resolver = get_resolver()
    assert languages <= set(resolver._reverse_dict)
    namespaces = [namespace for _prefix, namespace in resolver.namespace_dict.values()]
    assert namespaces and all(languages <= set(ns._reverse_dict) for ns in namespaces)


@pytest.mark.django_db
def test_the_pages_warmed_are_one_of_each_kind_for_each_site_and_language():
    addresses = warmup.warm_up_addresses()
    paths = [path for _host, path in addresses]

    assert len(addresses) == len(set(addresses))
    # The homes first, in each language, then a record's page of each kind of record.
    assert paths[:2] == ["/it/", "/en/"]
    assert f"{SECTION_EN}projects/agata-smeralda-salvador-bahia/" in paths
    assert f"{SECTION_IT}iniziative/laafi-labumbu-lets-network-2/" in paths
    assert f"{SECTION_EN}catalogue/" in paths and f"{SECTION_IT}catalogo/" in paths
    assert "/api/v1/activities?page_size=20" in paths
    assert "/geography/all/map.json" in paths
    assert any(path.startswith("/it/paesi/") for path in paths)
    # Not the open-data page: it checks every authority's files.
    assert f"{SECTION_EN}open-data/" not in paths


@pytest.mark.django_db
def test_warming_up_with_pages_asks_for_each_within_its_budget():
    calls = []

    answers = warmup.warm_up_pages(between=lambda: calls.append(1))["answers"]

    assert len(answers) == len(warmup.warm_up_addresses()) == len(calls)
    assert {status for status, _ms in answers.values()} == {200}
    assert "localhost/en/" in answers
    assert warmup.warm_up_pages(budget=0)["answers"] == {}


@pytest.mark.django_db
def test_warming_up_with_pages_neither_reads_nor_fills_the_page_cache(
    settings, client, monkeypatch
):
    from django.core.cache import cache

    settings.OPENCOOP_PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        client.get("/en/")
        with CaptureQueriesContext(connection) as hit:
            assert client.get("/en/")["X-Cache"] == "hit"
        # Answered from the cache, the warm-up would render nothing: it renders the page.
        monkeypatch.setattr(warmup, "warm_up_addresses", lambda: [("localhost", "/en/")])
        with CaptureQueriesContext(connection) as warming:
            assert warmup.warm_up_pages()["answers"]["localhost/en/"][0] == 200
        assert len(hit) == 0 and len(warming) > 5
        cache.clear()
        warmup.warm_up_pages()
        assert client.get("/en/")["X-Cache"] == "miss"  # nor kept what it rendered
    finally:
        cache.clear()


def test_a_worker_starts_when_warming_up_with_pages_fails(caplog):
    # No database here (no django_db mark): the first query raises, and the worker goes on.
    result = warmup.warm_up_pages()

    assert result["answers"] == {}
    assert "warming up with pages stopped" in caplog.text
