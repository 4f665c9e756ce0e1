"""Write many editorial records at once: validated, in bulk, with revisions, published or not.

The one write path of the IATI import, the spreadsheet import, the demo loader and the generator.
Saving and publishing records one by one costs dozens of queries and signals each (the row, every
part, the revision, the publication, the log, the reference and search indexes, the page cache);
``write_records`` leaves the same rows behind in a few statements per batch. The admin's
single-record save keeps Wagtail's own path.

What a write leaves behind, as Wagtail's save and publish would: the record's row and its parts
(replacing the parts it had), one revision holding both, the publication state (``live``,
``has_unpublished_changes``, first and last publication, latest and live revision), the history
entries, the editorial status (translation states and publication check), Wagtail's reference
index, the search index (in the transaction when the index is kept in the database, else once
it commits) and the page cache. A draft of a published record is kept in its revision only: the
public row stays as it was.

Not handled: scheduled publication (``go_live_at`` in the future) and workflows, which the
callers start themselves on the records returned.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRel
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery, prefetch_related_objects
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.encoding import force_str, is_protected_type
from modelcluster.fields import ParentalKey
from modelcluster.models import (
    ClusterableModel,
    get_all_child_m2m_relations,
    get_all_child_relations,
    get_field_value,
)
from modelsearch.backends import get_search_backends
from wagtail.models import ModelLogEntry, ReferenceIndex, Revision, RevisionMixin
from wagtail.signal_handlers import disable_reference_index_auto_update

from opencoop.core.bulk import analyze_grown_tables, insert_rows, insert_values, update_rows
from opencoop.core.queries import among_ids

BATCH = 500
# Sent inside the write's transaction, once per call, with ``records`` (every row written):
# what is derived from records and kept beside them (the kept figures) is brought up to date there.
records_written = Signal()
# Inside ``announce_once``: the keys of the records written so far, by model and primary key.
_collected: ContextVar[dict[type[models.Model], dict[object, models.Model]] | None] = ContextVar(
    "records_written_collected", default=None
)
# True while a write deletes the parts it replaces: the write itself refreshes what is derived
# from its records (``records_written``), so handlers of each deleted row need not (``replacing_parts``).
_replacing: ContextVar[bool] = ContextVar("replacing_parts", default=False)
# Fields a write sets itself: the revision pointers come from the revisions it creates.
REVISION_POINTERS = ("latest_revision", "live_revision")


@dataclass
class Item:
    """One record to write, new (no primary key) or changed, with the parts it now has.

    ``parts`` maps a child relation (``"budgets"``) to every row it holds from now on; a
    relation left out keeps its rows. ``name`` is how messages name the record (a line of a
    file, a project code); its ``str()`` otherwise.
    """

    record: models.Model
    parts: dict[str, list[models.Model]] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class Problem:
    """Why a record cannot be written: which record, which part and row, which field."""

    record: str
    field: str
    message: str
    part: str = ""
    row: int | None = None  # 1-based position among the part's rows

    def __str__(self) -> str:
        where = f"{self.part} row {self.row}, " if self.part else ""
        return f"{self.record}: {where}{self.field or 'record'}: {self.message}"


class WriteRefused(Exception):
    """Some records do not validate; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems[:10])))
        self.problems = problems


@dataclass
class WriteReport:
    """The records written (as objects holding their new primary keys and revisions)."""

    created: list[models.Model] = field(default_factory=list)
    changed: list[models.Model] = field(default_factory=list)
    revisions: int = 0


# Entry point -------------------------------------------------------------------------------------
def write_records(
    model: type[models.Model],
    items: Sequence[Item],
    *,
    publish: bool,
    user=None,
    validate: bool = True,
    clean: bool = True,
    revisions: bool = True,
    index: bool = True,
    batch_size: int | None = None,
    on_batch: Callable[[Sequence[Item]], None] | None = None,
) -> WriteReport:
    """Validate ``items`` of ``model``, then write them all in one transaction, or nothing.

    ``publish`` makes the new content live; otherwise it is a draft revision. ``validate``
    checks every field of the records and of their parts (foreign keys are left to the
    database: checking them costs a query each) and, with ``clean``, the models' cross-field
    rules; any problem raises ``WriteRefused`` naming the record, part, row and field before
    anything is written. ``revisions=False`` writes live rows with no revision or history (the
    generator's benchmark data). ``index=False`` leaves the search index to the caller.
    ``on_batch`` is called with each batch's items once they are written (a job's progress;
    nothing is committed before the end).
    """
    items = list(items)
    batch_size = batch_size or BATCH
    if validate:
        problems = validation_problems(model, items, clean=clean)
        if problems:
            raise WriteRefused(problems)
    report = WriteReport()
    with transaction.atomic(), disable_reference_index_auto_update():
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            _write_batch(
                model, batch, report, publish=publish, user=user, revisions=revisions, index=index
            )
            if on_batch is not None:
                on_batch(batch)
        _announce(model, report)
    return report


def _announce(model: type[models.Model], report: WriteReport) -> None:
    """Tell what keeps figures of the records that they were written (``records_written``)."""
    records = report.created + report.changed
    collected = _collected.get()
    if collected is not None:
        keys = collected.setdefault(model, {})
        for record in records:
            keys[record.pk] = _keys_of(record)
    elif records:
        analyze_grown_tables()
        records_written.send(sender=model, records=records)


def replacing_parts() -> bool:
    """Tell whether a row is being deleted by a write replacing its record's parts.

    Handlers that mark a record's derived figures or catalogue row as changed when one of its
    part rows goes may skip it then: the write refreshes both for every record it wrote, in its
    transaction; marking each of thousands of rows first costs queries for nothing.
    """
    return _replacing.get()


@contextmanager
def announce_once() -> Iterator[None]:
    """Send ``records_written`` once for every write inside, when it ends without an error.

    An import writes a batch at a time; what is derived from the records (the kept figures of
    their authority, whose cost grows with what the authority holds) is then brought up to date
    once rather than after every batch. Call it inside the transaction of the writes. Meanwhile
    only each record's keys are held (``_keys_of``), so memory does not grow with the records'
    content. Nested, the outermost one announces.
    """
    if _collected.get() is not None:
        yield
        return
    collected: dict[type[models.Model], dict[object, models.Model]] = {}
    token = _collected.set(collected)
    try:
        yield
    finally:
        _collected.reset(token)
    if any(collected.values()):
        analyze_grown_tables()
    for model, records in collected.items():
        if records:
            records_written.send(sender=model, records=list(records.values()))


def _keys_of(record: models.Model) -> models.Model:
    """Return ``record`` with only its primary and foreign keys loaded (the others deferred)."""
    meta = record._meta
    names = [f.attname for f in meta.concrete_fields if f.primary_key or f.is_relation]
    return type(record).from_db(record._state.db, names, [getattr(record, n) for n in names])


# Validation --------------------------------------------------------------------------------------
def validation_problems(
    model: type[models.Model], items: Iterable[Item], *, clean: bool = True
) -> list[Problem]:
    """Return what stops ``items`` from being written (field checks, and model rules if ``clean``)."""
    problems: list[Problem] = []
    with translation.override("en"):
        for position, item in enumerate(items, start=1):
            name = item.name or str(item.record) or f"record {position}"
            problems += _check(item.record, name, "", None, clean)
            for relation, rows in item.parts.items():
                may_be_blank = _may_be_blank(model, relation)
                for number, row in enumerate(rows, start=1):
                    skip = [n for n in may_be_blank if getattr(row, n) in ("", None)]
                    problems += _check(row, name, relation, number, clean, skip)
                    problems += _held_problems(row, name, relation, number, clean)
    return problems


def _held_problems(
    row: models.Model, name: str, relation: str, number: int, clean: bool
) -> list[Problem]:
    """Check the rows a part's row holds (a result's indicators), named by their place."""
    problems = []
    for _owner, inner, rows in _held_rows([row]):
        for position, child in enumerate(rows, start=1):
            where = f"{relation} row {number}, {inner}"
            problems += _check(child, name, where, position, clean)
            problems += _held_problems(child, name, where, position, clean)
    return problems


def _may_be_blank(model: type[models.Model], relation: str) -> frozenset[str]:
    from opencoop.activities.models import Activity
    from opencoop.activities.parts import BY_RELATION

    if model is Activity and relation in BY_RELATION:
        return BY_RELATION[relation].may_be_blank
    return frozenset()


def _check(
    instance: models.Model,
    name: str,
    part: str,
    row: int | None,
    clean: bool,
    skip: Sequence[str] = (),
) -> list[Problem]:
    exclude = [*skip, *(f.name for f in instance._meta.fields if f.is_relation)]
    problems = []
    checks = [lambda: instance.clean_fields(exclude=exclude)]
    if clean:
        checks.append(instance.clean)
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                label = "" if field_name == "__all__" else field_name
                problems += [Problem(name, label, m, part, row) for m in messages]
    return problems


# Writing -----------------------------------------------------------------------------------------
def _relation(model: type[models.Model], relation: str) -> tuple[type[models.Model], str]:
    """Return the model of a child relation and the name of its key to the parent."""
    rel = model._meta.get_field(relation)
    return rel.related_model, rel.field.name


def _content_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in REVISION_POINTERS
    ]


def _write_batch(
    model: type[models.Model],
    items: list[Item],
    report: WriteReport,
    *,
    publish: bool,
    user,
    revisions: bool,
    index: bool,
) -> None:
    now = timezone.now()
    new = [item for item in items if item.record.pk is None]
    existing = [item for item in items if item.record.pk is not None]
    previous = _previous_versions([item.record for item in existing]) if revisions else {}
    # A draft of a published record lives in its revision: the public row keeps its content.
    drafts_of_live = [i for i in existing if not publish and i.record.live]
    rewritten = [i for i in existing if publish or not i.record.live]
    for item in items:
        record = item.record
        if publish:
            record.live, record.has_unpublished_changes = True, False
            record.first_published_at = record.first_published_at or now
            record.last_published_at = now
        else:
            record.live = False if record.pk is None else record.live
            record.has_unpublished_changes = True
    insert_rows(model, [item.record for item in new])
    if rewritten:
        update_rows(model, [i.record for i in rewritten], _content_fields(model))
    if drafts_of_live:
        model.objects.filter(among_ids("pk", [i.record.pk for i in drafts_of_live])).update(
            has_unpublished_changes=True
        )
    _write_parts(model, new + rewritten, replace={i.record.pk for i in rewritten})
    for item in items:
        # In memory, so that each revision and check is built without a query.
        for relation, rows in item.parts.items():
            setattr(item.record, relation, rows)
    _hold_other_parts(model, items)
    written = [item.record for item in new + rewritten]
    if revisions:
        created = _write_revisions(
            model, items, new={id(i.record) for i in new}, publish=publish, user=user, now=now
        )
        report.revisions += len(created)
        _refresh_editorial_status([i.record for i in new], [i.record for i in existing], previous)
    elif rewritten:
        # Their older revisions no longer hold what the rows hold.
        model.objects.filter(among_ids("pk", [i.record.pk for i in rewritten])).update(
            latest_revision=None, live_revision=None
        )
    update_reference_index(written)
    if written:
        from opencoop.operations.pagecache import content_changed

        content_changed()  # bulk writes send no signal: tell the page cache once per batch
    if index and written:
        _index_written(model, written)
    report.created += [item.record for item in new]
    report.changed += [item.record for item in existing]


def _hold_other_parts(model: type[models.Model], items: list[Item]) -> None:
    """Read the parts the items leave out once per relation, so no later step reads them per record.

    The revisions and the reference index walk every child relation of a record: a relation
    neither written nor read would cost one query per record and relation (seven an activity
    for the generator). A prefetch, unlike rows held as the record's own, is not written back
    by a later ``save()``.
    """
    if not issubclass(model, ClusterableModel):
        return
    left_out: dict[str, list[models.Model]] = {}
    for relation in get_all_child_relations(model):
        name = relation.get_accessor_name()
        left_out[name] = [item.record for item in items if name not in item.parts]
    for name, records in left_out.items():
        if records:
            prefetch_related_objects(records, name)


def _write_parts(model: type[models.Model], items: list[Item], *, replace: set[int]) -> None:
    """Insert the items' parts, replacing the rows the records in ``replace`` had."""
    relations = {relation for item in items for relation in item.parts}
    for relation in sorted(relations):
        child_model, key = _relation(model, relation)
        owners = [i.record.pk for i in items if relation in i.parts and i.record.pk in replace]
        # What the rows hold in turn (a result's indicators), read before the old rows go.
        held = _held_rows([row for item in items for row in item.parts.get(relation, [])])
        if owners:
            token = _replacing.set(True)
            try:
                child_model.objects.filter(among_ids(f"{key}_id", owners)).delete()
            finally:
                _replacing.reset(token)
        rows = []
        for item in items:
            rows += _placed(item.parts.get(relation, []), key, item.record)
        insert_rows(child_model, rows)
        _write_held(held)


def _placed(rows: list[models.Model], key: str, parent: models.Model) -> list[models.Model]:
    """Point ``rows`` at ``parent`` as new rows, in their order (sort order kept if set)."""
    for position, row in enumerate(rows):
        setattr(row, key, parent)
        row.pk = None
        order_field = getattr(type(row), "sort_order_field", None)
        if order_field and getattr(row, order_field) is None:
            setattr(row, order_field, position)
    return rows


def _held_rows(rows: list[models.Model]) -> list[tuple[models.Model, str, list[models.Model]]]:
    """Return (row, relation, its rows) of each child relation of clusterable ``rows``."""
    held = []
    for row in rows:
        if isinstance(row, ClusterableModel):
            for relation in get_all_child_relations(type(row)):
                name = relation.get_accessor_name()
                held.append((row, name, list(getattr(row, name).all())))
    return held


def _write_held(held: list[tuple[models.Model, str, list[models.Model]]]) -> None:
    """Insert the rows the parts hold (written after them, their owners' keys now known)."""
    by_relation: dict[tuple[type, str], list[tuple[models.Model, list[models.Model]]]] = {}
    for owner, relation, rows in held:
        by_relation.setdefault((type(owner), relation), []).append((owner, rows))
    for (owner_model, relation), groups in by_relation.items():
        child_model, key = _relation(owner_model, relation)
        deeper = _held_rows([row for _owner, rows in groups for row in rows])
        rows = []
        for owner, owned in groups:
            rows += _placed(owned, key, owner)
            setattr(owner, relation, owned)  # in memory, for the revision
        insert_rows(child_model, rows)
        _write_held(deeper)


def _previous_versions(records: list[models.Model]) -> dict[int, models.Model]:
    """Return each record's latest version before this write, by primary key (one query)."""
    ids = [r.latest_revision_id for r in records if getattr(r, "latest_revision_id", None)]
    return {
        int(revision.object_id): revision.as_object()
        for revision in Revision.objects.filter(pk__in=ids)
    }


def _write_revisions(
    model: type[models.Model], items: list[Item], *, new: set[int], publish: bool, user, now
) -> list[Revision]:
    """Create one revision per record, point the records at it and record the history.

    ``new`` holds the ``id()`` of the records created by this write (their history starts).
    """
    records = [item.record for item in items]
    content_type = ContentType.objects.get_for_model(model)
    base_content_type = records[0].get_base_content_type()
    created = [
        Revision(
            content_type=content_type,
            base_content_type=base_content_type,
            object_id=str(record.pk),
            created_at=now,
            user=user,
            content=serialise(record),
            object_str=str(record)[:255],
        )
        for record in records
    ]
    insert_rows(Revision, created)
    entries = []
    for record, revision in zip(records, created, strict=True):
        is_new = id(record) in new
        record.latest_revision = revision
        if publish:
            record.live_revision = revision
        actions = ["wagtail.create" if is_new else "wagtail.edit"]
        entries += [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(record.pk),
                label=str(record)[:255],
                action=action,
                timestamp=now,
                data={},
                user=user,
                revision=revision,
                content_changed=True,
            )
            for action in (*actions, *(["wagtail.publish"] if publish else []))
        ]
    # One statement (a bulk update would write a CASE of 500 branches per column): each
    # record's newest revision, the one just created, found by its index on the object.
    newest = Subquery(
        Revision.objects.filter(
            content_type=content_type, object_id=Cast(OuterRef("pk"), models.CharField())
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    model.objects.filter(among_ids("pk", [r.pk for r in records])).update(
        latest_revision=newest, **({"live_revision": newest} if publish else {})
    )
    insert_rows(ModelLogEntry, entries)
    return created


def serialise(record: models.Model) -> dict:
    """Return ``record.serializable_data()``: the content of a revision, record and parts.

    Modelcluster works out anew for every row which of its fields and child relations to
    serialise and how (a walk of the model's fields per row, some hundred rows an activity);
    the plan (``_serialiser``) is made once per model. Models that serialise themselves
    otherwise keep their own method.
    """
    plan = _serialiser(type(record))
    return plan.data(record) if plan is not None else record.serializable_data()


@dataclass(frozen=True)
class _Serialiser:
    """How modelcluster serialises the rows of one model: fields, then child relations."""

    fields: tuple[tuple[str, Callable[[models.Model], object]], ...]
    children: tuple[tuple[str, _Serialiser], ...]
    m2m: tuple[str, ...]

    def data(self, obj: models.Model) -> dict:
        data = {name: value(obj) for name, value in self.fields}
        for relation, plan in self.children:
            data[relation] = [plan.data(child) for child in getattr(obj, relation).all()]
        for name in self.m2m:
            data[name] = [child.pk for child in getattr(obj, name).all()]
        return data


# The serialisations ``_serialiser`` copies (the others are the model's own).
_MODELCLUSTER_SERIALISATIONS = {
    getattr(ClusterableModel, "serializable_data", None),
    getattr(RevisionMixin, "serializable_data", None),
    None,
}


@functools.cache
def _serialiser(model: type[models.Model]) -> _Serialiser | None:
    """Return modelcluster's serialisation of ``model`` as a plan, or None if it has its own."""
    if getattr(model, "serializable_data", None) not in _MODELCLUSTER_SERIALISATIONS:
        return None
    pk_field = model._meta.pk
    while pk_field.remote_field and pk_field.remote_field.parent_link:
        pk_field = pk_field.remote_field.model._meta.pk
    fields = [("pk", _field_value(pk_field))]
    fields += [(f.name, _field_value(f)) for f in model._meta.fields if f.serialize]
    children, m2m = [], ()
    # A row of a model with no serializable_data is serialised by its fields alone.
    if hasattr(model, "serializable_data") and issubclass(model, ClusterableModel):
        for relation in get_all_child_relations(model):
            plan = _serialiser(relation.related_model)
            if plan is None:
                return None
            if not hasattr(relation.related_model, "serializable_data"):
                plan = _Serialiser(plan.fields, (), ())
            children.append((relation.get_accessor_name(), plan))
        m2m = tuple(f.name for f in get_all_child_m2m_relations(model) if f.serialize)
    return _Serialiser(tuple(fields), tuple(children), m2m)


def _field_value(model_field: models.Field) -> Callable[[models.Model], object]:
    """Return modelcluster's ``get_field_value`` for one field, reading plain fields directly."""
    if model_field.remote_field is not None:
        return attrgetter(model_field.attname)
    plain = type(model_field).pre_save is models.Field.pre_save
    if isinstance(model_field, models.DateField):
        plain = not (model_field.auto_now or model_field.auto_now_add)
    if not plain or not settings.USE_TZ:
        return functools.partial(get_field_value, model_field)
    attname = model_field.attname

    def value(obj: models.Model) -> object:
        found = getattr(obj, attname)
        if found is None or type(found) in _PROTECTED:
            return found
        if isinstance(found, datetime.datetime):
            if timezone.is_naive(found):
                found = timezone.make_aware(found, timezone.get_default_timezone())
            return found.astimezone(datetime.UTC)
        if is_protected_type(found):
            return found
        return model_field.value_to_string(obj)

    return value


# Values modelcluster keeps as they are (``is_protected_type``), the common ones by type.
_PROTECTED = frozenset({int, float, bool, Decimal, datetime.date, datetime.time})


def _refresh_editorial_status(
    new: list[models.Model], existing: list[models.Model], previous: dict[int, models.Model]
) -> None:
    """Store translation states and publication checks, as saving a revision would."""
    from opencoop.editorial.scope import is_record_model
    from opencoop.editorial.services import refresh_changed_status, refresh_first_status

    records = new + existing
    if not records or not is_record_model(type(records[0])):
        return
    refresh_first_status(new)
    refresh_changed_status(existing, previous)


# Indexes -----------------------------------------------------------------------------------------
def update_reference_index(records: list[models.Model]) -> None:
    """Bring Wagtail's reference index up to date for ``records`` in two statements."""
    if not records or not ReferenceIndex.model_is_indexable(type(records[0])):
        return
    model = type(records[0])
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    base_content_type = records[0].get_base_content_type()
    plan = reference_plan(model)
    ReferenceIndex.objects.filter(
        base_content_type=base_content_type, object_id__in=[str(r.pk) for r in records]
    ).delete()
    # Values, not objects: about ten rows an activity, read by nothing here.
    rows = [
        (content_type.pk, base_content_type.pk, record.pk, *reference)
        for record in records
        for reference in _references(record, plan)
    ]
    names = ("content_type_id", "base_content_type_id", "object_id", "to_content_type_id")
    names += ("to_object_id", "model_path", "content_path", "content_path_hash")
    insert_values(ReferenceIndex, names, rows, ignore_conflicts=True)


def references_of(record: models.Model) -> set[tuple]:
    """Return what ``record`` refers to, as rows of Wagtail's reference index would hold it.

    Wagtail's public ``ReferenceIndex.create_or_update_for_object`` reads and writes the index
    object by object (three queries each); a batch of records needs only the references. Wagtail
    finds them by asking every field of every row whether it refers to something, a few hundred
    questions an activity; ``plan`` (``reference_plan``) asks them once per model. Models with
    fields holding references in their content (stream and rich text fields, generic keys) keep
    Wagtail's own extraction, a private method called only here. ``tests/core/test_writes.py``
    compares the result with the public method's rows, so that a change in Wagtail fails a test
    instead of the index. The hash of each content path is Wagtail's (``_get_content_path_hash``)
    for the same reason.
    """
    return _references(record, reference_plan(type(record)))


def _references(record: models.Model, plan: _ReferencePlan | None) -> set[tuple]:
    if plan is None:
        references = ReferenceIndex._extract_references_from_object(record)
    else:
        references = plan.references(record)
    return {
        (*reference, ReferenceIndex._get_content_path_hash(reference[3]))
        for reference in references
    }


@dataclass(frozen=True)
class _ReferencePlan:
    """Where the rows of one model refer to others: its foreign keys and child relations."""

    # (field name, attribute, id of the base content type of the model referred to)
    keys: tuple[tuple[str, str, int], ...]
    # (accessor of a child relation, the plan of its rows)
    children: tuple[tuple[str, _ReferencePlan], ...]

    def references(self, obj: models.Model) -> Iterator[tuple[int, str, str, str]]:
        """Yield what Wagtail's ``_extract_references_from_object`` yields for ``obj``."""
        for name, attname, content_type_id in self.keys:
            value = getattr(obj, attname)
            if value is not None:
                yield content_type_id, str(value), name, name
        for relation, plan in self.children:
            for child in getattr(obj, relation).all():
                prefix = f"{relation}.{child.pk}."
                for to_type, to_id, model_path, content_path in plan.references(child):
                    yield to_type, to_id, f"{relation}.item.{model_path}", prefix + content_path


def reference_plan(model: type[models.Model]) -> _ReferencePlan | None:
    """Return where ``model``'s rows refer to others, as Wagtail's extraction looks for it.

    None when a field of ``model`` or of its child rows holds references in its content
    (``extract_references``) or is a generic key: Wagtail's extraction handles those. Made
    once per write (content type ids are the database's).
    """
    keys = []
    for model_field in model._meta.get_fields():
        if hasattr(model_field, "extract_references") or isinstance(model_field, GenericForeignKey):
            return None
        if not (model_field.is_relation and model_field.many_to_one):
            continue
        if getattr(model_field, "wagtail_reference_index_ignore", False) or getattr(
            model_field.related_model, "wagtail_reference_index_ignore", False
        ):
            continue
        if isinstance(model_field, (ParentalKey, GenericRel)):
            continue
        to_type = ReferenceIndex._get_base_content_type(model_field.related_model).id
        keys.append((model_field.name, model_field.attname, to_type))
    children = []
    if issubclass(model, ClusterableModel):
        for relation in get_all_child_relations(model):
            plan = reference_plan(relation.related_model)
            if plan is None:
                return None
            children.append((relation.get_accessor_name(), plan))
    return _ReferencePlan(tuple(keys), tuple(children))


def _index_written(model: type[models.Model], records: list[models.Model]) -> None:
    """Index the records just written: now from memory where the index shares their database.

    An index kept in the database (Wagtail's database backends) is written inside the write's
    transaction, from the rows and parts the batch holds: reading every record back after the
    commit to index it cost as much again as writing it. A rollback undoes it with the rows.
    Other backends (OpenSearch) would keep entries of a rolled-back write: they get the records
    once the transaction commits, read back.
    """
    backends = list(get_search_backends(with_auto_update=True))
    if not backends or not hasattr(model, "search_fields"):
        return
    here = [backend for backend in backends if _in_database(backend)]
    if here:
        _add_to_index(model, records, here)
    later = [backend for backend in backends if backend not in here]
    if later:
        pks = [record.pk for record in records]
        transaction.on_commit(lambda: index_records(model, pks, backends=later))


def _in_database(backend) -> bool:
    """Say whether ``backend`` keeps its index in the database (and so in its transactions)."""
    return type(backend).__module__.startswith("modelsearch.backends.database")


def index_records(model: type[models.Model], pks: list[int], *, backends=None) -> None:
    """Add the records to the search index, read back in chunks with what the index reads.

    ``backends`` defaults to those kept up to date on save.
    """
    from opencoop.activities.models import Activity
    from opencoop.catalogue.indexing import activities_for_index

    if backends is None:
        backends = list(get_search_backends(with_auto_update=True))
    if not backends or not hasattr(model, "search_fields"):
        return
    for start in range(0, len(pks), BATCH):
        chunk = pks[start : start + BATCH]
        if model is Activity:
            records = activities_for_index(chunk)
        else:
            records = list(model.objects.filter(among_ids("pk", chunk)))
        _add_to_index(model, records, backends)


def _add_to_index(model: type[models.Model], records: list[models.Model], backends: list) -> None:
    """Add ``records`` (parts fetched or in memory) to the index of each of ``backends``."""
    from opencoop.activities.models import Activity
    from opencoop.catalogue.indexing import add_to_search_index
    from opencoop.catalogue.spelling import learn_public_records

    if model is Activity:
        # What the search text reads beyond the parts: the organisations the rows point at
        # (in memory when the write resolved them; a query per relation otherwise).
        prefetch_related_objects(records, "reporting_org", "partnership")
        participants = [row for record in records for row in record.participating_orgs.all()]
        prefetch_related_objects(participants, "organisation")
        add_to_search_index(records, backends=backends)
        return
    for backend in backends:
        add_index_entries(backend, model, records)
    learn_public_records(records)  # their words, for "did you mean"


def add_index_entries(backend, model: type[models.Model], records: list[models.Model]) -> None:
    """Write the search index entries of ``records``, as ``backend.add_bulk`` does.

    Modelsearch's PostgreSQL index walks every search field of a record five times (once for
    each column it fills) and compiles a text-search expression for each column of each record
    through Django's SQL compiler: two thirds of what indexing an import cost. Here the fields
    are read once a record and each shape of expression (the weights of its texts) is compiled
    once, the texts passed as parameters, into the same statement modelsearch writes. This uses
    modelsearch's private ``ObjectIndexer`` and ``PostgresIndex``, only here;
    ``tests/core/test_writes.py`` compares the rows with those of ``add_bulk``, so that a change
    in modelsearch fails a test instead of the index. Other backends use their own ``add_bulk``.
    """
    try:
        from modelsearch.backends.database.postgres.postgres import PostgresIndex
    except ImportError:  # psycopg missing: not a PostgreSQL index anyway
        PostgresIndex = None
    index = backend.get_index_for_model(model) if hasattr(backend, "get_index_for_model") else None
    if PostgresIndex is None or type(index) is not PostgresIndex or not records:
        backend.add_bulk(model, records)
        return
    _PostgresEntries(index).add(model, records)


class _PostgresEntries:
    """Modelsearch's ``PostgresIndex.add_items``, each record's fields read once."""

    def __init__(self, index) -> None:
        self.index = index
        self.connection = index.write_connection
        self.shapes: dict[tuple[tuple[str, ...], bool], tuple[str, list]] = {}

    def add(self, model: type[models.Model], records: list[models.Model]) -> None:
        from modelsearch.backends.database.postgres.postgres import IndexEntry, ObjectIndexer
        from modelsearch.index import AutocompleteField, SearchField
        from modelsearch.utils import get_content_type_pk

        if not model.get_search_fields():
            return
        content_type_pk = get_content_type_pk(model)
        rows_sql, params = [], []
        for record in records:
            indexer = ObjectIndexer(record, self.index.backend)
            title, body, autocomplete = [], [], []
            for search_field in indexer.search_fields:
                for current, weight, value in indexer.prepare_field(record, search_field):
                    if isinstance(current, SearchField):
                        (title if current.field_name == "title" else body).append((value, weight))
                    elif isinstance(current, AutocompleteField):
                        autocomplete.append((value, weight))
            params += [content_type_pk, force_str(record.pk)]
            vectors = []
            for texts, for_autocomplete in ((title, False), (autocomplete, True), (body, False)):
                sql, vector_params = self.vector(texts, for_autocomplete)
                vectors.append(sql)
                params += vector_params
            params += [_joined(title), _joined(body)]
            rows_sql.append(f"(%s, %s, {vectors[0]}, {vectors[1]}, {vectors[2]}, 1.0, %s, %s)")
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {IndexEntry._meta.db_table} (content_type_id, object_id, title, "
                "autocomplete, body, title_norm, title_text, body_text) "
                f"(VALUES {', '.join(rows_sql)}) "
                "ON CONFLICT (content_type_id, object_id) "
                "DO UPDATE SET title = EXCLUDED.title, title_norm = 1.0, "
                "autocomplete = EXCLUDED.autocomplete, body = EXCLUDED.body, "
                "title_text = EXCLUDED.title_text, body_text = EXCLUDED.body_text",
                params,
            )
        self.index._refresh_title_norms()

    def vector(self, texts: list[tuple[str, str]], for_autocomplete: bool) -> tuple[str, list]:
        """Return the SQL of a column's vector and its parameters (``ObjectIndexer.as_vector``)."""
        kept = [(text.strip(), weight) for text, weight in texts]
        kept = [(text, weight) for text, weight in kept if text]
        key = (tuple(weight for _text, weight in kept), for_autocomplete)
        if key not in self.shapes:
            self.shapes[key] = self.compile(key)
        sql, template = self.shapes[key]
        texts_in = iter(text for text, _weight in kept)
        return sql, [next(texts_in) if value is _TEXT else value for value in template]

    def compile(self, key: tuple[tuple[str, ...], bool]) -> tuple[str, list]:
        """Compile modelsearch's vector for texts of these weights, the texts left as parameters."""
        from django.db.models.sql.subqueries import InsertQuery
        from modelsearch.backends.database.postgres.postgres import IndexEntry, ObjectIndexer

        weights, for_autocomplete = key
        markers = [f"<opencoop text {number}>" for number in range(len(weights))]
        indexer = ObjectIndexer.__new__(ObjectIndexer)
        indexer.config = self.index.backend.config
        indexer.autocomplete_config = self.index.backend.autocomplete_config
        vector = indexer.as_vector(list(zip(markers, weights, strict=True)), for_autocomplete)
        compiler = InsertQuery(IndexEntry).get_compiler(connection=self.connection)
        column = "autocomplete" if for_autocomplete else "title"
        value = compiler.prepare_value(IndexEntry._meta.get_field(column), vector)
        sql, params = value.as_sql(compiler, self.connection)
        template = [_TEXT if value in markers else value for value in params]
        # Each text once, in order: anything else and the texts could not be placed.
        if [value for value in params if value in markers] != markers:
            raise RuntimeError("modelsearch's vector no longer takes each text once, in order")
        return sql, template


_TEXT = object()  # where a text goes among a compiled vector's parameters


def _joined(texts: list[tuple[str, str]]) -> str:
    """Return the plain text of a column, for fuzzy search (``title_text``, ``body_text``)."""
    return " ".join(stripped for text, _weight in texts if (stripped := text.strip()))
