"""The upload limit: one setting for the forms, the browser check, the server and the deploy guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from wagtail.users.models import UserProfile

from opencoop.iati.admin_views import IatiImportForm
from opencoop.imports.forms import UploadForm
from opencoop.imports.models import ImportRun

from .conftest import page, words

pytestmark = pytest.mark.django_db

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
MB = 1024 * 1024


def test_the_deploy_guide_gives_nginx_the_limit_and_a_timeout_above_gunicorns():
    guide = DEPLOY.read_text()
    sizes = re.findall(r"client_max_body_size (\d+)m;", guide)
    assert sizes == [str(django_settings.OPENCOOP_MAX_UPLOAD_MB)]
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", guide).group(1))
    from opencoop.operations import gunicorn_config

    assert read_timeout > gunicorn_config.timeout
    # The worker that runs the long work is a service of its own.
    assert "db_worker --backend jobs" in guide


def test_both_upload_forms_carry_the_limit_for_the_browser(superuser_client):
    limit = django_settings.OPENCOOP_MAX_UPLOAD_MB
    for url, name in (("/admin/iati-import/", "file"), (reverse("imports:index"), "files")):
        html = page(superuser_client.get(url))
        field = html.select_one(f"input[type=file][name={name}]")
        assert field["data-max-bytes"] == str(limit * MB), url
        assert f"{limit} MB" in field["data-too-large"], url
        scripts = [script.get("src", "") for script in html.select("script")]
        assert any(src.endswith("operations/upload-limit.js") for src in scripts), url


def test_the_browser_message_is_italian_for_an_italian_user(superuser_client):
    profile = UserProfile.get_for_user(superuser_client.user)
    profile.preferred_language = "it"
    profile.save()
    field = page(superuser_client.get("/admin/iati-import/")).select_one("input[type=file]")
    assert field["data-too-large"].startswith("Il file supera 64 MB")


@translation.override("en")
def test_the_iati_form_refuses_a_file_over_the_limit(superuser_client, settings):
    settings.OPENCOOP_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.xml", b"<?xml version='1.0'?>" + b" " * MB)
    form = IatiImportForm({"reporting_org": ""}, {"file": big}, user=superuser_client.user)
    assert not form.is_valid()
    [error] = form.errors["file"]
    assert error.startswith("“big.xml” is 1") and error.endswith("uploads may be at most 1 MB.")
    small = SimpleUploadedFile("small.xml", b"<?xml version='1.0'?><iati-activities/>")
    form = IatiImportForm({"reporting_org": ""}, {"file": small}, user=superuser_client.user)
    assert form.is_valid(), form.errors


@translation.override("en")
def test_the_spreadsheet_form_refuses_files_over_the_limit_together(
    superuser_client, settings, authority
):
    settings.OPENCOOP_MAX_UPLOAD_MB = 1
    half = b"a,b\n" + b"1,2\n" * (MB // 7)
    files = [SimpleUploadedFile("activities.csv", half), SimpleUploadedFile("budgets.csv", half)]
    data = {"reporting_org": authority.pk, "outcome": ImportRun.DRAFT}
    form = UploadForm(data, MultiValueDict({"files": files}), user=superuser_client.user)
    assert not form.is_valid()
    [error] = form.errors["files"]
    assert error.startswith("“activities.csv, budgets.csv” is 1")
    assert error.endswith("uploads may be at most 1 MB.")
    form = UploadForm(data, MultiValueDict({"files": files[:1]}), user=superuser_client.user)
    assert form.is_valid(), form.errors


def test_a_request_announced_over_the_limit_is_refused_before_it_is_read(
    superuser_client, settings
):
    settings.OPENCOOP_MAX_UPLOAD_MB = 1
    body = b"x" * (MB + 1)
    response = superuser_client.generic(
        "POST",
        "/admin/iati-import/",
        body,
        content_type="application/octet-stream",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in words(page(response))
    # Announced only: the header alone decides, before any byte is read.
    response = superuser_client.post(
        "/admin/iati-import/", {"reporting_org": ""}, CONTENT_LENGTH=str(65 * MB)
    )
    assert response.status_code == 413
    settings.OPENCOOP_MAX_UPLOAD_MB = 64
    assert superuser_client.get("/admin/iati-import/").status_code == 200


def test_the_refusal_speaks_the_users_language(client, settings):
    settings.OPENCOOP_MAX_UPLOAD_MB = 1
    response = client.post(
        "/admin/iati-import/", {}, CONTENT_LENGTH=str(2 * MB), HTTP_ACCEPT_LANGUAGE="it"
    )
    assert response.status_code == 413
    assert words(page(response).select_one("p")).startswith("Il file supera 1 MB, il massimo")
