"""Security headers of public pages, the admin and documents; cookies for anonymous visitors."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from tests.conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db

PROJECT_EN = SECTION_EN + "projects/agata-smeralda-salvador-bahia/"
PUBLIC_PAGES = ["/it/", "/en/", SECTION_IT, SECTION_EN, SECTION_EN + "projects/", PROJECT_EN]

STRICT_CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "style-src": "'self'",
    "script-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_send_the_strict_policy_and_no_cookie(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == STRICT_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) >= 8
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def test_error_pages_send_no_cookie_either(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert parse_csp(response["Content-Security-Policy"]) == STRICT_CSP


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_responses_carry_hsts(client):
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_admin_gets_its_own_policy_that_still_forbids_framing_by_others(client):
    user = get_user_model().objects.create_superuser("csp", "csp@example.org", "x-long-password-1")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" in policy["script-src"]


def test_admin_session_cookie_is_httponly_samesite_and_ends_with_the_browser(client):
    get_user_model().objects.create_superuser("cookie", "c@example.org", "x-long-password-1")
    response = client.post("/admin/login/", {"username": "cookie", "password": "x-long-password-1"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # a browser-session cookie: no lifetime of its own
