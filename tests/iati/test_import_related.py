"""Re-importing an activity that states related activities (found while harvesting)."""

from __future__ import annotations

import io

import pytest

from opencoop.activities.models import Activity
from opencoop.iati.export import iter_activities_xml
from opencoop.iati.importer import PER_ACTIVITY, import_activity_file
from tests.factories import make_full_activity, make_reporting_org

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.org/"


def test_an_activity_with_stated_related_activities_imports_again_unchanged():
    activity = make_full_activity(make_reporting_org(), suffix="RELATED")
    assert activity.related_activities.exists()
    data = b"".join(iter_activities_xml(Activity.objects.filter(pk=activity.pk), base_url=BASE_URL))
    report = import_activity_file(
        stream=io.BytesIO(data), file_name="again.xml", base_url=BASE_URL, mode=PER_ACTIVITY
    )
    assert report.ok and report.applied, [str(issue) for issue in report.file_errors]
    assert report.unchanged == [activity.iati_identifier]
