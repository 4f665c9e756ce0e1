"""Admin sign-in: throttled after failures, two-factor codes for editors who set them up."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "x-long-password-1"


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("editor", "ed@example.org", PASSWORD)


def sign_in(client, password=PASSWORD, **extra):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the admin in English, to read its messages
    return client.post(LOGIN, {"username": "editor", "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password(
    client, editor
):
    for _ in range(4):
        response = sign_in(client, "wrong")
        assert response.status_code == 200  # the login form again, with its error
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert sign_in(client).status_code == 429
    # Another address is not locked out.
    assert sign_in(client, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_success_clears_earlier_failures(client, editor):
    for _ in range(3):
        sign_in(client, "wrong")
    assert sign_in(client).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200


def test_without_a_device_and_without_the_requirement_the_admin_opens(client, editor):
    assert sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_editor_with_a_device_must_give_the_code(client, editor):
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    sign_in(client)
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/verify/?next=%2Fadmin%2Fpages%2F"
    wrong = client.post("/admin/two-factor/verify/", {"token": "000000", "next": "/admin/pages/"})
    assert "not valid or has expired" in BeautifulSoup(wrong.content, "html.parser").get_text()
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    right = client.post(
        "/admin/two-factor/verify/", {"token": current_code(device), "next": "/admin/pages/"}
    )
    assert right.status_code == 302 and right["Location"] == "/admin/pages/"
    assert client.get("/admin/").status_code == 200


def test_the_code_page_does_not_redirect_elsewhere(client, editor):
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    sign_in(client)
    response = client.post(
        "/admin/two-factor/verify/",
        {"token": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/admin/"


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_when_required_an_editor_sets_up_an_authenticator_first_through_a_link(client, editor):
    from opencoop.operations.twofactor import enrolment_path, issue_enrolment_link

    sign_in(client)
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/two-factor/setup/")
    page = BeautifulSoup(client.get("/admin/two-factor/setup/").content, "html.parser")
    assert page.find("img") is None  # the password alone shows no key
    token, _ = issue_enrolment_link(editor)
    page = client.get(enrolment_path(token))
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find("img")["src"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert soup.find("code").get_text() in device.config_url
    response = client.post(enrolment_path(token), {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/").status_code == 200
