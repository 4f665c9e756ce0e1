"""A cache outage degrades the portal, never breaks it: Redis stopped, then frozen (SIGSTOP).

Each test runs its own ``redis-server`` on a free loopback port (no persistence) and points the
default cache at it, with the page cache on as in production.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings

from opencoop.activities.disclosure import public_activities
from opencoop.operations import resilientcache
from opencoop.pages.published import forget
from opencoop.suggestions.models import Suggestion
from tests.conftest import SECTION_EN, SECTION_IT
from tests.test_suggestions import form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed: the cache outage tests need a private one",
    ),
]

PAGES = {
    "/it/": "Firenze",
    SECTION_EN: "Decentralized cooperation",
    SECTION_EN + "projects/": "Projects",
    SECTION_IT + "progetti/agata-smeralda-salvador-bahia/": "Agata Smeralda",
}
CSV_URL = "/opendata/catalogue/activities.csv?lang=en"


class PrivateRedis:
    """A redis-server of this test only: started, stopped, frozen and thawed on demand."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def keys(self) -> list[bytes]:
        return redis.Redis(port=self.port, socket_timeout=1).keys("*")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    resilientcache.reset_state()
    forget()
    settings = {
        "CACHES": {
            "default": {
                "BACKEND": "opencoop.operations.resilientcache.ResilientRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            }
        },
        "OPENCOOP_PAGE_CACHE_SECONDS": 600,
    }
    try:
        with override_settings(**settings):
            yield server
    finally:
        server.stop()
        resilientcache.reset_state()
        forget()


def assert_public_site_answers(client) -> None:
    for url, text in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def assert_csv_is_complete(client) -> None:
    response = client.get(CSV_URL)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == public_activities().count() > 0
    # The addresses of the records' pages come from the site root paths, read from the cache.
    assert all(row["url"].startswith("http://testserver/") for row in rows)


def assert_suggestion_is_stored(client, message: str) -> None:
    response = client.post("/en/suggestions/", form(message=message))
    assert response.status_code == 302
    assert Suggestion.objects.filter(message=message).exists()


def test_with_redis_up_the_cache_is_used(client, private_redis):
    assert_public_site_answers(client)
    assert any(b"pagecache" in key for key in private_redis.keys())
    assert client.get("/it/")["X-Cache"] == "hit"
    health = client.get("/operations/health/")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_with_redis_stopped_pages_downloads_and_forms_work_and_health_is_degraded(
    client, private_redis
):
    assert_public_site_answers(client)  # fills the page cache and the site root paths
    private_redis.stop()
    assert_public_site_answers(client)
    # Rendered once without Redis, then kept a short while in this process's memory.
    assert client.get("/it/")["X-Cache"] == "hit"
    assert_csv_is_complete(client)
    assert_suggestion_is_stored(client, "Sent while Redis was stopped.")
    health = client.get("/operations/health/")
    body = health.json()
    assert health.status_code == 200
    assert body["status"] == "degraded"
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True


def test_with_redis_frozen_pages_downloads_and_forms_work_and_health_is_degraded(
    client, private_redis
):
    assert_public_site_answers(client)
    private_redis.freeze()
    try:
        assert_public_site_answers(client)
        assert_csv_is_complete(client)
        assert_suggestion_is_stored(client, "Sent while Redis was frozen.")
        health = client.get("/operations/health/")
        assert health.status_code == 200
        assert health.json()["down"] == ["cache"]
        assert health.json()["checks"]["cache"]["error"] == "TimeoutError"
    finally:
        private_redis.thaw()


def test_a_frozen_redis_is_asked_once_then_left_alone_until_the_retry_time(private_redis):
    cache.set("k", "v")
    private_redis.freeze()
    try:
        assert cache.get("k", "fallback") == "fallback"  # one timeout
        assert cache.is_available() is False
        # Until the retry time, no call reaches Redis: this process's memory answers instead.
        assert cache.add("other", 1) is True
        assert cache.get_many(["k", "other"]) == {"other": 1}
        with pytest.raises(ValueError):
            cache.incr("k")
        assert resilientcache._outage_for(private_redis.url).failures == 1
    finally:
        private_redis.thaw()


def test_after_an_outage_the_page_cache_is_emptied(client, private_redis):
    """A publication during the outage could not bump the generation: recovery does."""
    assert_public_site_answers(client)
    assert client.get("/it/")["X-Cache"] == "hit"
    private_redis.freeze()
    try:
        cache.get("anything")  # the outage is noticed
    finally:
        private_redis.thaw()
    resilientcache._outage_for(private_redis.url).retry_at = 0  # no waiting for the retry time
    assert client.get("/it/")["X-Cache"] == "miss"


def test_a_download_does_not_read_the_cache_once_it_streams(client, settings):
    """The catalogue CSV reads what it needs from the cache before its first line."""
    server = PrivateRedis()
    server.start()
    # Django's plain Redis cache raises on a lost server: any read mid-stream would cut the file.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        }
    }
    try:
        cache.clear()
        response = client.get(CSV_URL)
        assert response.status_code == 200
        server.stop()
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    finally:
        server.stop()
    assert len(rows) == public_activities().count() > 0
    assert all(row["url"].startswith("http://testserver/") for row in rows)
