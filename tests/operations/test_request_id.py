"""Every response carries a request id, also found in every log line of that request."""

import json
import logging

import pytest

from opencoop.operations.logs import JsonFormatter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.django_db


def test_each_request_gets_its_own_id(client):
    first = client.get("/operations/health/")["X-Request-ID"]
    second = client.get("/operations/health/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_id_from_the_proxy_is_kept_when_harmless(client):
    response = client.get("/operations/health/", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert response["X-Request-ID"] == "proxy-1234abcd"


@pytest.mark.parametrize("forged", ["<script>", "a" * 200, "short", "id with spaces 12345"])
def test_an_odd_id_from_outside_is_replaced(client, forged):
    response = client.get("/operations/health/", HTTP_X_REQUEST_ID=forged)
    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32


def test_the_access_log_line_is_json_with_the_id(client, caplog):
    caplog.set_level(logging.INFO, logger="opencoop.access")
    caplog.handler.addFilter(RequestIdFilter())  # as the production handler does
    response = client.get("/en/")
    record = next(r for r in caplog.records if r.name == "opencoop.access")
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["status_code"] == 200
    assert entry["path"] == "/en/"
    assert entry["method"] == "GET"
    assert entry["logger"] == "opencoop.access"
    assert "duration_ms" in entry


def test_the_formatter_writes_one_line_with_the_current_id():
    token = request_id_var.set("abc123def456")
    try:
        record = logging.makeLogRecord({"msg": "hello\nworld", "levelname": "WARNING"})
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    assert json.loads(line)["request_id"] == "abc123def456"
    assert json.loads(line)["message"] == "hello\nworld"
