"""The IATI import screen speaks Italian to an administrator whose admin language is Italian."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from wagtail.users.models import UserProfile

from .test_import_admin import DATA, URL, page, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def italian_admin(client):
    user = get_user_model().objects.create_superuser("importatore", "imp@example.org", "x-pw-1")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()
    client.force_login(user)
    return client


def words(element) -> str:
    return " ".join(element.get_text().split())


def test_the_upload_form_is_in_italian(italian_admin):
    html = page(italian_admin.get(URL))
    assert words(html.select_one("h1")) == "Importazione IATI"
    assert "Carica un file di attività IATI" in [words(h) for h in html.select("h2")]
    form = html.select_one("form[enctype='multipart/form-data']")
    text = words(form)
    assert "Qualsiasi, come indicato nel file" in text
    assert "Scegline una per accettare solo le sue attività" in text
    assert "Non cambia nulla finché non hai visto" in text
    assert words(form.select_one("button[type=submit]")) == "Controlla il file"
    for english in ("Upload an IATI activity file", "Any, as stated in the file", "Nothing is"):
        assert english not in html.decode()


def test_the_check_and_its_report_are_in_italian(italian_admin):
    report = page(upload(italian_admin, DATA / "foreign-2.02.xml")).select_one("[data-iati-report]")
    assert report["data-iati-report"] == "checked"
    text = words(report)
    assert "Non è ancora cambiato nulla. L'importazione creerebbe 3 attività" in text
    assert [words(h) for h in report.select("h3")][:1] == ["Sarebbero create (3)"]
    headers = [words(th) for th in report.select("[data-iati-warnings] th")]
    assert headers == ["Riga", "Attività", "Elemento", "Nota"]
    assert "Le attività nuove e modificate saranno pubblicate." in text

    token = report.select_one("input[name=token]")["value"]
    applied = page(italian_admin.post(URL, {"token": token}))
    report = applied.select_one("[data-iati-report]")
    assert report["data-iati-report"] == "applied"
    assert "Applicata: 3 nuove, 0 modificate, 0 invariate." in words(report)
    assert [words(h) for h in report.select("h3")][:1] == ["Create (3)"]
    assert "Importazione IATI applicata: 3 nuove" in words(applied)

    again = page(italian_admin.post(URL, {"token": token}, follow=True))
    assert "Questo file non è più in attesa di essere applicato" in words(again)


def test_a_refused_file_is_explained_in_italian(italian_admin):
    response = upload(italian_admin, DATA / "hostile" / "bad-code.xml")
    report = page(response).select_one("[data-iati-report]")
    assert report["data-iati-report"] == "refused"
    assert "il file è rifiutato e non è cambiato nulla" in words(report.select_one("[role=alert]"))
    headers = [words(th) for th in report.select("[data-iati-errors] th")]
    assert headers == ["Riga", "Attività", "Elemento", "Problema"]
