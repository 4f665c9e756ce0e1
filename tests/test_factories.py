"""The shared factories make the rows the test packages count on."""

from __future__ import annotations

import pytest

from opencoop.activities.models import Activity, ParticipatingOrg
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import EDITOR, REVIEWER
from tests.factories import (
    PASSWORD,
    REPORTING_ORG_IDENTIFIER,
    make_activity,
    make_municipality,
    make_published_activity,
    make_reporting_org,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_an_activity_names_its_reporting_organisation_as_funder():
    org = make_reporting_org()
    activity = make_activity(org, "W1")
    assert activity.iati_identifier == f"{REPORTING_ORG_IDENTIFIER}-W1"
    assert activity.slug == "w1"
    assert activity.title == {"it": "Progetto W1", "en": "Project W1"}
    assert list(
        ParticipatingOrg.objects.filter(activity=activity).values_list("organisation", "role")
    ) == [(org.pk, "1")]


def test_a_published_activity_has_a_live_revision_and_a_draft_none():
    org = make_municipality()
    shown = make_published_activity(org, countries=("SN",), sectors=("14030",))
    hidden = make_published_activity(org, publish=False)
    shown_row = Activity.objects.get(pk=shown.pk)
    assert shown_row.live and shown_row.live_revision_id is not None
    assert [c.code for c in shown_row.recipient_countries.all()] == ["SN"]
    assert [(s.vocabulary, s.code) for s in shown_row.sectors.all()] == [("1", "14030")]
    assert not Activity.objects.get(pk=hidden.pk).live


def test_a_user_is_in_the_roles_and_works_for_the_authority_given():
    org = make_reporting_org()
    user = make_user("officer", EDITOR, REVIEWER, organisation=org)
    assert user.check_password(PASSWORD) and user.email == "officer@example.org"
    assert sorted(user.groups.values_list("name", flat=True)) == sorted([EDITOR, REVIEWER])
    assert list(
        EditorialMembership.objects.filter(user=user).values_list("organisation", "relation")
    ) == [(org.pk, EditorialMembership.STAFF)]
    loner = make_user("visitor")
    assert not loner.groups.exists()
    assert not EditorialMembership.objects.filter(user=loner).exists()
