"""Fixtures of the background-job tests: files kept aside, the worker, users of two authorities."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.users.models import UserProfile

from opencoop.editorial.roles import EDITOR
from tests.factories import make_reporting_org, make_user

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    return settings.MEDIA_ROOT


@pytest.fixture
def every_upload_a_job(settings):
    """Make every upload, however small, a background job."""
    settings.OPENCOOP_JOB_THRESHOLD_MB = 0
    settings.OPENCOOP_JOB_THRESHOLD_ROWS = 0


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("jobrunner", "jobs@example.org", "x-pw-1")
    # The admin speaks the portal's first language (Italian) unless the user chooses another.
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def authority(db):
    return make_reporting_org()


@pytest.fixture
def other_authority(db):
    return make_reporting_org(
        identifier="XI-EXAMPLE-OTHER",
        name={"it": "Comune di Altrove", "en": "Municipality of Altrove"},
        slug="altrove",
    )


@pytest.fixture
def editor(authority):
    return make_user("jobs-editor", EDITOR, organisation=authority)


@pytest.fixture
def other_editor(other_authority):
    return make_user("jobs-other", EDITOR, organisation=other_authority)


def many_activities(count: int) -> bytes:
    """Return an IATI 2.02 file of ``count`` activities, copies of the sample's first one."""
    sample = (DATA / "foreign-2.02.xml").read_text()
    start = sample.index("  <iati-activity>")
    activity = sample[start : sample.index("</iati-activity>", start) + len("</iati-activity>")]
    copies = [
        activity.replace("XI-EXAMPLE-NGO2-A<", f"XI-EXAMPLE-NGO2-A{number:05d}<")
        for number in range(count)
    ]
    return (sample[:start] + "\n".join(copies) + "\n</iati-activities>\n").encode()


def run_worker() -> None:
    """Run every queued task of the jobs backend once, as ``db_worker`` does, then stop.

    The worker drops connections it finds outside autocommit; in a test, that is the test's own
    transaction (PostgreSQL would lose it), so the check is left out here and only here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command(
            "db_worker",
            "--batch",
            "--backend",
            "jobs",
            "--no-startup-delay",
            "--no-reload",
            verbosity=0,
        )


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def words(element) -> str:
    return " ".join(element.get_text().split())
