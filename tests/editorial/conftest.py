"""Fixtures of the editorial tests: two authorities, a partner, and a user in each role."""

from __future__ import annotations

import pytest

from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import ADMINISTRATOR, EDITOR, PARTNER, REVIEWER
from opencoop.organisations.models import Organisation
from tests.factories import make_activity, make_organisation, make_reporting_org, make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def florence(db) -> Organisation:
    return Organisation.objects.get(slug="florence")


@pytest.fixture
def other_authority(db) -> Organisation:
    """A second, fictional reporting authority."""
    return make_reporting_org()


@pytest.fixture
def partner_org(db) -> Organisation:
    return make_organisation(name={"it": "Associazione Ponte", "en": "Ponte Association"})


@pytest.fixture
def activity(other_authority, partner_org):
    """A publishable activity of the fictional authority, with a partner taking part."""
    from opencoop.activities.models import ParticipatingOrg

    record = make_activity(other_authority, "WELLS")
    ParticipatingOrg.objects.create(activity=record, organisation=partner_org, role="4")
    record.save_revision().publish()
    return record


@pytest.fixture
def editor(other_authority):
    return make_user("editor", EDITOR, organisation=other_authority)


@pytest.fixture
def reviewer(other_authority):
    return make_user("reviewer", REVIEWER, organisation=other_authority)


@pytest.fixture
def florence_editor(florence):
    return make_user("florence-editor", EDITOR, organisation=florence)


@pytest.fixture
def florence_reviewer(florence):
    return make_user("florence-reviewer", REVIEWER, organisation=florence)


@pytest.fixture
def administrator():
    return make_user("administrator", ADMINISTRATOR)


@pytest.fixture
def partner(partner_org):
    return make_user(
        "partner", PARTNER, organisation=partner_org, relation=EditorialMembership.PARTNER
    )


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in
