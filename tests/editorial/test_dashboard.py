"""The dashboard panel lists each user's records in review, to translate, not publishable, and imports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.users.models import UserProfile

from opencoop.activities.models import Activity
from opencoop.imports.models import ImportRun
from tests.factories import make_activity

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


def read_in(user, lang: str):
    """Set the admin language ``user`` reads the back office in."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = lang
    profile.save()
    return user


@pytest.mark.parametrize(
    "lang, said, not_said",
    [
        ("en", "the activity status is missing", "manca lo stato"),
        ("it", "manca lo stato dell'attività", "the activity status is missing"),
    ],
)
def test_stored_problems_are_shown_in_the_readers_language(
    login, reviewer, other_authority, lang, said, not_said
):
    incomplete = make_activity(other_authority, "NO-STATUS", status="")
    with translation.override("en"):  # whoever saved, and in whatever language
        incomplete.save_revision(user=reviewer)
    client = login(read_in(reviewer, lang))

    [item] = section(client.get("/admin/"), "failing").select("li")
    text = item.get_text(" ", strip=True)
    assert said in text and not_said not in text
    assert {"en": "Status", "it": "Stato"}[lang] in text  # the field, named for the reader too

    panel = soup(client.get(url(incomplete, "edit"))).select_one("[data-publication-problems]")
    assert said in panel.get_text(" ", strip=True)


def test_the_failing_list_costs_the_same_queries_for_one_record_or_many(
    login, reviewer, other_authority
):
    client = login(read_in(reviewer, "en"))
    make_activity(other_authority, "NO-STATUS-1", status="").save_revision(user=reviewer)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/")
    for number in range(2, 6):
        make_activity(other_authority, f"NO-STATUS-{number}", status="").save_revision(
            user=reviewer
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/admin/")
    assert len(section(page, "failing").select("li")) == 5
    assert len(many) == len(one)
