"""The dashboard panel lists each user's records in review, to translate, not publishable, and imports."""

from __future__ import annotations

import pytest

from opencoop.activities.models import Activity
from opencoop.imports.models import ImportRun
from tests.opendata.factories import make_activity

from .helpers import soup, url

pytestmark = pytest.mark.django_db


def section(page, name: str):
    return soup(page).select_one(f'[data-dashboard="{name}"]')


def test_the_panel_shows_the_users_own_authority_only(
    login, editor, reviewer, florence, florence_editor, other_authority, activity
):
    activity.get_workflow().start(activity, editor)
    incomplete = make_activity(other_authority, "NO-STATUS", status="")
    incomplete.save_revision(user=editor)
    draft = activity.get_latest_revision_as_object()
    draft.title = {**draft.title, "it": "Pozzi, seconda fase"}
    draft.save_revision(user=editor)
    ImportRun.objects.create(
        reporting_org=other_authority,
        file_name="ours.xlsx",
        status=ImportRun.APPLIED,
        summary={"created": 2, "changed": 1},
    )
    ImportRun.objects.create(
        reporting_org=florence, file_name="florence.xlsx", status=ImportRun.REFUSED
    )

    home = login(reviewer).get("/admin/")
    assert home.status_code == 200
    in_review = section(home, "in-review")
    assert [a["href"] for a in in_review.select("li a")] == [url(activity, "edit")]
    to_translate = section(home, "to-translate")
    assert [a["href"] for a in to_translate.select("li a")] == [url(activity, "edit")]
    assert "EN:" in to_translate.select_one("li").get_text()
    failing = section(home, "failing")
    items = [li.get_text(" ", strip=True) for li in failing.select("li")]
    # Checked outside a request, in the portal's first language (Italian).
    assert len(items) == 1 and "NO-STATUS" in items[0] and "manca lo stato" in items[0]
    imports = section(home, "imports").get_text(" ", strip=True)
    assert "ours.xlsx" in imports and "florence.xlsx" not in imports

    florence_home = login(florence_editor).get("/admin/")
    failing = section(florence_home, "failing")
    demo_count = Activity.objects.filter(reporting_org=florence).count()
    assert str(demo_count) in failing.select_one("h3").get_text()
    assert "NO-STATUS" not in failing.get_text()
    assert section(florence_home, "in-review").select("li") == []
    assert "ours.xlsx" not in section(florence_home, "imports").get_text()


def test_a_partners_panel_lists_only_their_activities(login, partner, activity):
    home = login(partner).get("/admin/")
    assert home.status_code == 200
    failing = section(home, "failing")
    assert failing.select("li") == []  # Florence's incomplete records are not theirs
    assert section(home, "imports").select("li") == []
