"""Translation status follows the source; pending texts go to a translator and back as PO."""

from __future__ import annotations

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opencoop.activities.models import Activity
from opencoop.editorial.models import TranslationState
from opencoop.initiatives.models import Initiative

from .helpers import form_data, messages_text, soup, url

pytestmark = pytest.mark.django_db

TRANSLATIONS = "/admin/editorial/translations/"


def status(record, lang: str = "en") -> str:
    return TranslationState.objects.for_record(record).get(language=lang).status


def save_draft(client, record, **changes):
    data = form_data(client.get(url(record, "edit")))
    data.update(changes)
    response = client.post(url(record, "edit"), data)
    assert response.status_code == 302, messages_text(response)


def listed_status(client, record, lang: str = "en") -> str:
    listing = soup(client.get(url(type(record), "list")))
    for row in listing.select("table.listing tbody tr"):
        if record.iati_identifier in row.get_text():
            return row.select_one(f'[data-language="{lang}"]')["data-status"]
    raise AssertionError("record not listed")


def test_the_status_follows_the_source_language(login, editor, activity):
    assert status(activity) == "complete"
    client = login(editor)
    save_draft(client, activity, title_0="Pozzi per Niamey")
    assert status(activity) == "outdated"
    assert status(activity, "it") == "complete"
    assert listed_status(client, activity) == "outdated"
    panel = soup(client.get(url(activity, "edit"))).select_one("[data-record-status]")
    assert panel.select_one('[data-language="en"]')["data-status"] == "outdated"
    pending = soup(client.get(TRANSLATIONS + "?language=en")).select("[data-translations] tbody tr")
    assert [row["data-status"] for row in pending] == ["outdated"]
    assert pending[0].select_one("a")["href"] == url(activity, "edit")

    save_draft(client, activity, title_1="Wells for Niamey")
    assert status(activity) == "complete"
    assert listed_status(client, activity) == "complete"


def test_a_text_without_its_english_version_is_missing(login, editor):
    client = login(editor)
    data = form_data(client.get(url(Initiative, "add")))
    data.update({"title_0": "Cena solidale", "summary_0": "Una cena per il progetto."})
    assert client.post(url(Initiative, "add"), data).status_code == 302
    initiative = Initiative.objects.get(title__it="Cena solidale")
    state = TranslationState.objects.for_record(initiative).get(language="en")
    assert state.status == "missing"
    assert state.missing_fields == ["title", "summary"]
    rows = soup(client.get(TRANSLATIONS)).select("[data-translations] tbody tr")
    assert len(rows) == 1 and "Cena solidale" in rows[0].get_text()


def po_file(content: str, name: str = "opencoop-en.po") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content.encode("utf-8"), content_type="text/x-gettext-translation"
    )


def test_pending_texts_go_to_a_translator_and_back(login, editor, activity):
    draft = activity.get_latest_revision_as_object()
    draft.description = {**draft.description, "it": "Pozzi e formazione per cooperative."}
    draft.save_revision(user=editor)
    assert status(activity) == "outdated"

    client = login(editor)
    export = client.get(reverse("editorial:translations_export") + "?language=en")
    assert export.status_code == 200
    assert export["Content-Disposition"] == 'attachment; filename="opencoop-en.po"'
    po = polib.pofile(export.content.decode("utf-8"))
    assert po.metadata["Language"] == "en"
    contexts = [entry.msgctxt for entry in po]
    # Only this editor's authority; only the texts whose source changed.
    assert contexts == [f"activities.activity:{activity.pk}:description"]
    entry = po[0]
    assert entry.msgid == "Pozzi e formazione per cooperative."
    assert entry.msgstr == "Description WELLS." and "fuzzy" in entry.flags

    entry.msgstr = "Wells and training for cooperatives."
    entry.flags.remove("fuzzy")
    response = client.post(
        TRANSLATIONS + "?language=en", {"language": "en", "file": po_file(str(po))}
    )
    assert response.status_code == 302, messages_text(response)
    activity.refresh_from_db()
    assert activity.description["en"] == "Description WELLS."  # published text untouched
    latest = activity.get_latest_revision_as_object()
    assert latest.description == {
        "it": "Pozzi e formazione per cooperative.",
        "en": "Wells and training for cooperatives.",
    }
    assert status(activity) == "complete"
    assert activity.workflow_in_progress  # the translation goes to review


def test_a_translation_file_with_one_bad_entry_changes_nothing(login, editor, activity, florence):
    draft = activity.get_latest_revision_as_object()
    draft.title = {**draft.title, "it": "Pozzi nuovi"}
    draft.description = {**draft.description, "it": "Descrizione nuova."}
    draft.save_revision(user=editor)
    revisions_before = activity.revisions.count()
    florence_record = Activity.objects.filter(reporting_org=florence).first()
    po = polib.POFile()
    po.metadata = {"Language": "en", "Content-Type": "text/plain; charset=UTF-8"}
    po.append(
        polib.POEntry(
            msgctxt=f"activities.activity:{activity.pk}:title",
            msgid="Pozzi nuovi",
            msgstr="New wells",
        )
    )
    po.append(
        polib.POEntry(
            msgctxt=f"activities.activity:{activity.pk}:description",
            msgid="The Italian text as it was a week ago",
            msgstr="Something",
        )
    )
    po.append(
        polib.POEntry(
            msgctxt=f"activities.activity:{florence_record.pk}:title",
            msgid=florence_record.title["it"],
            msgstr="Not yours",
        )
    )
    client = login(editor)
    response = client.post(TRANSLATIONS, {"language": "en", "file": po_file(str(po))})
    assert response.status_code == 200
    errors = [
        li.get_text(" ", strip=True) for li in soup(response).select("[data-import-errors] li")
    ]
    assert len(errors) == 2
    assert f"activities.activity:{activity.pk}:description" in errors[0]
    assert "line" in errors[0] or "riga" in errors[0]
    assert f"activities.activity:{florence_record.pk}:title" in errors[1]
    assert activity.revisions.count() == revisions_before
    latest = Activity.objects.get(pk=activity.pk).get_latest_revision_as_object()
    assert latest.title["en"] == "Project WELLS"
    florence_record.refresh_from_db()
    assert florence_record.get_latest_revision_as_object().title["en"] != "Not yours"


def test_partners_do_not_get_the_translators_pages(login, partner):
    client = login(partner)
    assert client.get(TRANSLATIONS).status_code in (302, 403)
    assert client.get(reverse("editorial:translations_export")).status_code in (302, 403)
