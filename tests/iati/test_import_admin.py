"""Tests of the IATI import screen of the back office: upload, dry run, apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Revision

from opencoop.activities.models import Activity
from opencoop.editorial.roles import EDITOR
from opencoop.organisations.models import Organisation
from tests.factories import make_reporting_org, make_user

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"
URL = "/admin/iati-import/"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("importer", "importer@example.org", "x-pw-1")
    client.force_login(user)
    client.user = user
    return client


def upload(client, path: Path, reporting_org: str = ""):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes(), "application/xml")}
    data["reporting_org"] = reporting_org
    return client.post(URL, data)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def counts() -> tuple[int, int, int]:
    return Activity.objects.count(), Organisation.objects.count(), Revision.objects.count()


def test_the_screen_is_in_the_admin_menu(admin_client):
    assert reverse("iati_import") == URL
    response = admin_client.get(URL)
    assert response.status_code == 200
    form = page(response).select_one("form[enctype='multipart/form-data']")
    assert form.select_one("input[type=file][name=file]") is not None
    options = [o["value"] for o in form.select("select[name=reporting_org] option")]
    assert options[0] == "" and "IT-CF-01307110484" in options
    assert URL in admin_client.get("/admin/").content.decode()


def test_check_then_apply(admin_client, var_dir):
    before = counts()

    checked = upload(admin_client, DATA / "foreign-2.02.xml")

    assert checked.status_code == 200
    report = page(checked).select_one("[data-iati-report]")
    assert report["data-iati-report"] == "checked"
    assert [li.text for li in report.select("[data-iati-created] li")] == [
        "XI-EXAMPLE-NGO2-A",
        "XI-EXAMPLE-NGO2-B",
        "XI-EXAMPLE-NGO2-C",
    ]
    assert "title/narrative" in report.select_one("[data-iati-warnings]").text
    assert counts() == before  # the check is a dry run
    token = report.select_one("input[name=token]")["value"]
    assert (var_dir / "iati-imports" / f"{token}.xml").is_file()

    applied = admin_client.post(URL, {"token": token})

    assert page(applied).select_one("[data-iati-report]")["data-iati-report"] == "applied"
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    assert activity.live
    assert activity.latest_revision.user == admin_client.user
    assert not (var_dir / "iati-imports" / f"{token}.xml").exists()
    # The token is spent: applying again is refused.
    again = admin_client.post(URL, {"token": token}, follow=True)
    assert "non è più in attesa" in again.content.decode()  # the admin is in Italian
    assert Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE-NGO2").count() == 3


def test_a_hostile_file_is_refused_with_its_errors(admin_client):
    before = counts()
    response = upload(admin_client, DATA / "hostile" / "bad-code.xml")
    report = page(response).select_one("[data-iati-report]")
    assert report["data-iati-report"] == "refused"
    cells = [td.text for td in report.select("[data-iati-errors] tbody td")]
    assert cells[:3] == ["31", "XI-EXAMPLE-MIX-3", "sector/@code"]
    assert "99999" in cells[3]
    assert report.select_one("input[name=token]") is None
    assert counts() == before


def test_an_editor_imports_drafts_for_their_authority_only(client):
    authority = make_reporting_org(identifier="XI-EXAMPLE-NGO2", name={"en": "Example NGO Two"})
    other = make_reporting_org(identifier="XI-EXAMPLE-OTHER", name={"en": "Other"}, slug="other")
    editor = make_user("editor-imp", EDITOR, organisation=authority)
    client.force_login(editor)
    response = client.get(URL)
    options = [o["value"] for o in page(response).select("select[name=reporting_org] option")]
    assert options == [authority.identifier]

    refused = upload(client, DATA / "foreign-2.02.xml", reporting_org=other.identifier)
    assert "reporting_org" in refused.context["form"].errors

    checked = upload(client, DATA / "foreign-2.02.xml", reporting_org=authority.identifier)
    assert "salvate come bozze" in checked.content.decode()
    token = page(checked).select_one("input[name=token]")["value"]
    client.post(URL, {"token": token})
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")
    assert activity.live is False
    assert activity.latest_revision.user == editor


def test_other_users_are_refused(client):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(get_user_model().objects.create_user("nobody", "n@example.org", "x-pw-2"))
    assert client.get(URL).status_code in (302, 403)
