"""The write service: records, parts, revisions, publication, history and indexes in bulk."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from modelsearch.backends import get_search_backend
from wagtail.models import Locale, ModelLogEntry, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from opencoop.activities.models import (
    Activity,
    Budget,
    ParticipatingOrg,
    RecipientCountry,
    Sector,
)
from opencoop.catalogue.row_models import CatalogueRow
from opencoop.catalogue.site_search import site_search
from opencoop.core.writes import Item, WriteRefused, references_of, serialise, write_records
from opencoop.editorial.models import RecordCheck, TranslationState
from tests.factories import (
    add_every_iati_element,
    make_activity,
    make_full_activity,
    make_organisation,
    make_reporting_org,
)

pytestmark = pytest.mark.django_db


def new_activity(authority, code: str, word: str = "") -> Item:
    activity = Activity(
        reporting_org=authority,
        iati_identifier=f"{authority.identifier}-{code}",
        slug=code.lower(),
        title={"it": f"Progetto {code} {word}", "en": f"Project {code} {word}"},
        description={"it": "Descrizione.", "en": "Description."},
        status="2",
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2026, 12, 31),
    )
    partner = make_organisation()
    parts = {
        "participating_orgs": [
            ParticipatingOrg(organisation=authority, role="1"),
            ParticipatingOrg(organisation=partner, role="4"),
        ],
        "recipient_countries": [RecipientCountry(code="BF", percentage=Decimal(100))],
        "budgets": [
            Budget(
                type="1",
                status="1",
                period_start=datetime.date(2025, 1, 1),
                period_end=datetime.date(2025, 12, 31),
                value=Decimal(1000),
                currency="EUR",
            )
        ],
    }
    return Item(activity, parts, name=code)


def index_rows(activity: Activity) -> set[tuple]:
    return set(
        ReferenceIndex.objects.filter(object_id=str(activity.pk))
        .values_list("to_content_type_id", "to_object_id", "model_path", "content_path")
        .order_by()
    )


@pytest.fixture
def authority():
    return make_reporting_org()


def test_a_published_write_leaves_rows_revisions_state_history_and_indexes(
    authority, django_capture_on_commit_callbacks
):
    items = [new_activity(authority, "WELLS", "Zanzibarwells"), new_activity(authority, "SCHOOLS")]
    with django_capture_on_commit_callbacks(execute=True):
        report = write_records(Activity, items, publish=True)
    assert len(report.created) == 2 and report.revisions == 2
    wells = Activity.objects.get(iati_identifier=f"{authority.identifier}-WELLS")
    assert wells.live and not wells.has_unpublished_changes
    assert wells.first_published_at and wells.last_published_at
    revision = Revision.objects.get(object_id=str(wells.pk), content_type__model="activity")
    assert wells.latest_revision_id == wells.live_revision_id == revision.pk
    assert [b["value"] for b in revision.content["budgets"]] == ["1000"]
    assert list(wells.budgets.values_list("value", flat=True)) == [Decimal(1000)]
    assert sorted(wells.participating_orgs.values_list("role", flat=True)) == ["1", "4"]
    actions = ModelLogEntry.objects.filter(object_id=str(wells.pk)).values_list("action", flat=True)
    assert sorted(actions) == ["wagtail.create", "wagtail.publish"]
    # The reference index knows the two organisations the activity's partners are.
    organisations = {
        to_id for _ct, to_id, _m, _c in index_rows(wells) if _m.startswith("participating_orgs")
    }
    assert organisations == {
        str(pk) for pk in wells.participating_orgs.values_list("organisation_id", flat=True)
    }
    groups = site_search("Zanzibarwells", locale=Locale.objects.get(language_code="en"), lang="en")
    hits = [hit.title["en"] for group in groups if group.key == "activities" for hit in group.hits]
    assert hits == ["Project WELLS Zanzibarwells"]


def without_positions(vector: str) -> set[tuple[str, str]]:
    """Return the words of a text-search vector with their weights (A-D), positions left out."""
    return {
        (word, re.sub(r"[0-9,]", "", places) or "D")
        for word, places in re.findall(r"'([^']+)':([0-9A-D,]+)", vector)
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="modelsearch's PostgreSQL index")
def test_the_search_entries_written_from_memory_are_those_modelsearch_writes(authority):
    # Written in the write, from the records in memory, by ``add_index_entries``; then by
    # modelsearch's own ``add_bulk`` from the same records: the same rows, to the byte.
    items = [new_activity(authority, "WELLS", "Zanzibarwells"), new_activity(authority, "BARE")]
    items[1].record.description = {}  # a column with fewer texts: another shape of vector
    items[1].parts["participating_orgs"] = []
    write_records(Activity, items, publish=True)
    ids = [str(item.record.pk) for item in items]
    content_type = ContentType.objects.get_for_model(Activity)
    entries = IndexEntry.objects.filter(content_type=content_type, object_id__in=ids)
    columns = ("object_id", "title", "autocomplete", "body", "title_text", "body_text")
    written = sorted(entries.values_list(*columns))
    assert len(written) == 2 and any("zanzibarwel" in row[3] for row in written)
    entries.delete()
    get_search_backend().add_bulk(Activity, [item.record for item in items])
    assert sorted(entries.values_list(*columns)) == written
    # Read back by Django's own prefetches, as the index was written after the commit before:
    # the same words and weights (their positions follow the order of the languages, which
    # PostgreSQL's JSON reorders).
    entries.delete()
    read_back = list(
        Activity.objects.filter(pk__in=ids)
        .select_related("reporting_org", "partnership")
        .prefetch_related(
            "recipient_countries",
            "locations",
            "sectors",
            "sdg_tags",
            "documents",
            "participating_orgs__organisation",
        )
    )
    get_search_backend().add_bulk(Activity, read_back)
    again = sorted(entries.values_list(*columns))
    for ours, theirs in zip(written, again, strict=True):
        assert [without_positions(v) for v in ours[1:4]] == [
            without_positions(v) for v in theirs[1:4]
        ]
        for column in (4, 5):  # the plain texts, joined by ", " in either order
            assert set(ours[column].replace(",", " ").split()) == set(
                theirs[column].replace(",", " ").split()
            )


def test_the_bulk_reference_index_rows_are_those_wagtail_writes(authority):
    item = new_activity(authority, "CLINIC")
    write_records(Activity, [item], publish=True)
    activity = Activity.objects.get(pk=item.record.pk)
    written = index_rows(activity)
    assert written and {row[:4] for row in references_of(activity)} == written
    ReferenceIndex.objects.filter(object_id=str(activity.pk)).delete()
    ReferenceIndex.create_or_update_for_object(activity)
    assert index_rows(activity) == written
    hashes = set(
        ReferenceIndex.objects.filter(object_id=str(activity.pk)).values_list(
            "content_path_hash", flat=True
        )
    )
    assert {row[4] for row in references_of(activity)} == hashes


def test_the_references_of_every_part_are_those_wagtail_finds(authority):
    # Documents (images and files), results holding indicators holding periods, partners:
    # every level of child rows, compared with Wagtail's own extraction and the public method.
    activity = add_every_iati_element(make_full_activity(authority))
    activity = Activity.objects.get(pk=activity.pk)
    wagtail = set(ReferenceIndex._extract_references_from_object(activity))
    assert len({row[2] for row in wagtail}) > 5
    assert {row[:4] for row in references_of(activity)} == wagtail
    ReferenceIndex.create_or_update_for_object(activity)
    assert index_rows(activity) == wagtail


def test_a_revision_holds_what_modelcluster_serialises(authority):
    # Read back, and in memory as a write holds it (parts not saved, results holding
    # indicators holding periods): the same content as the model's own serializable_data.
    activity = add_every_iati_element(make_full_activity(authority))
    activity = Activity.objects.get(pk=activity.pk)
    assert serialise(activity) == activity.serializable_data()
    assert serialise(activity)["results"][0]["indicators"][0]["periods"]
    item = new_activity(authority, "SERIALISED")
    for relation, rows in item.parts.items():
        setattr(item.record, relation, rows)
    assert serialise(item.record) == item.record.serializable_data()
    assert serialise(authority) == authority.serializable_data()


def test_an_invalid_part_row_refuses_the_batch_naming_record_part_row_and_field(authority):
    before = (Activity.objects.count(), Revision.objects.count(), Budget.objects.count())
    good, bad = new_activity(authority, "GOOD"), new_activity(authority, "BAD")
    bad.parts["recipient_countries"].append(RecipientCountry(code="ZZ", percentage=Decimal(10)))
    with pytest.raises(WriteRefused) as refused:
        write_records(Activity, [good, bad], publish=True)
    [problem] = refused.value.problems
    assert (problem.record, problem.part, problem.row, problem.field) == (
        "BAD",
        "recipient_countries",
        2,
        "code",
    )
    assert str(problem).startswith("BAD: recipient_countries row 2, code: ")
    assert (Activity.objects.count(), Revision.objects.count(), Budget.objects.count()) == before


def test_a_draft_of_a_published_record_stays_in_its_revision(authority):
    activity = make_activity(authority, "DRAFTED")
    activity.save_revision().publish()
    activity.refresh_from_db()
    live_revision = activity.live_revision_id
    activity.title = {"it": "Nuovo titolo", "en": "New title"}
    write_records(
        Activity,
        [Item(activity, {"recipient_countries": [RecipientCountry(code="SN")]})],
        publish=False,
    )
    row = Activity.objects.get(pk=activity.pk)
    assert row.title["en"] == "Project DRAFTED" and row.live and row.has_unpublished_changes
    assert not row.recipient_countries.exists()
    assert row.live_revision_id == live_revision != row.latest_revision_id
    draft = row.get_latest_revision_as_object()
    assert draft.title["en"] == "New title"
    assert [c.code for c in draft.recipient_countries.all()] == ["SN"]


def test_publishing_a_change_replaces_the_parts_and_logs_an_edit(authority):
    activity = make_activity(authority, "CHANGED")
    activity.save_revision().publish()
    activity.refresh_from_db()
    write_records(
        Activity,
        [
            Item(
                activity,
                {"participating_orgs": [ParticipatingOrg(organisation=authority, role="2")]},
            )
        ],
        publish=True,
    )
    row = Activity.objects.get(pk=activity.pk)
    assert list(row.participating_orgs.values_list("role", flat=True)) == ["2"]
    assert row.live_revision_id == row.latest_revision_id
    assert row.latest_revision.content["participating_orgs"][0]["role"] == "2"
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(row.pk), revision=row.latest_revision)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["wagtail.edit", "wagtail.publish"]


def written_queries(items: list[Item], touching: str = "") -> int:
    """Count the write's queries (those whose SQL matches ``touching``, if given)."""
    with CaptureQueriesContext(connection) as queries:
        write_records(Activity, items, publish=True)
    return sum(1 for q in queries.captured_queries if re.search(touching, q["sql"]))


def test_parts_left_out_cost_no_query_per_record(authority):
    # Each item gives three relations of the activity's twenty: the others are read once a
    # relation for the batch (for the revisions and the reference index), not once a record.
    written_queries([new_activity(authority, "FIRST")])  # what is read once and remembered
    two = written_queries([new_activity(authority, f"TWO{n}") for n in range(2)])
    six = written_queries([new_activity(authority, f"SIX{n}") for n in range(6)])
    assert six == two


def test_an_existing_records_parts_left_out_stay_in_its_revision_and_references(authority):
    item = new_activity(authority, "KEPT")
    item.parts["sectors"] = [Sector(vocabulary="1", code="14030")]
    write_records(Activity, [item], publish=True)
    activity = Activity.objects.get(pk=item.record.pk)
    partners = {
        str(pk) for pk in activity.participating_orgs.values_list("organisation_id", flat=True)
    }
    budget = Budget(
        type="1",
        status="1",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        value=Decimal(500),
        currency="EUR",
    )
    write_records(Activity, [Item(activity, {"budgets": [budget]}, name="KEPT")], publish=True)
    activity.refresh_from_db()
    content = activity.latest_revision.content
    assert [s["code"] for s in content["sectors"]] == ["14030"]
    assert [b["value"] for b in content["budgets"]] == ["500"]
    assert len(content["participating_orgs"]) == 2
    referenced = {
        to_id
        for _ct, to_id, path, _c in index_rows(activity)
        if path.startswith("participating_orgs")
    }
    assert referenced == partners
    assert list(activity.sectors.values_list("code", flat=True)) == ["14030"]


def rewritten(authority, codes: list[str]) -> list[Item]:
    items = [new_activity(authority, code) for code in codes]
    write_records(Activity, items, publish=True)
    for item in items:
        item.parts["recipient_countries"] = [RecipientCountry(code="SN", percentage=Decimal(100))]
    return items


# The SQL of the catalogue rows and kept figures.
DERIVED = r'"(catalogue|stats)_'


def test_replacing_parts_marks_no_row_one_by_one_and_leaves_fresh_catalogue_rows(authority):
    # The parts a write replaces go without a handler marking each part's record stale (the
    # write refreshes the catalogue rows and kept figures of every record it wrote, in bulk).
    written_queries(rewritten(authority, ["FIRSTR"]), DERIVED)
    two = rewritten(authority, ["R1", "R2"])
    six = rewritten(authority, [f"R{n}" for n in range(3, 9)])
    # Four more records, each with four parts replaced: fewer than four more queries in all
    # (one a record would be a handler per record; it was 32 more before).
    assert written_queries(six, DERIVED) - written_queries(two, DERIVED) < 4
    rows = CatalogueRow.objects.filter(
        kind=CatalogueRow.ACTIVITY, record_id__in=[item.record.pk for item in six]
    )
    assert [(row.countries, row.stale) for row in rows] == [(["SN"], False)] * 6


def stored_status(activities: list[Activity]) -> list[tuple]:
    ids = [str(a.pk) for a in activities]
    states = TranslationState.objects.filter(content_type__model="activity", object_id__in=ids)
    checks = RecordCheck.objects.filter(content_type__model="activity", object_id__in=ids)
    return [
        *states.order_by("object_id", "language").values_list(
            "object_id", "language", "status", "source_hashes", "missing_fields", "outdated_fields"
        ),
        *checks.order_by("object_id").values_list("object_id", "publishable", "problems"),
    ]


def test_the_status_of_records_changed_in_bulk_is_what_saving_each_stores(authority):
    from opencoop.editorial.services import refresh_changed_status, refresh_record_status

    items = [new_activity(authority, code) for code in ("SAME", "SOURCE", "GONE", "NEW")]
    write_records(Activity, items[:3], publish=True)
    records = [Activity.objects.get(pk=item.record.pk) for item in items[:3]]
    previous = {record.pk: Activity.objects.get(pk=record.pk) for record in records}
    records[1].title = {**records[1].title, "it": "Un altro titolo"}  # the English one lags
    records[2].description = {"en": "Description."}  # the Italian source is gone
    TranslationState.objects.filter(object_id=str(records[0].pk)).delete()  # none stored yet
    RecordCheck.objects.filter(object_id=str(records[0].pk)).delete()

    refresh_changed_status(records, previous)
    in_bulk = stored_status(records)
    assert {row[2] for row in in_bulk if len(row) == 6} >= {"complete", "outdated"}
    for record in records:
        refresh_record_status(record=record, previous=previous[record.pk])
    assert stored_status(records) == in_bulk
