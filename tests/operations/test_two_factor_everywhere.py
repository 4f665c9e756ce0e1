"""Two-factor sign-in holds for every staff request, and enrolment needs an administrator's link."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.documents.models import Document
from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
)

from opencoop.editorial.roles import ADMINISTRATOR, EDITOR
from opencoop.operations.models import EnrolmentLink
from opencoop.organisations.models import Organisation
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SECRET_TEXT = b"Staff-only budget notes 2026"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def editor():
    return make_user(
        "florence-editor", EDITOR, organisation=Organisation.objects.get(slug="florence")
    )


@pytest.fixture
def staff_document():
    """A document in a collection that only signed-in users may read (Wagtail's own rule)."""
    collection = Collection.get_first_root_node().add_child(name="Staff only")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=BaseViewRestriction.LOGIN
    )
    document = Document(title="Budget notes", collection=collection)
    document.file.save("budget-notes.txt", ContentFile(SECRET_TEXT), save=False)
    document.save()
    return document


def sign_in(client, username: str) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password is accepted"


def code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def download(client, document: Document):
    response = client.get(reverse("wagtaildocs_serve", args=[document.id, document.filename]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# Two-factor everywhere ---------------------------------------------------------------------------


def test_a_password_only_session_cannot_download_a_staff_document(client, editor, staff_document):
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    sign_in(client, "florence-editor")
    response, body = download(client, staff_document)
    assert response.status_code == 302
    assert SECRET_TEXT not in body
    # Sent to the sign-in, which sends a signed-in editor to the code step, then back.
    login = client.get(response["Location"])
    assert login.status_code == 302
    assert login["Location"].startswith(reverse("two_factor_verify") + "?next=%2Fdocuments%2F")
    client.post(reverse("two_factor_verify"), {"token": code(device)})
    response, body = download(client, staff_document)
    assert response.status_code == 200
    assert body == SECRET_TEXT


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_when_required_an_account_without_authenticator_is_anonymous_outside_the_admin(
    client, editor, staff_document
):
    sign_in(client, "florence-editor")
    response, body = download(client, staff_document)
    assert response.status_code == 302 and SECRET_TEXT not in body
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_setup"))


def test_a_password_only_session_cannot_read_a_page_restricted_to_signed_in_users(client, editor):
    page = Page.objects.get(url_path__endswith="/decentralized-cooperation/projects/")
    PageViewRestriction.objects.create(page=page, restriction_type=BaseViewRestriction.LOGIN)
    url = page.get_url()
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    sign_in(client, "florence-editor")
    response = client.get(url)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert client.get(url).status_code == 200


def test_without_a_requirement_or_a_device_a_password_still_opens_the_document(
    client, editor, staff_document
):
    """Development set-ups (OPENCOOP_2FA_REQUIRED off) keep the password-only sign-in."""
    sign_in(client, "florence-editor")
    response, body = download(client, staff_document)
    assert response.status_code == 200 and body == SECRET_TEXT


def test_anonymous_visitors_cannot_download_the_staff_document(client, staff_document):
    response, body = download(client, staff_document)
    assert response.status_code == 302 and SECRET_TEXT not in body


# Enrolment links ---------------------------------------------------------------------------------


def issue(username: str) -> str:
    out = io.StringIO()
    call_command("enrolment_link", username, stdout=out, stderr=io.StringIO())
    url = out.getvalue().strip()
    assert url.startswith("http://testserver/admin/two-factor/setup/link/")
    return url.removeprefix("http://testserver")


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_the_password_alone_does_not_enrol_an_authenticator(client, editor):
    sign_in(client, "florence-editor")
    page = client.get(reverse("two_factor_setup"))
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find(id="enrolment-needs-link") is not None
    assert soup.find("img") is None and soup.find("code") is None  # no key shown
    client.post(reverse("two_factor_setup"), {"token": "123456"})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert client.get("/admin/").status_code == 302


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_a_link_enrols_once_and_only_once(client, editor):
    link = issue("florence-editor")
    stored = EnrolmentLink.objects.get(user=editor)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # a hash only
    sign_in(client, "florence-editor")
    page = client.get(link)
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert soup.find("code").get_text() in device.config_url
    response = client.post(link, {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/").status_code == 200  # the session is verified
    # Used: the same link, even signed in again, shows no key and enrols nothing.
    client.logout()
    sign_in(client, "florence-editor")
    again = client.get(link)
    assert again.status_code == 403
    assert BeautifulSoup(again.content, "html.parser").find(id="enrolment-refused")
    client.post(link, {"token": code(device)})
    assert TOTPDevice.objects.filter(user=editor).count() == 1


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_an_expired_link_enrols_nothing(client, editor):
    link = issue("florence-editor")
    EnrolmentLink.objects.filter(user=editor).update(expires_at=timezone.now() - timedelta(1))
    sign_in(client, "florence-editor")
    assert client.get(link).status_code == 403
    client.post(link, {"token": "000000"})
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


@override_settings(OPENCOOP_2FA_REQUIRED=True)
def test_a_link_of_one_account_does_not_enrol_another(client, editor):
    make_user("other-editor", EDITOR)
    link = issue("florence-editor")
    sign_in(client, "other-editor")
    page = client.get(link)
    assert page.status_code == 403
    assert BeautifulSoup(page.content, "html.parser").find("img") is None
    assert not TOTPDevice.objects.filter(user__username="other-editor").exists()
    assert EnrolmentLink.objects.get(user=editor).used_at is None


def test_a_new_link_cancels_the_earlier_one(client, editor):
    first = issue("florence-editor")
    issue("florence-editor")
    sign_in(client, "florence-editor")
    assert client.get(first).status_code == 403


def test_the_command_names_an_unknown_account():
    with pytest.raises(CommandError, match="No account is called “nobody”"):
        call_command("enrolment_link", "nobody", stdout=io.StringIO())


def test_administrators_issue_a_link_shown_once_and_editors_cannot(client, editor):
    make_user("admin-role", ADMINISTRATOR)
    sign_in(client, "admin-role")
    url = reverse("two_factor_links")
    page = client.post(url, {"user": editor.pk})
    assert page.status_code == 200
    shown = BeautifulSoup(page.content, "html.parser").find(id="issued-link").find("code")
    assert "/admin/two-factor/setup/link/" in shown.get_text()
    listing = client.get(url)
    assert "/admin/two-factor/setup/link/" not in listing.content.decode()  # not shown again
    assert EnrolmentLink.objects.filter(user=editor, used_at__isnull=True).count() == 1
    client.logout()
    sign_in(client, "florence-editor")
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {"user": editor.pk}).status_code in (302, 403)
    assert EnrolmentLink.objects.filter(user=editor).count() == 1
