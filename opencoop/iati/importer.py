"""Apply an IATI activity file to the database: strict or per activity, idempotent, with a dry run.

``import_activity_file`` reads the file with ``incoming.CheckedFileReader`` (each activity
validated against the schema of the file's version, its recoverable slips mended and reported,
then read by ``reader``) and, inside one transaction, creates or updates each activity by its IATI
identifier as a new revision (published, or a draft for those who may not publish). An activity
whose IATI fields already hold what the file says gets no new revision.

Two modes (``MODES``): ``strict``, all or nothing, where any error leaves the database as it was;
``per-activity``, where each valid activity is written and each invalid one is skipped, its
reasons in the report. A file that cannot be read at all is refused in both. A dry run follows the
very same path and is rolled back. In both modes nothing is dropped silently: what the portal does
not keep of an activity is a warning (``kept``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import ReferenceIndex, Revision

from opencoop.activities.models import (
    Activity,
    DocumentLink,
)
from opencoop.activities.part_rows import load_parts
from opencoop.activities.parts import (
    ACTIVITY_FLAGS,
    CONTACT_FIELDS,
    ELEMENT_FIELDS,
    IATI_OWN_FIELDS,
    PARTS,
    RELATED_CHILD,
    RELATED_PARENT,
    Part,
    part,
)
from opencoop.core.multilingual import text
from opencoop.core.queries import among_ids
from opencoop.core.writes import Item, announce_once, write_records
from opencoop.organisations.models import Organisation

from .export import site_base_url
from .incoming import CheckedFileReader
from .kept import not_kept, source_paths
from .reader import (
    ERROR,
    WARNING,
    ActivityRecord,
    FileRefused,
    Issue,
    OrgRecord,
    Row,
)
from .writer import (
    absolute_url,
    activity_element,
    budget_value_date,
    stored_value_date,
    transaction_value_date,
)

# The activity fields an IATI file sets; the others (slug, image, sensitive-context switches,
# partnership) belong to the portal and are left as they are.
ACTIVITY_FIELDS = tuple(
    dict.fromkeys(
        (
            "title",
            *ELEMENT_FIELDS,
            *CONTACT_FIELDS,
            "default_currency",
            *ACTIVITY_FLAGS.values(),
            *IATI_OWN_FIELDS,
        )
    )
)
ORGANISATION_FIELDS = {"organisation", "provider_org", "receiver_org"}
# Parts whose value date, when omitted, is written as another of their dates.
IMPLIED_VALUE_DATE = {
    "budgets": "period_start",
    "planned_disbursements": "period_start",
    "transactions": "date",
}
STRICT = "strict"
PER_ACTIVITY = "per-activity"
MODES = (STRICT, PER_ACTIVITY)
# Activities read before they are written: new ones go to the database in one bulk insert per
# table, which is what makes a large file fast.
BATCH = 500
SLUG_LENGTH = {"activity": 120, "organisation": 100}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SkippedActivity:
    """An activity a per-activity import left out, and why (its errors)."""

    identifier: str
    line: int
    issues: tuple[Issue, ...]


@dataclass
class ImportReport:
    """What an import did, or would do (dry run), and what stopped it.

    ``errors`` and ``warnings`` hold every issue, however many (the screens show the first ones,
    the CSV report all); ``file_errors`` those that refuse the whole file in either mode.
    """

    file_name: str = ""
    dry_run: bool = False
    publish: bool = True
    mode: str = STRICT
    version: str = ""
    read: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    skipped: list[SkippedActivity] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    file_errors: list[Issue] = field(default_factory=list)
    applied: bool = False
    stopped_early: bool = False

    @property
    def ok(self) -> bool:
        """Say whether the import goes ahead: no error (strict), or the file readable."""
        if self.mode == PER_ACTIVITY:
            return not self.file_errors and not self.stopped_early
        return not self.errors

    def summary(self) -> str:
        """Say in one line what happened."""
        counts = (
            f"{self.read} activities read: {len(self.created)} created, "
            f"{len(self.changed)} changed, {len(self.unchanged)} unchanged"
            + (f", {len(self.skipped)} skipped" if self.mode == PER_ACTIVITY else "")
            + f"; {len(self.organisations_created)} organisations created"
        )
        if not self.ok:
            return f"Refused, nothing changed: {len(self.errors)} error(s). {counts} (not applied)."
        if self.dry_run:
            return f"Dry run, nothing changed. {counts} (would be applied)."
        return f"Applied. {counts}."


class _Stop(Exception):
    """Too many errors, or one the database raised: stop reading the file."""


# Entry point -------------------------------------------------------------------------------------
def import_activity_file(
    *,
    stream: IO[bytes],
    file_name: str = "",
    user=None,
    reporting_org: str = "",
    dry_run: bool = False,
    publish: bool = True,
    base_url: str | None = None,
    progress: Progress | None = None,
    max_errors: int | None = None,
    index_at_end: bool = False,
    mode: str = STRICT,
) -> ImportReport:
    """Import an IATI activity file (2.01–2.03) in one transaction; return what it did.

    Activities are created or updated by IATI identifier, as published revisions (or drafts
    when ``publish`` is false) recorded with ``user``. With ``reporting_org`` (an organisation
    identifier) only that organisation's activities are accepted. ``mode`` is ``"strict"``
    (nothing is written when the file has an error) or ``"per-activity"`` (activities with
    errors are skipped, the others written). Nothing is written when ``dry_run`` is set: the
    same work is done and rolled back. ``max_errors`` stops reading after that many errors
    (None: read the whole file and report everything).

    Activities are written through ``opencoop.core.writes``: the search index gets them once
    per batch, as ``write_records`` indexes, whatever ``index_at_end`` says (kept for its callers).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    report = ImportReport(file_name=file_name, dry_run=dry_run, publish=publish, mode=mode)
    with transaction.atomic():
        importer = _Importer(
            report=report,
            user=user,
            reporting_org=reporting_org,
            publish=publish,
            base_url=site_base_url() if base_url is None else base_url,
            max_errors=max_errors,
        )
        # The figures kept of the authorities are brought up to date once, not after each batch.
        with announce_once():
            importer.run(stream, progress)
        if not report.ok or dry_run:
            transaction.set_rollback(True)
        else:
            report.applied = True
    return report


@dataclass
class BuiltActivity:
    """An activity (new or changed) built from its record, with its parts, not yet written."""

    record: ActivityRecord
    activity: Activity
    parts: dict[str, list[models.Model]]


def link_in_place(child_pk: int, parent_pk: int) -> None:
    """Link an activity created by this import to its parent: in its row and its one revision."""
    Activity.objects.filter(pk=child_pk).update(parent_id=parent_pk)
    revision = Revision.objects.get(activity__pk=child_pk)
    revision.content["parent"] = parent_pk
    Revision.objects.filter(pk=revision.pk).update(content=revision.content)
    ReferenceIndex.create_or_update_for_object(Activity.objects.get(pk=child_pk))


# State: what an activity holds, as the file can say it -------------------------------------------
def _clean_text(value: dict | None) -> dict:
    return {lang: str(item).strip() for lang, item in (value or {}).items() if str(item).strip()}


def _comparable(value: object) -> object:
    return _clean_text(value) if isinstance(value, dict) else value


def activity_state(
    activity: Activity, base_url: str, family: Family | None = None
) -> dict[str, object]:
    """Return the IATI content of ``activity`` (fields and parts) in comparable form.

    ``family`` knows the parents and sub-activities of a batch (else they are looked up).
    """
    state: dict[str, object] = {
        name: _comparable(getattr(activity, name)) for name in ACTIVITY_FIELDS
    }
    state["reporting_org"] = activity.reporting_org_id
    for p in PARTS:
        state[p.relation] = [
            p.state(row, _comparable) for row in getattr(activity, p.relation).all()
        ]
    # A document is the same when its address is (a file of the portal by its full address).
    state["documents"] = [
        (*row, absolute_url(document.href, base_url))
        for row, document in zip(state["documents"], activity.documents.all(), strict=True)
    ]
    # An omitted value date is written as the period start or the transaction date.
    state["budgets"] = [
        (*row, budget_value_date(budget))
        for row, budget in zip(state["budgets"], activity.budgets.all(), strict=True)
    ]
    state["transactions"] = [
        (*row, transaction_value_date(tx))
        for row, tx in zip(state["transactions"], activity.transactions.all(), strict=True)
    ]
    state["related_activities"] = related_state(
        activity, state["related_activities"], family or Family([activity])
    )
    return state


class Family:
    """The parents and sub-activities of some activities on the portal, read in two queries."""

    def __init__(self, activities: Iterable[Activity]) -> None:
        activities = list(activities)
        self.children: dict[int, list[str]] = {}
        pks = [activity.pk for activity in activities if activity.pk]
        if pks:
            for parent_id, identifier in Activity.objects.filter(
                among_ids("parent_id", pks)
            ).values_list("parent_id", "iati_identifier"):
                self.children.setdefault(parent_id, []).append(identifier)
        self.identifiers: dict[int, str] = {}
        self.known(activity.parent_id for activity in activities)

    def known(self, pks: Iterable[int | None]) -> None:
        """Read the identifiers of the activities ``pks`` not read yet."""
        missing = {pk for pk in pks if pk and pk not in self.identifiers}
        if missing:
            self.identifiers.update(
                Activity.objects.filter(among_ids("pk", missing)).values_list(
                    "pk", "iati_identifier"
                )
            )

    def parent(self, activity: Activity) -> str | None:
        """Return the identifier of the activity's parent (None: none, or not on the portal)."""
        self.known([activity.parent_id])
        return self.identifiers.get(activity.parent_id) if activity.parent_id else None


def related_state(activity: Activity, stated: list[tuple], family: Family) -> list[tuple]:
    """Return the activity's relations as its file says them: those it states and its parent
    and sub-projects linked on the portal (written as related-activity too), once each."""
    linked = set()
    parent = family.parent(activity)
    if parent is not None:
        linked.add((parent, RELATED_PARENT))
    if activity.pk:
        linked |= {(child, RELATED_CHILD) for child in family.children.get(activity.pk, ())}
    return sorted(set(stated) | linked)


def changed_parts(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Name the fields and parts that differ."""
    return [key for key in after if before.get(key) != after[key]]


# The work ----------------------------------------------------------------------------------------
class _Organisations:
    """Find organisations by identifier (or, without one, by name) and create the others."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.by_ref: dict[str, Organisation] = {}
        self.by_name: dict[tuple[str, str], Organisation] | None = None
        self.slugs: set[str] = set()
        self.created: list[Organisation] = []
        self.changed: list[Organisation] = []  # names merged or now reporting, in file order

    def get(self, record: OrgRecord, identifier: str, *, reporting: bool = False) -> Organisation:
        if record.ref:
            organisation = self.by_ref.get(record.ref)
            if organisation is None:
                organisation = Organisation.objects.filter(identifier=record.ref).first()
                if organisation is None:
                    organisation = self.create(record, identifier)
                self.by_ref[record.ref] = organisation
        else:
            organisation = self.find_by_name(record.name) or self.create(record, identifier)
        self.merge_names(organisation, record, identifier)
        if reporting and not organisation.is_reporting:
            # It reports activities on this portal from now on, so it gets its IATI files.
            organisation.is_reporting = True
            organisation.save(update_fields=["is_reporting"])
            self.changed.append(organisation)
        return organisation

    def merge_names(self, organisation: Organisation, record: OrgRecord, identifier: str) -> None:
        """Add the names in languages the organisation has none in (every activity may add some)."""
        names = _clean_text(organisation.name)
        new = {lang: name for lang, name in _clean_text(record.name).items() if lang not in names}
        if not new or organisation.pk is None:
            return
        organisation.name = {**(organisation.name or {}), **new}
        try:
            organisation.clean_fields(
                exclude=[f.name for f in Organisation._meta.fields if f.name != "name"]
            )
        except ValidationError as exc:
            raise _RecordError(
                [
                    Issue(
                        _("organisation: %(message)s") % {"message": message},
                        record.line,
                        identifier,
                        "organisation",
                    )
                    for message in exc.messages
                ]
            ) from exc
        organisation.save(update_fields=["name"])
        self.changed.append(organisation)
        if not organisation.identifier:
            self._index(organisation)

    def mark(self) -> tuple[int, int]:
        """Return where the lists of created and changed organisations stand (see ``undo``)."""
        return len(self.created), len(self.changed)

    def undo(self, mark: tuple[int, int]) -> None:
        """Forget what was done since ``mark``: its savepoint was rolled back."""
        count, changes = mark
        undone = self.created[count:]
        for organisation in undone:
            self.by_ref = {ref: org for ref, org in self.by_ref.items() if org is not organisation}
            if self.by_name is not None:
                self.by_name = {k: o for k, o in self.by_name.items() if o is not organisation}
            self.report.organisations_created.remove(str(organisation))
        del self.created[count:]
        for organisation in self.changed[changes:]:
            if not any(organisation is gone for gone in undone):
                organisation.refresh_from_db(fields=["name", "is_reporting"])
        del self.changed[changes:]

    def _name_index(self) -> dict[tuple[str, str], Organisation]:
        if self.by_name is None:
            self.by_name = {}
            for organisation in Organisation.objects.filter(identifier=""):
                self._index(organisation)
        return self.by_name

    def _index(self, organisation: Organisation) -> None:
        for lang, name in _clean_text(organisation.name).items():
            self._name_index().setdefault((lang, name.casefold()), organisation)

    def find_by_name(self, name: dict) -> Organisation | None:
        index = self._name_index()
        for lang, value in _clean_text(name).items():
            found = index.get((lang, value.casefold()))
            if found is not None:
                return found
        return None

    def create(self, record: OrgRecord, identifier: str) -> Organisation:
        organisation = Organisation(name=record.name, identifier=record.ref, type=record.type)
        try:
            organisation.clean_fields(exclude=["slug", *(["name"] if not record.name else [])])
        except ValidationError as exc:
            raise _RecordError(
                [
                    Issue(
                        _("organisation: %(message)s") % {"message": message},
                        record.line,
                        identifier,
                        "organisation",
                    )
                    for message in exc.messages
                ]
            ) from exc
        base = slugify(text(record.name, "en") or record.ref)[: SLUG_LENGTH["organisation"]]
        organisation.slug = unique_slug(
            base or "organisation",
            SLUG_LENGTH["organisation"],
            self.slugs,
            lambda slug: Organisation.objects.filter(slug=slug).exists(),
        )
        organisation.save()
        self.created.append(organisation)
        self.report.organisations_created.append(str(organisation))
        if not record.ref:
            self._index(organisation)
        return organisation


class _RecordError(Exception):
    """An activity cannot be written; the issues say why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(map(str, issues)))
        self.issues = issues


def unique_slug(base: str, length: int, taken: set[str], exists: Callable[[str], bool]) -> str:
    """Return ``base`` or ``base-2``, ``base-3``… free both in ``taken`` and in the database."""
    candidate, number = base, 1
    while candidate in taken or exists(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: length - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


class _Importer:
    def __init__(
        self,
        *,
        report: ImportReport,
        user,
        reporting_org: str,
        publish: bool,
        base_url: str,
        max_errors: int | None,
    ) -> None:
        self.report = report
        self.user = user
        self.reporting_org = reporting_org
        self.publish = publish
        self.base_url = base_url
        self.max_errors = max_errors
        self.organisations = _Organisations(report)
        self.seen: dict[str, int] = {}
        self.activity_slugs: set[str] = set()
        self.pending: list[ActivityRecord] = []
        self.bulk_created: set[int] = set()  # written in bulk: one revision, linked in place
        self.org_slugs: dict[int, set[str]] = {}
        # child identifier → (parent identifier, line, identifier of the activity that says so)
        self.parents: dict[str, tuple[str, int, str]] = {}
        self.per_activity = report.mode == PER_ACTIVITY
        self.languages: dict[str, str] = {}
        self.family = Family([])
        # What the not-kept export is told of an activity's sub-activities (read once, empty).
        self.no_children = Activity.objects.none()
        len(self.no_children)

    # Issues
    def add(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            (self.report.errors if issue.level == ERROR else self.report.warnings).append(issue)
        if self.max_errors is not None and len(self.report.errors) >= self.max_errors:
            self.report.stopped_early = True
            raise _Stop

    def refuse_file(self, issue: Issue) -> None:
        """Record an error that refuses the whole file, whatever the mode."""
        self.report.file_errors.append(issue)
        self.report.errors.append(issue)

    def skip(self, record: ActivityRecord, issues: list[Issue]) -> None:
        """Report an activity that cannot be written (per activity: it is left out)."""
        if self.per_activity:
            errors = tuple(issue for issue in issues if issue.level == ERROR)
            self.report.skipped.append(SkippedActivity(record.identifier, record.line, errors))
        self.add(issues)

    def fallback_language(self, element) -> str:
        """Return the reporting organisation's default language, for narratives stating none.

        It is the organisation's ``default_language`` setting, or the portal's default language:
        a setting, not a guess from its names, so that importing a file twice reads it alike.
        """
        reporting = element.find("reporting-org")
        ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
        if ref not in self.languages:
            setting = (
                Organisation.objects.filter(identifier=ref)
                .values_list("default_language", flat=True)
                .first()
                if ref
                else None
            )
            self.languages[ref] = setting or settings.LANGUAGE_CODE.split("-")[0]
        return self.languages[ref]

    def run(self, stream: IO[bytes], progress: Progress | None) -> None:
        reader = CheckedFileReader(
            stream,
            fallback_lang=self.fallback_language,
            on_read=(lambda done: progress(done, self.report.read)) if progress else None,
        )
        try:
            for record in reader:
                self.report.read += 1
                self.apply(record)
            self.flush()
            self.report.version = reader.version
            self.add(reader.warnings)
            if self.report.ok:
                self.link_parents()
        except FileRefused as exc:
            self.refuse_file(exc.issue)
        except _Stop:
            pass

    def apply(self, record: ActivityRecord) -> None:
        previous = self.seen.get(record.identifier)
        if record.identifier and previous is not None:
            self.skip(
                record,
                [
                    *record.issues,
                    Issue(
                        _("the identifier appears twice in the file (first at line %(line)s)")
                        % {"line": previous},
                        record.line,
                        record.identifier,
                        "iati-identifier",
                    ),
                ],
            )
            return
        self.seen[record.identifier] = record.line
        if record.errors:
            self.skip(record, record.issues)
            return
        self.add(record.issues)
        if record.parent is not None:
            self.parents[record.identifier] = (*record.parent, record.identifier)
        for child, line in record.child_refs:
            self.parents.setdefault(child, (record.identifier, line, record.identifier))
        self.pending.append(record)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the records read since the last flush, new and changed, in bulk."""
        records, self.pending = self.pending, []
        if not records:
            return
        found = Activity.objects.filter(
            iati_identifier__in=[record.identifier for record in records]
        ).select_related("reporting_org")
        known = list(found)
        # Every part in one query, rows built without Model.__init__: through prefetch_related
        # (a query and a modelcluster queryset per part) this read was a quarter of importing
        # an unchanged file again.
        load_parts(known, PARTS, using=found.db)
        existing = {activity.iati_identifier: activity for activity in known}
        # Links are made once every activity is in (link_parents): they hold still meanwhile.
        self.family = Family(existing.values())
        built: list[BuiltActivity] = []
        for record in records:
            mark = self.organisations.mark()
            try:
                # Per activity, what a skipped activity did (organisations created) is undone.
                with transaction.atomic() if self.per_activity else nullcontext():
                    item = self.write(record, existing.get(record.identifier))
            except _RecordError as exc:
                if self.per_activity:
                    self.organisations.undo(mark)
                self.skip(record, exc.issues)
            except DatabaseError as exc:
                self.refuse_file(
                    Issue(
                        _("the database refused the activity: %(detail)s") % {"detail": exc},
                        record.line,
                        record.identifier,
                    )
                )
                raise _Stop from exc
            else:
                if item is not None:
                    built.append(item)
        if not built or not self.report.ok:
            return  # nothing of a refused file is kept: no need to write what will be undone
        created = [item for item in built if item.activity.pk is None]
        try:
            with transaction.atomic():
                # Each record was checked as it was read, its problems tied to its line.
                write_records(
                    Activity,
                    [Item(item.activity, item.parts) for item in built],
                    publish=self.publish,
                    user=self.user,
                    validate=False,
                )
        except DatabaseError as exc:
            first, last = built[0].record, built[-1].record
            self.refuse_file(
                Issue(
                    _(
                        "the database refused the activities of lines %(first_line)s–%(last_line)s "
                        "(%(first)s … %(last)s): %(detail)s"
                    )
                    % {
                        "first_line": first.line,
                        "last_line": last.line,
                        "first": first.identifier,
                        "last": last.identifier,
                        "detail": exc,
                    },
                    first.line,
                    first.identifier,
                )
            )
            raise _Stop from exc
        self.bulk_created.update(item.activity.pk for item in created)

    def reporting_organisation(self, record: ActivityRecord) -> Organisation:
        org_record = record.reporting_org
        assert org_record is not None
        if self.reporting_org and org_record.ref != self.reporting_org:
            raise _RecordError(
                [
                    Issue(
                        _(
                            "reported by “%(ref)s”, but only activities of “%(accepted)s” are "
                            "accepted in this import"
                        )
                        % {"ref": org_record.ref, "accepted": self.reporting_org},
                        org_record.line,
                        record.identifier,
                        "reporting-org/@ref",
                    )
                ]
            )
        return self.organisations.get(org_record, record.identifier, reporting=True)

    def write(self, record: ActivityRecord, existing: Activity | None) -> BuiltActivity | None:
        """Build the new activity, or ``existing`` as the record changes it (None: unchanged)."""
        organisation = self.reporting_organisation(record)
        if existing is not None and existing.reporting_org_id != organisation.pk:
            raise _RecordError(
                [
                    Issue(
                        _(
                            "this activity is reported on the portal by “%(known)s”, "
                            "not by “%(stated)s”"
                        )
                        % {"known": existing.reporting_org, "stated": organisation},
                        record.line,
                        record.identifier,
                        "reporting-org/@ref",
                    )
                ]
            )
        if existing is None:
            return self.build(record, organisation)
        activity = current_version(existing)
        before = activity_state(activity, self.base_url, self.family)
        self.set_fields(activity, record)
        parts = self.parts(activity, record)
        for relation, instances in parts.items():
            setattr(activity, relation, instances)
        after = activity_state(activity, self.base_url, self.family)
        if before == after:
            self.report_not_kept(record, activity)
            self.report.unchanged.append(record.identifier)
            return None
        self.validate(activity, record, parts)
        self.report_not_kept(record, activity)
        self.report.changed.append((record.identifier, changed_parts(before, after)))
        return BuiltActivity(record, activity, parts)

    def build(self, record: ActivityRecord, organisation: Organisation) -> BuiltActivity:
        """Build a new activity and its parts in memory, checked; ``flush`` writes them."""
        activity = Activity(iati_identifier=record.identifier, reporting_org=organisation)
        self.set_fields(activity, record)
        parts = self.parts(activity, record)
        self.validate(activity, record, parts)
        for relation, instances in parts.items():
            setattr(activity, relation, instances)
        self.report_not_kept(record, activity)
        base = slugify(text(activity.title, "en")) or slugify(record.identifier)
        activity.slug = unique_slug(
            base[: SLUG_LENGTH["activity"]] or "activity",
            SLUG_LENGTH["activity"],
            self.activity_slugs,
            self.slugs_of(organisation).__contains__,
        )
        self.report.created.append(record.identifier)
        return BuiltActivity(record, activity, parts)

    def report_not_kept(self, record: ActivityRecord, activity: Activity) -> None:
        """Warn of what the file says and the portal's version of the activity will not."""
        unsaved = activity.pk is None
        if unsaved:
            activity.pk = 0  # no activity has it: the writer finds no sub-activities
        # Links to other activities are counted from the record below, not from the export: the
        # writer is told the activity has no sub-activities instead of asking the database.
        cache = activity.__dict__.setdefault("_prefetched_objects_cache", {})
        children = cache.get("children")
        cache["children"] = self.no_children
        try:
            element = activity_element(activity, base_url=self.base_url)
        finally:
            if unsaved:
                activity.pk = None
            if children is None:
                del cache["children"]
            else:
                cache["children"] = children
        kept = {
            path: lines
            for path, lines in source_paths(element).items()
            if not path.startswith("related-activity")
        }
        # Links to parent and sub-activities are made once every activity is in (link_parents).
        links = [
            line for _ref, line in [*([record.parent] if record.parent else []), *record.child_refs]
        ]
        for path in ("related-activity", "related-activity/@ref", "related-activity/@type"):
            if links:
                kept[path] = links
        self.add(not_kept(record.source, kept, record.issues, record.identifier))

    def save(self, activity: Activity) -> None:
        """Write a new version of ``activity`` with the parts it holds (published when allowed)."""
        parts = {p.relation: list(getattr(activity, p.relation).all()) for p in PARTS}
        write_records(
            Activity, [Item(activity, parts)], publish=self.publish, user=self.user, validate=False
        )

    def slugs_of(self, organisation: Organisation) -> set[str]:
        """Return the slugs the organisation's activities hold (read once per import)."""
        if organisation.pk not in self.org_slugs:
            self.org_slugs[organisation.pk] = set(
                Activity.objects.filter(reporting_org=organisation).values_list("slug", flat=True)
            )
        return self.org_slugs[organisation.pk]

    def set_fields(self, activity: Activity, record: ActivityRecord) -> None:
        """Set the activity's IATI fields from the record (in memory)."""
        for name in ACTIVITY_FIELDS:
            value = record.fields.get(name)
            if name == "default_currency" and not value:
                continue  # no money in the file: the activity keeps its currency
            setattr(activity, name, value)

    def parts(self, activity: Activity, record: ActivityRecord) -> dict[str, list[models.Model]]:
        """Build the activity's repeated parts from the record, organisations resolved."""
        hidden = {}
        if activity.pk:
            hidden = {
                p.role: p.organisation for p in activity.participating_orgs.all() if p.hide_name
            }
        documents, untitled = {}, []
        if activity.pk:
            for document in activity.documents.all():
                if document.document_id:
                    documents[absolute_url(document.href, self.base_url)] = document
                elif not document.href:
                    untitled.append(document)
        parts: dict[str, list[models.Model]] = {}
        for described in PARTS:
            relation, model = described.relation, described.model
            rows = record.children.get(relation, [])
            if relation == "locations" and activity.hide_exact_locations and not rows:
                continue  # the public file never shows hidden places: keep those known here
            instances = []
            for position, row in enumerate(rows):
                values = self.resolve(row, record.identifier, hidden)
                if relation == "documents":
                    known = documents.get(absolute_url(str(values["url"]), self.base_url))
                    if known is not None:
                        values.update(document=known.document, url=known.url)
                if relation in IMPLIED_VALUE_DATE and values.get("value_date"):
                    implied = values[IMPLIED_VALUE_DATE[relation]]
                    values["value_date"] = stored_value_date(values["value_date"], implied)
                instance = model(**values, sort_order=position)
                set_nested(described, instance, row)
                instances.append(instance)
            if relation == "documents":
                # Documents known only by their title are not in IATI files: keep them.
                for position, document in enumerate(untitled, start=len(instances)):
                    instances.append(
                        DocumentLink(
                            title=document.title,
                            category=document.category,
                            language=document.language,
                            date=document.date,
                            sort_order=position,
                        )
                    )
            parts[relation] = instances
        return parts

    def resolve(self, row: Row, identifier: str, hidden: dict) -> dict[str, object]:
        """Return the row's field values with organisations found or created."""
        values = dict(row.fields)
        for name in ORGANISATION_FIELDS & values.keys():
            org_record = values[name]
            if org_record is None:
                continue
            if org_record.is_local_partner and hidden:
                # The file hides this partner's name: keep the organisation the portal knows.
                role = values.get("role")
                known = hidden.get(role) if role else None
                if known is None and len({o.pk for o in hidden.values()}) == 1:
                    known = next(iter(hidden.values()))
                if known is not None:
                    values[name] = known
                    continue
            values[name] = self.organisations.get(org_record, identifier)
        return values

    def validate(
        self, activity: Activity, record: ActivityRecord, parts: dict[str, list[models.Model]]
    ) -> None:
        """Check field values as the models do; the portal's cross-field rules only warn."""
        issues = []
        own = set(ACTIVITY_FIELDS) | {"iati_identifier"}
        try:
            activity.clean_fields(
                exclude=[f.name for f in Activity._meta.fields if f.name not in own]
            )
        except ValidationError as exc:
            issues += _issues(exc, Activity, record.line, record.identifier, "iati-activity")
        try:
            activity.clean()
        except ValidationError as exc:
            issues += _issues(
                exc, Activity, record.line, record.identifier, "iati-activity", WARNING
            )
        for relation, instances in parts.items():
            model = part(relation).model
            rows = record.children.get(relation, [])
            # Parts the portal keeps beyond the file's rows (documents known only by title)
            # come after them and were checked when they were entered.
            for row, instance in zip(rows, instances[: len(rows)], strict=True):
                keep = set(row.fields) - ORGANISATION_FIELDS
                exclude = [f.name for f in model._meta.fields if f.name not in keep]
                exclude += [
                    name for name in part(relation).may_be_blank if not getattr(instance, name)
                ]
                try:
                    instance.clean_fields(exclude=exclude)
                except ValidationError as exc:
                    issues += _issues(exc, model, row.line, record.identifier, row.element)
                try:
                    instance.clean()
                except ValidationError as exc:
                    issues += _issues(exc, model, row.line, record.identifier, row.element, WARNING)
                issues += nested_issues(part(relation), instance, row, record.identifier)
        errors = [issue for issue in issues if issue.level == ERROR]
        if errors:
            raise _RecordError(errors)
        self.add(issues)

    def link_parents(self) -> None:
        """Link sub-activities to their parent programmes, once every activity is in."""
        identifiers = set(self.parents) | {parent for parent, _l, _s in self.parents.values()}
        known: dict[str, tuple[int, int | None]] = {}
        ordered = sorted(identifiers)
        for start in range(0, len(ordered), 500):
            for pk, identifier, parent_id in Activity.objects.filter(
                iati_identifier__in=ordered[start : start + 500]
            ).values_list("pk", "iati_identifier", "parent_id"):
                known[identifier] = (pk, parent_id)
        created = set(self.report.created)
        changed = {identifier: parts for identifier, parts in self.report.changed}
        for child, (parent, line, source) in sorted(self.parents.items()):
            if parent not in known or child not in known:
                missing = parent if parent not in known else child
                self.add(
                    [
                        Issue(
                            _(
                                "“%(missing)s” is not on this portal: the link between "
                                "“%(child)s” and “%(parent)s” is not kept"
                            )
                            % {"missing": missing, "child": child, "parent": parent},
                            line,
                            source,
                            "related-activity",
                            WARNING,
                            lost=True,
                        )
                    ]
                )
                continue
            child_pk, current_parent = known[child]
            parent_pk = known[parent][0]
            if current_parent == parent_pk or child_pk == parent_pk:
                continue
            if child_pk in self.bulk_created:
                link_in_place(child_pk, parent_pk)
            else:
                activity = current_version(Activity.objects.get(pk=child_pk))
                if activity.parent_id == parent_pk:
                    continue
                activity.parent_id = parent_pk
                self.save(activity)
            if child in changed:
                changed[child].append("parent")
            elif child not in created:
                if child in self.report.unchanged:
                    self.report.unchanged.remove(child)
                changed[child] = ["parent"]
                self.report.changed.append((child, changed[child]))


def current_version(activity: Activity) -> Activity:
    """Return the activity as its latest revision has it (a draft may be ahead of the live row)."""
    if activity.has_unpublished_changes and activity.latest_revision_id:
        return activity.get_latest_revision_as_object()
    return activity


def set_nested(described: Part, instance: models.Model, row: Row) -> None:
    """Give ``instance`` the rows it holds, built from the record's (indicators, periods)."""
    for inner in described.nested:
        children = []
        for position, child_row in enumerate(row.nested.get(inner.relation, [])):
            child = inner.model(**child_row.fields, sort_order=position)
            set_nested(inner, child, child_row)
            children.append(child)
        setattr(instance, inner.relation, children)


def nested_issues(
    described: Part, instance: models.Model, row: Row, identifier: str
) -> list[Issue]:
    """Check the rows ``instance`` holds as the models do (cross-field rules only warn)."""
    issues: list[Issue] = []
    for inner in described.nested:
        rows = row.nested.get(inner.relation, [])
        children = list(getattr(instance, inner.relation).all())
        for child_row, child in zip(rows, children, strict=True):
            keep = set(child_row.fields)
            exclude = [f.name for f in inner.model._meta.fields if f.name not in keep]
            try:
                child.clean_fields(exclude=exclude)
            except ValidationError as exc:
                issues += _issues(exc, inner.model, child_row.line, identifier, child_row.element)
            try:
                child.clean()
            except ValidationError as exc:
                issues += _issues(
                    exc, inner.model, child_row.line, identifier, child_row.element, WARNING
                )
            issues += nested_issues(inner, child, child_row, identifier)
    return issues


def _issues(
    exc: ValidationError,
    model: type[models.Model],
    line: int,
    identifier: str,
    element: str,
    level: str = ERROR,
) -> list[Issue]:
    """Turn a model's ValidationError into issues naming the field (in the user's language)."""
    result = []
    for name, messages in exc.message_dict.items():
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            label = ""
        for message in messages:
            if label and not message.lower().startswith(label.lower()):
                message = f"{label}: {message}"
            result.append(Issue(message, line, identifier, element, level))
    return result
