"""Tests of what the import leaves behind for activities it writes in bulk (new ones)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from wagtail.models import ModelLogEntry, Revision

from opencoop.activities.models import Activity, Transaction
from opencoop.editorial.models import RecordCheck, TranslationState
from opencoop.iati import importer
from opencoop.iati.importer import import_activity_file

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "iati"


def test_a_new_activity_gets_one_published_revision_and_its_history():
    report = import_activity_file(stream=(DATA / "foreign-2.02.xml").open("rb"))
    assert report.ok and len(report.created) == 3
    activity = Activity.objects.get(iati_identifier="XI-EXAMPLE-NGO2-A")

    assert activity.live and not activity.has_unpublished_changes
    assert activity.first_published_at is not None
    [revision] = Revision.objects.filter(object_id=str(activity.pk), content_type__model="activity")
    assert activity.latest_revision_id == activity.live_revision_id == revision.pk
    # The revision holds the activity with its parts, as a save in the editor would.
    stored = revision.as_object()
    assert stored.iati_identifier == "XI-EXAMPLE-NGO2-A"
    assert [t.value for t in stored.transactions.all()] == [
        t.value for t in Transaction.objects.filter(activity=activity)
    ]
    actions = set(
        ModelLogEntry.objects.filter(object_id=str(activity.pk)).values_list("action", flat=True)
    )
    assert actions == {"wagtail.create", "wagtail.publish"}
    # The editorial dashboard knows it: its publication check and translation status are stored.
    assert RecordCheck.objects.filter(object_id=str(activity.pk)).exists()
    assert TranslationState.objects.filter(object_id=str(activity.pk)).exists()


def test_a_new_sub_activity_is_linked_to_its_parent_in_its_row_and_revision():
    report = import_activity_file(stream=(DATA / "foreign-2.01.xml").open("rb"))
    assert report.ok, report.errors
    linked = Activity.objects.filter(parent__isnull=False)
    assert linked.exists()
    for child in linked:
        assert child.latest_revision.content["parent"] == child.parent_id
        assert child.revisions.count() == 1


def test_a_bad_activity_in_a_later_batch_undoes_the_earlier_batches(monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 1)
    data = (DATA / "foreign-2.02.xml").read_bytes()
    # The third activity gets a date the calendar does not have.
    broken = data.replace(b'iso-date="2026-01-01"', b'iso-date="2026-13-01"')
    before = (Activity.objects.count(), Revision.objects.count(), ModelLogEntry.objects.count())

    report = import_activity_file(stream=io.BytesIO(broken))

    assert not report.ok
    # The schema and the reader each say the date is wrong.
    assert {(e.identifier, e.line) for e in report.errors} == {("XI-EXAMPLE-NGO2-C", 46)}
    after = (Activity.objects.count(), Revision.objects.count(), ModelLogEntry.objects.count())
    assert after == before


def test_a_dry_run_of_new_activities_writes_nothing():
    before = (Activity.objects.count(), Revision.objects.count(), RecordCheck.objects.count())
    report = import_activity_file(stream=(DATA / "foreign-2.02.xml").open("rb"), dry_run=True)
    assert report.ok and len(report.created) == 3 and not report.applied
    after = (Activity.objects.count(), Revision.objects.count(), RecordCheck.objects.count())
    assert after == before


def test_the_status_stored_in_bulk_is_what_a_save_in_the_editor_stores():
    from opencoop.editorial.services import refresh_record_status

    import_activity_file(stream=(DATA / "foreign-2.01.xml").open("rb"))

    def stored() -> list[tuple]:
        states = TranslationState.objects.filter(content_type__model="activity")
        states = states.order_by("object_id", "language").values_list(
            "object_id", "language", "status", "source_hashes", "missing_fields"
        )
        checks = RecordCheck.objects.filter(content_type__model="activity")
        checks = checks.order_by("object_id").values_list("object_id", "publishable", "problems")
        return [*states, *checks]

    in_bulk = stored()
    assert in_bulk
    for activity in Activity.objects.all():
        refresh_record_status(record=activity, previous=None)
    assert stored() == in_bulk


def test_an_import_of_several_batches_announces_its_records_once(monkeypatch):
    from opencoop.core.writes import records_written

    monkeypatch.setattr(importer, "BATCH", 1)
    announced = []

    def receiver(sender, records, **kwargs):
        announced.append((sender, sorted((r.pk, r.reporting_org_id) for r in records)))

    records_written.connect(receiver, dispatch_uid="test-announced-once")
    try:
        report = import_activity_file(stream=(DATA / "foreign-2.02.xml").open("rb"))
    finally:
        records_written.disconnect(dispatch_uid="test-announced-once")

    assert report.ok and len(report.created) == 3
    written = Activity.objects.filter(iati_identifier__in=report.created)
    assert announced == [(Activity, sorted(written.values_list("pk", "reporting_org_id")))]


def _copies_of_first_activity(count: int) -> bytes:
    """Return a file holding ``count`` copies of the first activity, each its own identifier."""
    data = (DATA / "foreign-2.02.xml").read_text()
    head, rest = data.split("<iati-activity>", 1)
    activity = "<iati-activity>" + rest.split("</iati-activity>", 1)[0] + "</iati-activity>"
    copies = [
        activity.replace("XI-EXAMPLE-NGO2-A<", f"XI-EXAMPLE-NGO2-A{number}<")
        for number in range(count)
    ]
    return (head + "\n".join(copies) + "\n</iati-activities>\n").encode()


def test_re_importing_unchanged_activities_asks_no_query_per_activity():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import_activity_file(stream=io.BytesIO(_copies_of_first_activity(6)))
    counts = []
    for count in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            report = import_activity_file(stream=io.BytesIO(_copies_of_first_activity(count)))
        assert report.ok and len(report.unchanged) == count, report.errors
        counts.append(len(queries))
    assert counts[0] == counts[1]
