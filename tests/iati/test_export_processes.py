"""An activity file written by several processes is the file one process writes.

The export job and ``iati_export`` write an authority's file in ``OPENCOOP_EXPORT_PROCESSES``
processes (``texts_in_processes``): each writes chunks of the file order and the chunks come back
in order. The processes read the database on connections of their own, so the rows must be
committed: these tests run outside a transaction, on PostgreSQL (elsewhere the export stays in
one process, which the last test checks), in a copy of the test database (``own_database``), so
that emptying it after each test leaves the demo the other tests read where it was.
"""

from __future__ import annotations

import gc

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from opencoop.demo.generator import authority_spec, generate
from opencoop.iati import export
from opencoop.iati.export import iter_activities_xml, reporting_org_activities
from opencoop.organisations.models import Organisation
from tests.factories import make_activity

from .test_export_unchanged import BASE_URL, assert_golden, normalised


def on_postgresql(test):
    """Run ``test`` on PostgreSQL alone, its writes committed, in the module's own database."""
    marks = (
        pytest.mark.skipif(
            connection.vendor != "postgresql", reason="processes need a database they can share"
        ),
        pytest.mark.django_db(transaction=True),
        pytest.mark.usefixtures("own_database"),
    )
    for mark in marks:
        test = mark(test)
    return test


def written(activities, processes: int) -> tuple[bytes, list[tuple[str, list[str]]]]:
    left_out: list[tuple[str, list[str]]] = []
    data = b"".join(
        iter_activities_xml(
            activities,
            base_url=BASE_URL,
            left_out=lambda activity, missing: left_out.append(
                (activity.iati_identifier, [breach.path for breach in missing])
            ),
            processes=processes,
        )
    )
    return normalised(data), left_out


@on_postgresql
def test_a_file_written_by_three_processes_is_the_file_one_writes(monkeypatch):
    generate(activities=40, seed=15, pages=False, index=False)
    authority = Organisation.objects.get(identifier=authority_spec(0).identifier)
    # Two activities the file leaves out (no status): told from the processes, in order.
    for suffix in ("ZZ-NO-STATUS-1", "ZZ-NO-STATUS-2"):
        make_activity(authority, suffix, status="")
    activities = reporting_org_activities(authority)
    # Chunks of 4 activities: each process writes several, and they must come back in order.
    monkeypatch.setattr(export, "CHUNK_SIZE", 4)
    assert export.can_use_processes()

    alone, left_alone = written(activities, 1)
    together, left_together = written(activities, 3)

    assert together == alone
    assert left_together == left_alone
    # What was frozen for the processes' sake is collected again once they are done.
    assert gc.get_freeze_count() == 0
    # The one file the tests pin, complete activities only; the others told, with what they lack.
    assert_golden("generated-activities-file.xml", together)
    assert [identifier[-14:] for identifier, _paths in left_together] == [
        "ZZ-NO-STATUS-1",
        "ZZ-NO-STATUS-2",
    ]
    assert all("activity-status" in " ".join(paths) for _identifier, paths in left_together)


@on_postgresql
def test_the_export_command_writes_the_same_file_in_processes(tmp_path, monkeypatch):
    generate(activities=12, seed=15, pages=False, index=False)
    monkeypatch.setattr(export, "CHUNK_SIZE", 4)  # several chunks: the pool writes them
    identifier = authority_spec(0).identifier
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"

    for path, processes in ((one, 1), (two, 2)):
        call_command(
            "iati_export",
            f"--org={identifier}",
            f"--output={path}",
            f"--processes={processes}",
            f"--base-url={BASE_URL}",
        )

    assert normalised(two.read_bytes()) == normalised(one.read_bytes())
    assert b"<iati-activity " in two.read_bytes()


@on_postgresql
def test_a_selection_of_one_chunk_is_written_without_starting_processes(monkeypatch):
    generate(activities=6, seed=15, pages=False, index=False)
    authority = Organisation.objects.get(identifier=authority_spec(0).identifier)
    make_activity(authority, "ZZ-NO-STATUS-1", status="")
    activities = reporting_org_activities(authority)
    alone, left_alone = written(activities, 1)
    assert activities.count() <= export.CHUNK_SIZE
    assert export.can_use_processes()

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for one chunk")

    monkeypatch.setattr(export.multiprocessing, "get_context", no_pool)
    together, left_together = written(activities, 2)

    assert together == alone
    assert b"<iati-activity " in together
    assert left_together == left_alone
    assert [identifier[-14:] for identifier, _paths in left_together] == ["ZZ-NO-STATUS-1"]


@pytest.mark.django_db
def test_inside_a_transaction_the_export_stays_in_one_process():
    with transaction.atomic():
        assert not export.can_use_processes()
