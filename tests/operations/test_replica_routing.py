"""Which database each query goes to, with replicas configured (no server needed).

tests/operations/test_replicas.py runs the same rules against a real streaming replica.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import router
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from opencoop.activities.models import Activity
from opencoop.operations.pagecache import bump_generation, may_predate_the_last_change
from opencoop.operations.replicas import (
    READ_YOUR_WRITES_COOKIE,
    PublicRead,
    ReplicaReadMiddleware,
    _noting_writes,
)
from opencoop.settings.base import replica_databases

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c jit=off"}}


@pytest.fixture
def with_replica(monkeypatch):
    """Declare a replica alias (never connected to: these tests run no query)."""
    monkeypatch.setitem(settings.DATABASES, "replica", {**settings.DATABASES["default"]})


def routed(request, respond=None) -> tuple[dict[str, str], HttpResponse]:
    """Pass ``request`` through the middleware; return where its view's queries would go."""
    seen: dict[str, str] = {}

    def view(request):
        seen["activity"] = router.db_for_read(Activity)
        seen["session"] = router.db_for_read(Session)
        seen["write"] = router.db_for_write(Activity)
        return respond() if respond else HttpResponse("ok")

    response = ReplicaReadMiddleware(view)(request)
    return seen, response


def test_replica_urls_become_aliases_connected_as_the_primary(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_REPLICA_URL", "postgres://u@10.0.0.11:5432/coop, postgres://u@10.0.0.12/coop"
    )
    replicas = replica_databases({**POSTGRES, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True})
    assert list(replicas) == ["replica", "replica_2"]
    assert [r["HOST"] for r in replicas.values()] == ["10.0.0.11", "10.0.0.12"]
    first = replicas["replica"]
    assert first["OPTIONS"] == {"options": "-c jit=off"}
    assert (first["CONN_MAX_AGE"], first["CONN_HEALTH_CHECKS"]) == (60, True)
    assert first["TEST"] == {"MIRROR": "default"}


def test_no_replica_url_adds_no_database(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    assert replica_databases(POSTGRES) == {}


def test_a_replica_that_is_not_postgresql_stops_start_up_naming_it(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://u@h/coop,sqlite:///var/x.sqlite3")
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_REPLICA_URL: URL 2 of 2 \(sqlite"):
        replica_databases(POSTGRES)


def test_replicas_of_a_sqlite_primary_stop_start_up(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://u@h/coop")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not PostgreSQL"):
        replica_databases({"ENGINE": "django.db.backends.sqlite3"})


def test_an_anonymous_get_reads_from_the_replica_and_writes_to_the_primary(with_replica):
    seen, response = routed(RequestFactory().get("/en/"))
    assert seen == {"activity": "replica", "session": "default", "write": "default"}
    assert READ_YOUR_WRITES_COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("method", "path", "cookies"),
    [
        ("post", "/en/suggestions/", {}),
        ("get", "/admin/", {}),
        ("get", "/en/", {settings.SESSION_COOKIE_NAME: "an-editor"}),
        ("get", "/en/", {READ_YOUR_WRITES_COOKIE: "1"}),
    ],
    ids=["a post", "the admin", "a session", "a recent write"],
)
def test_other_requests_read_from_the_primary(with_replica, method, path, cookies):
    factory = RequestFactory()
    for name, value in cookies.items():
        factory.cookies[name] = value
    seen, _ = routed(getattr(factory, method)(path))
    assert seen == {"activity": "default", "session": "default", "write": "default"}


def test_a_post_keeps_its_client_on_the_primary_for_a_while(with_replica):
    _, response = routed(RequestFactory().post("/en/suggestions/"))
    cookie = response.cookies[READ_YOUR_WRITES_COOKIE]
    assert cookie["max-age"] == settings.OPENCOOP_READ_YOUR_WRITES_SECONDS
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_without_replicas_nothing_changes():
    seen, response = routed(RequestFactory().post("/en/suggestions/"))
    assert seen == {"activity": "default", "session": "default", "write": "default"}
    assert not response.cookies


def test_a_streamed_download_is_read_from_the_replica_after_the_view_returns(with_replica):
    def download():
        # The rows are read while the server sends the body, after the middleware has returned.
        return StreamingHttpResponse(router.db_for_read(Activity) for _ in range(2))

    _, response = routed(RequestFactory().get("/opendata/activities.csv"), download)
    assert b"".join(response.streaming_content) == b"replicareplica"


@pytest.mark.parametrize(
    ("sql", "wrote"),
    [
        ('INSERT INTO "wagtailimages_rendition" VALUES (1)', True),
        ('  update "activities_activity" SET title = 1', True),
        ('DELETE FROM "django_session"', True),
        ('SELECT "id" FROM "core_portalsettings" FOR UPDATE', False),
        ('SELECT "id" FROM "activities_activity"', False),
    ],
)
def test_a_public_read_moves_to_the_primary_once_it_writes(sql, wrote):
    state = PublicRead(replica="replica")
    _noting_writes(state)(lambda *args: None, sql, (), False, {})
    assert state.wrote is wrote


def _predates(request) -> bool:
    seen = {}

    def view(request):
        seen["predates"] = may_predate_the_last_change()
        return HttpResponse("ok")

    ReplicaReadMiddleware(view)(request)
    return seen["predates"]


def test_a_page_read_on_a_replica_just_after_a_change_is_not_kept(with_replica):
    assert not _predates(RequestFactory().get("/en/"))
    bump_generation()
    assert _predates(RequestFactory().get("/en/"))
    # The primary has every change: what it serves may be kept.
    assert not _predates(RequestFactory().get("/admin/"))
