"""One panel says, before saving, what a sensitive or embargoed activity keeps from the public."""

from __future__ import annotations

import datetime

import pytest

from opencoop.activities.disclosure import withholdings
from opencoop.activities.parts import PARTS
from opencoop.editorial.roles import EDITOR
from tests.factories import make_user
from tests.opendata.sensitive import HIDDEN_NAME, make_sensitive_activity

from .helpers import soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db


def panel_items(response) -> dict[str, dict]:
    panel = soup(response).select_one("[data-sensitive-panel]")
    assert panel is not None, "no sensitive-activity panel on the edit page"
    items = {}
    for item in panel.select("[data-sensitive-switch]"):
        shown = item.select_one(
            "[data-when-on]" if item["data-active"] == "true" else "[data-when-off]"
        )
        items.setdefault(item["data-sensitive-switch"], []).append(
            {"active": item["data-active"] == "true", "text": " ".join(shown.get_text().split())}
        )
    return {"panel": " ".join(panel.get_text().split()), "items": items}


def test_the_panel_lists_the_embargo_and_every_part_the_description_marks_sensitive(activity):
    items = withholdings(activity)
    sensitive_parts = [p for p in PARTS if p.sensitive]
    assert len(sensitive_parts) >= 3
    assert [i.switch for i in items] == ["embargo_until"] + [
        p.sensitive_switch for p in sensitive_parts
    ]
    assert [i.withheld for i in items[1:]] == [str(p.sensitive) for p in sensitive_parts]
    assert not any(i.active for i in items)  # a plain activity hides nothing


def test_a_sensitive_activity_says_what_is_hidden_and_where(client):
    made = make_sensitive_activity()
    activity = made.activity if hasattr(made, "activity") else made
    editor = make_user("sensitive-editor", EDITOR, organisation=activity.reporting_org)
    client.force_login(in_italian(editor))
    found = panel_items(client.get(url(activity, "edit")))
    for outlet in ("il sito pubblico", "l'API", "il file IATI", "le statistiche"):
        assert outlet in found["panel"], (outlet, found["panel"])
    places = found["items"]["hide_exact_locations"]
    assert places == [{"active": True, "text": places[0]["text"]}]
    assert "di ogni luogo, solo: Paese" in places[0]["text"], places
    partners = found["items"]["participating_orgs.hide_name"]
    by_name = [p for p in PARTS if p.sensitive_switch == "participating_orgs.hide_name"]
    assert len(partners) == len(by_name) >= 3 and all(p["active"] for p in partners)
    assert all(HIDDEN_NAME["it"] in p["text"] for p in partners), partners
    assert all("«un partner locale», senza identificativo" in p["text"] for p in partners)
    assert found["items"]["embargo_until"] == [{"active": False, "text": "nulla di nascosto."}]


def test_an_embargo_in_the_future_holds_the_whole_activity(client, editor, activity):
    activity.embargo_until = datetime.date.today() + datetime.timedelta(days=30)
    activity.save_revision()
    client.force_login(editor)
    found = panel_items(client.get(url(activity, "edit")))
    embargo = found["items"]["embargo_until"][0]
    assert embargo["active"], embargo
    assert activity.embargo_until.isoformat() in embargo["text"]
    # The switches that are off say so.
    assert found["items"]["hide_exact_locations"][0] == {
        "active": False,
        "text": "nulla di nascosto.",
    }


def test_an_embargo_already_past_holds_nothing(activity):
    activity.embargo_until = datetime.date(2020, 1, 1)
    assert not withholdings(activity)[0].active
