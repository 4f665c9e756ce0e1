"""The repeated parts of a record (results, locations, documents…) count in its translation status
and travel in the translator's PO file like the record's own texts."""

from __future__ import annotations

import polib
import pytest
from django.urls import reverse
from wagtail.models import Revision

from opencoop.activities.models import Result
from opencoop.editorial.models import TranslationState

from .helpers import form_data, messages_text, soup, url
from .test_translations import TRANSLATIONS, po_file

pytestmark = pytest.mark.django_db

RESULT = {"type": "1", "title_0": "Pozzi scavati", "title_1": ""}
# The indicator of the first new result (its own formset, inside the result's form).
INDICATOR = {
    "measure": "1",
    "ascending": "on",
    "title_0": "Numero di pozzi",
    "title_1": "Number of wells",
}


# A new result with its indicator, which has no period yet (its formset sent empty).
NEW_RESULT = {
    "results": [RESULT],
    "results-0-indicators": [INDICATOR],
    "results-0-indicators-0-periods": [],
}


def state(record, lang: str = "en") -> TranslationState:
    return TranslationState.objects.for_record(record).get(language=lang)


def save_draft(client, record, rows: dict[str, list[dict]] | None = None, **changes) -> None:
    """Save the record's edit form as a draft, with ``changes`` and new rows of its parts."""
    data = form_data(client.get(url(record, "edit")))
    for prefix, new_rows in (rows or {}).items():
        start = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
        data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
        for offset, row in enumerate(new_rows):
            number = start + offset
            data.update({f"{prefix}-{number}-{key}": value for key, value in row.items()})
            data.setdefault(f"{prefix}-{number}-id", "")
            data.setdefault(f"{prefix}-{number}-ORDER", str(number + 1))
        data[f"{prefix}-TOTAL_FORMS"] = str(start + len(new_rows))
    data.update(changes)
    response = client.post(url(record, "edit"), data)
    assert response.status_code == 302, messages_text(response)


def pending_rows(client, lang: str = "en"):
    return soup(client.get(f"{TRANSLATIONS}?language={lang}")).select(
        "[data-translations] tbody tr"
    )


def latest_results(record) -> list[dict]:
    """Return the results as the record's latest revision holds them."""
    revision = Revision.objects.get(pk=type(record).objects.get(pk=record.pk).latest_revision_id)
    return revision.content["results"]


def test_a_result_title_only_in_italian_leaves_english_missing(login, editor, activity):
    assert state(activity).status == "complete"
    client = login(editor)
    save_draft(client, activity, rows=NEW_RESULT)

    english = state(activity)
    assert english.status == "missing"
    # A part added in a draft has no id yet: it is known by its row.
    assert english.missing_fields == ["results.#1.title"]
    assert state(activity, "it").status == "complete"
    rows = pending_rows(client)
    assert [row["data-status"] for row in rows] == ["missing"]
    assert "Project WELLS" in rows[0].get_text() or "Progetto WELLS" in rows[0].get_text()
    assert "›" in rows[0].select("td")[-1].get_text()  # the part's field is named

    save_draft(client, activity, **{"results-0-title_1": "Wells dug"})
    assert state(activity).status == "complete"
    assert pending_rows(client) == []


def test_changing_the_italian_result_title_puts_the_english_one_out_of_date(
    login, editor, activity
):
    client = login(editor)
    save_draft(
        client,
        activity,
        rows={**NEW_RESULT, "results": [{**RESULT, "title_1": "Wells dug"}]},
    )
    assert state(activity).status == "complete"
    activity.refresh_from_db()
    activity.get_latest_revision().publish()
    result = Result.objects.get(activity=activity)  # published: the part has its id now

    save_draft(client, activity, **{"results-0-title_0": "Pozzi scavati e attrezzati"})
    english = state(activity)
    assert english.status == "outdated"
    assert english.outdated_fields == [f"results.{result.pk}.title"]
    assert english.missing_fields == []
    assert [row["data-status"] for row in pending_rows(client)] == ["outdated"]

    # Rewriting the English title brings it in step again; the indicator never left it.
    save_draft(client, activity, **{"results-0-title_1": "Wells dug and equipped"})
    assert state(activity).status == "complete"


def test_a_result_added_in_a_draft_goes_to_the_translator_and_back(
    login, editor, reviewer, activity
):
    client = login(editor)
    save_draft(client, activity, rows=NEW_RESULT)

    export = client.get(reverse("editorial:translations_export") + "?language=en")
    po = polib.pofile(export.content.decode("utf-8"))
    assert [entry.msgctxt for entry in po] == [
        f"activities.activity:{activity.pk}:results.#1.title"
    ]
    entry = po[0]
    assert entry.msgid == "Pozzi scavati" and entry.msgstr == ""

    # The draft is published before the file comes back: the result gets its id meanwhile.
    activity.refresh_from_db()
    activity.get_latest_revision().publish()
    result = Result.objects.get(activity=activity)
    assert result.title == {"it": "Pozzi scavati"}

    entry.msgstr = "Wells dug"
    response = client.post(TRANSLATIONS, {"language": "en", "file": po_file(str(po))})
    assert response.status_code == 302, messages_text(response)

    [stored] = latest_results(activity)
    assert stored["pk"] == result.pk
    assert stored["title"] == {"it": "Pozzi scavati", "en": "Wells dug"}
    (indicator,) = stored["indicators"]
    assert indicator["title"] == {"it": "Numero di pozzi", "en": "Number of wells"}
    result.refresh_from_db()
    assert result.title == {"it": "Pozzi scavati"}  # a draft: the published row is untouched
    assert state(activity).status == "complete"

    activity.refresh_from_db()
    activity.get_latest_revision().publish()
    assert Result.objects.get(pk=result.pk).title == {"it": "Pozzi scavati", "en": "Wells dug"}


def test_a_published_part_is_named_by_its_id_in_the_file(login, editor, activity):
    from opencoop.activities.models import Location

    location = Location.objects.create(
        activity=activity, name={"it": "Niamey"}, description={"it": "Quartiere nord"}
    )
    activity.save_revision(user=editor).publish()
    assert sorted(state(activity).missing_fields) == [
        f"locations.{location.pk}.description",
        f"locations.{location.pk}.name",
    ]
    client = login(editor)
    po = polib.pofile(
        client.get(reverse("editorial:translations_export") + "?language=en").content.decode()
    )
    by_context = {entry.msgctxt: entry for entry in po}
    name = by_context[f"activities.activity:{activity.pk}:locations.{location.pk}.name"]
    assert name.msgid == "Niamey"
    by_context[
        f"activities.activity:{activity.pk}:locations.{location.pk}.description"
    ].msgstr = "North quarter"
    name.msgstr = "Niamey"
    response = client.post(TRANSLATIONS, {"language": "en", "file": po_file(str(po))})
    assert response.status_code == 302, messages_text(response)
    activity.refresh_from_db()
    [stored] = activity.get_latest_revision().content["locations"]
    assert stored["pk"] == location.pk
    assert stored["name"] == {"it": "Niamey", "en": "Niamey"}
    assert stored["description"] == {"it": "Quartiere nord", "en": "North quarter"}
    assert state(activity).status == "complete"


def test_a_part_removed_since_the_export_is_refused_by_name(login, editor, activity):
    client = login(editor)
    po = polib.POFile()
    po.metadata = {"Language": "en", "Content-Type": "text/plain; charset=UTF-8"}
    context = f"activities.activity:{activity.pk}:results.999999.title"
    po.append(polib.POEntry(msgctxt=context, msgid="Pozzi", msgstr="Wells"))
    po.append(
        polib.POEntry(
            msgctxt=f"activities.activity:{activity.pk}:results.1.colour",
            msgid="Rosso",
            msgstr="Red",
        )
    )
    revisions = activity.revisions.count()
    response = client.post(TRANSLATIONS, {"language": "en", "file": po_file(str(po))})
    assert response.status_code == 200
    errors = [
        li.get_text(" ", strip=True) for li in soup(response).select("[data-import-errors] li")
    ]
    assert len(errors) == 2
    assert context in errors[0]
    assert "results.1.colour" in errors[1]
    assert activity.revisions.count() == revisions


def test_an_indicator_title_only_in_italian_leaves_english_missing(login, editor, activity):
    client = login(editor)
    rows = {
        **NEW_RESULT,
        "results": [{**RESULT, "title_1": "Wells dug"}],
        "results-0-indicators": [{**INDICATOR, "title_1": ""}],
    }
    save_draft(client, activity, rows=rows)

    english = state(activity)
    assert english.status == "missing"
    # A part's own part follows its part's key.
    assert english.missing_fields == ["results.#1.indicators.#1.title"]

    save_draft(client, activity, **{"results-0-indicators-0-title_1": "Number of wells"})
    assert state(activity).status == "complete"
