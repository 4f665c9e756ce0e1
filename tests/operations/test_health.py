"""The health endpoint says whether the database and the cache answer, and which does not."""

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db

URL = "/operations/health/"
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_all_up(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_cache_down_is_named_and_degraded_not_unavailable(client):
    with override_settings(CACHES=DEAD_REDIS):  # resets Django's cache handlers
        response = client.get(URL)
    body = response.json()
    # The portal answers without the cache: a load balancer must keep the server.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True


def test_database_down_is_named(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(URL)
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["down"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "connection refused" not in response.content.decode()
