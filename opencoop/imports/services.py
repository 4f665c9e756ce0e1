"""Check a spreadsheet's rows against the portal, show what they would change, apply them.

``plan_import`` turns plain rows into activities held in memory (nothing is written) with every
problem tied to its sheet, row and column; ``apply_import`` writes a plan all or nothing, as
draft revisions, submitted for review or published. The admin view and the management command
both go through these two functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Revision, WorkflowState

from opencoop.activities.models import (
    Activity,
    Budget,
    ParticipatingOrg,
    RecipientCountry,
    SdgTag,
    Sector,
    Transaction,
)
from opencoop.activities.parts import PARTS
from opencoop.activities.vocabularies import DAC_SECTORS, SDG_GOALS
from opencoop.core.multilingual import MultilingualField
from opencoop.core.writes import Item, WriteRefused, write_records
from opencoop.editorial.quality import publication_problems
from opencoop.editorial.services import submit_records_for_review, unique_slug
from opencoop.organisations.models import Organisation

from .mapping import (
    ACTIVITIES,
    BUDGETS,
    COLUMNS,
    PROJECT_CODE,
    TRANSACTIONS,
    CellError,
    Column,
    header_for_field,
)
from .models import ImportRun
from .reader import Row

CODE_RE = re.compile(r"^[A-Za-z0-9._-]+$")
ACCOUNTABLE = "2"  # OrganisationRole: the reporting authority answers for its activities.
IMPLEMENTING = "4"
CHILD_SHEETS = {"budgets": BUDGETS, "transactions": TRANSACTIONS}
# Checked once for the file, not by ``full_clean`` with a query each: the foreign keys.
UNCHECKED_FIELDS = [f.name for f in Activity._meta.fields if f.is_relation]


@dataclass(frozen=True)
class Change:
    """One difference a row makes to an existing activity."""

    what: str
    before: str
    after: str


@dataclass
class ActivityPlan:
    """What the rows of one project would make of its activity."""

    identifier: str
    activity: Activity
    is_new: bool
    row: int | None = None
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Spreadsheet row numbers of the budgets and transactions, in order.
    child_rows: dict[str, list[int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.is_new or bool(self.changes)


@dataclass
class ImportPlan:
    """Everything the file would do, or the reasons it cannot."""

    reporting_org: Organisation
    activities: list[ActivityPlan] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": str(message)})

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": sum(1 for p in self.activities if p.is_new),
            "changed": sum(1 for p in self.activities if not p.is_new and p.changes),
            "unchanged": sum(1 for p in self.activities if not p.changed),
        }


# Reading rows ----------------------------------------------------------------------------------
def _read_row(plan: ImportPlan, row: Row) -> dict[str, object]:
    """Read every cell of ``row``; report unreadable cells. Keys are column headings."""
    values = {}
    for column in COLUMNS[row.sheet]:
        if column.header not in row.cells:
            continue
        try:
            value = column.read(row.cells[column.header])
        except CellError as exc:
            plan.error(row.sheet, row.number, column.header, str(exc))
            continue
        if column.required and value in ("", None):
            plan.error(row.sheet, row.number, column.header, _("this cell is required."))
            continue
        values[column.header] = value
    return values


def _identifier(plan: ImportPlan, row: Row, code: str) -> str | None:
    prefix = plan.reporting_org.identifier
    if not code:
        return None
    if not CODE_RE.match(code):
        plan.error(
            row.sheet,
            row.number,
            PROJECT_CODE,
            _("“%(code)s”: use only letters, digits, hyphens, dots and underscores.")
            % {"code": code},
        )
        return None
    return code if code.startswith(prefix + "-") else f"{prefix}-{code}"


# Building activities ---------------------------------------------------------------------------
def _apply_activity_values(activity: Activity, values: dict[str, object]) -> None:
    """Set the activity's own fields from the activities row (only the columns it has)."""
    for column in COLUMNS[ACTIVITIES]:
        if column.header not in values or column.header == PROJECT_CODE:
            continue
        value = values[column.header]
        model_field = _model_field(column)
        if isinstance(model_field, MultilingualField):
            texts = dict(getattr(activity, column.field) or {})
            if value:
                texts[column.language] = value
            else:
                texts.pop(column.language, None)
            setattr(activity, column.field, texts)
        elif column.field == "recipient_countries":
            activity.recipient_countries = [
                RecipientCountry(code=code, percentage=share) for code, share in value
            ]
        elif column.field == "sectors":
            activity.sectors = [
                Sector(vocabulary=DAC_SECTORS, code=code, percentage=share) for code, share in value
            ]
        elif column.field == "sdg_tags":
            activity.sdg_tags = [SdgTag(vocabulary=SDG_GOALS, code=code) for code in value]
        elif column.field == "default_currency":
            activity.default_currency = value or "EUR"
        elif model_field is not None:
            setattr(activity, column.field, value if value is not None else _empty(model_field))


def _model_field(column: Column) -> models.Field | None:
    try:
        return Activity._meta.get_field(column.field)
    except FieldDoesNotExist:
        return None


def _empty(model_field: models.Field):
    return None if model_field.null else ""


def _organisations(references: set[str]) -> dict[str, Organisation]:
    """Return the organisations ``references`` name (identifier or slug), read in one query.

    For each reference, the first organisation in the model's order (by key when unordered)
    whose identifier or slug it is: what a lookup of each one with ``first()`` gives.
    """
    if not references:
        return {}
    found = Organisation.objects.filter(
        models.Q(identifier__in=references) | models.Q(slug__in=references)
    )
    if not found.ordered:
        found = found.order_by("pk")
    by_reference: dict[str, Organisation] = {}
    for organisation in found:
        for key in (organisation.identifier, organisation.slug):
            if key in references:
                by_reference.setdefault(key, organisation)
    return by_reference


def _set_implementing(
    plan: ImportPlan,
    row: Row,
    activity: Activity,
    reference: str,
    organisations: dict[str, Organisation],
) -> None:
    others = [p for p in activity.participating_orgs.all() if p.role != IMPLEMENTING]
    if not reference:
        activity.participating_orgs = others
        return
    organisation = organisations.get(reference)
    if organisation is None:
        plan.error(
            ACTIVITIES,
            row.number,
            "implementing_org",
            _("no organisation with the identifier “%(ref)s”: add it under Organisations first.")
            % {"ref": reference},
        )
        return
    activity.participating_orgs = [
        *others,
        ParticipatingOrg(organisation=organisation, role=IMPLEMENTING),
    ]


def _child(model, sheet: str, values: dict[str, object], defaults: dict) -> models.Model:
    kwargs = dict(defaults)
    texts: dict[str, dict] = {}
    for column in COLUMNS[sheet]:
        if column.header == PROJECT_CODE or column.header not in values:
            continue
        value = values[column.header]
        if column.language:
            if value:
                texts.setdefault(column.field, {})[column.language] = value
        elif value not in ("", None):
            kwargs[column.field] = value
    kwargs.update(texts)
    return model(**kwargs)


# Checking --------------------------------------------------------------------------------------
def _where(plan_item: ActivityPlan, problem_field: str, row: int | None, child_field: str):
    """Return (sheet, row, column) of a field of the activity or of one of its rows."""
    if problem_field in CHILD_SHEETS and row:
        sheet = CHILD_SHEETS[problem_field]
        rows = plan_item.child_rows.get(problem_field, [])
        number = rows[row - 1] if row <= len(rows) else None
        return sheet, number, header_for_field(sheet, child_field) or PROJECT_CODE
    if problem_field == "participating_orgs":
        return ACTIVITIES, plan_item.row, "implementing_org"
    header = header_for_field(ACTIVITIES, problem_field) or PROJECT_CODE
    return ACTIVITIES, plan_item.row, header


def _validate(plan: ImportPlan, item: ActivityPlan, publish: bool) -> None:
    activity = item.activity
    try:
        # Without a query a row: the keys are the plan's own (the authority, the partners it
        # found) or untouched, and the identifier and slug are unique within the file and the
        # portal by construction (the authority's slugs and the file's identifiers were read).
        activity.full_clean(exclude=UNCHECKED_FIELDS, validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            sheet, number, header = _where(item, name, None, "")
            for message in messages:
                plan.error(sheet, number, header, message)
    for relation in ("budgets", "transactions"):
        for position, child in enumerate(getattr(activity, relation).all(), start=1):
            try:
                child.full_clean(exclude=["activity"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    sheet, number, header = _where(item, relation, position, name)
                    for message in messages:
                        plan.error(sheet, number, header, message)
    for problem in publication_problems(activity):
        if publish:
            sheet, number, header = _where(item, problem.field, problem.row, problem.child_field)
            plan.error(
                sheet, number, header, _("needed to publish: %(problem)s") % {"problem": problem}
            )
        else:
            item.warnings.append(str(problem))


# Differences -----------------------------------------------------------------------------------
def _display(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in sorted(value.items()) if v)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return "" if value is None else str(value)


def _rows_of(activity: Activity, relation: str, fields: list[str]) -> str:
    return " | ".join(
        ", ".join(_display(getattr(child, name)) for name in fields)
        for child in getattr(activity, relation).all()
    )


COMPARED_CHILDREN = {
    "recipient_countries": ["code", "percentage"],
    "sectors": ["code", "percentage"],
    "sdg_tags": ["code"],
    "participating_orgs": ["organisation_id", "role"],
    "budgets": ["period_start", "period_end", "value", "currency", "type", "status"],
    "transactions": ["type", "date", "value", "currency", "description"],
}


def _differences(before: Activity, after: Activity) -> list[Change]:
    changes = []
    for column in COLUMNS[ACTIVITIES]:
        model_field = _model_field(column)
        if model_field is None or column.field in COMPARED_CHILDREN or column.language:
            continue
        old, new = _display(getattr(before, column.field)), _display(getattr(after, column.field))
        if old != new:
            changes.append(Change(str(model_field.verbose_name), old, new))
    for name in ("title", "description", "objectives", "target_groups"):
        old, new = getattr(before, name) or {}, getattr(after, name) or {}
        for lang in sorted(set(old) | set(new)):
            if (old.get(lang) or "") != (new.get(lang) or ""):
                label = f"{Activity._meta.get_field(name).verbose_name} ({lang})"
                changes.append(Change(label, old.get(lang) or "", new.get(lang) or ""))
    for relation, fields in COMPARED_CHILDREN.items():
        old, new = _rows_of(before, relation, fields), _rows_of(after, relation, fields)
        if old != new:
            label = str(Activity._meta.get_field(relation).related_model._meta.verbose_name_plural)
            changes.append(Change(label, old, new))
    return changes


# The plan --------------------------------------------------------------------------------------
def _latest_versions(live: list[Activity]) -> dict[int, tuple[Activity, Activity]]:
    """Return two separate copies of each activity's latest version, by key, in a few queries.

    What ``get_latest_revision_as_object`` returns, asked twice (the copy to change and the one
    to compare with): the revision's content over the live row, or the live row and its parts
    when nothing is unpublished. The rows, revisions and parts are read once for the file.
    """
    if not live:
        return {}
    copies = Activity.objects.in_bulk([a.pk for a in live])
    revisions = Revision.objects.in_bulk(
        [a.latest_revision_id for a in live if a.latest_revision_id]
    )
    versions, plain = {}, []
    for record in live:
        pair = []
        for copy in (record, copies[record.pk]):
            revision = revisions.get(copy.latest_revision_id)
            if copy.has_unpublished_changes and revision is not None:
                pair.append(copy.with_content_json(revision.content))
            else:
                pair.append(copy)
                plain.append(copy)
        versions[record.pk] = tuple(pair)
    if plain:
        prefetch_related_objects(plain, *(part.relation for part in PARTS))
    return versions


def _in_review(records: list[Activity]) -> set[int]:
    """Return the keys of ``records`` whose review is in progress (``workflow_in_progress``)."""
    if not records or not getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
        return set()
    states = WorkflowState.objects.filter(
        base_content_type=records[0].get_base_content_type(),
        object_id__in=[str(record.pk) for record in records],
        status=WorkflowState.STATUS_IN_PROGRESS,
    )
    return {int(key) for key in states.values_list("object_id", flat=True)}


def plan_import(
    *, rows: list[Row], reporting_org: Organisation, outcome: str = ImportRun.REVIEW
) -> ImportPlan:
    """Read ``rows`` for ``reporting_org`` into activities held in memory; write nothing."""
    plan = ImportPlan(reporting_org=reporting_org)
    if not reporting_org.identifier:
        plan.error("", None, "", _("The reporting authority has no IATI identifier: add it first."))
        return plan
    by_project: dict[str, dict] = {}
    for row in rows:
        values = _read_row(plan, row)
        identifier = _identifier(plan, row, str(values.get(PROJECT_CODE) or ""))
        if identifier is None:
            continue
        project = by_project.setdefault(
            identifier, {"row": None, "budgets": [], "transactions": []}
        )
        if row.sheet == ACTIVITIES:
            if project["row"] is not None:
                plan.error(
                    ACTIVITIES,
                    row.number,
                    PROJECT_CODE,
                    _("the same project code is on row %(row)d too.")
                    % {"row": project["row"][0].number},
                )
                continue
            project["row"] = (row, values)
        else:
            project[row.sheet].append((row, values))

    existing = {
        a.iati_identifier: a for a in Activity.objects.filter(iati_identifier__in=list(by_project))
    }
    versions = _latest_versions(
        [a for a in existing.values() if a.reporting_org_id == reporting_org.pk]
    )
    in_review = _in_review(list(existing.values()))
    taken_slugs = set(
        Activity.objects.filter(reporting_org=reporting_org).values_list("slug", flat=True)
    )
    organisations = _organisations(
        {
            str(values["implementing_org"])
            for project in by_project.values()
            if project["row"] is not None
            for values in [project["row"][1]]
            if values.get("implementing_org")
        }
    )
    for identifier, project in by_project.items():
        first_row = (
            project["row"][0]
            if project["row"]
            else (project["budgets"] + project["transactions"])[0][0]
        )
        current = existing.get(identifier)
        if current is not None and current.reporting_org_id != reporting_org.pk:
            plan.error(
                first_row.sheet,
                first_row.number,
                PROJECT_CODE,
                _("%(id)s belongs to another reporting authority.") % {"id": identifier},
            )
            continue
        if current is None and project["row"] is None:
            plan.error(
                first_row.sheet,
                first_row.number,
                PROJECT_CODE,
                _("no activity %(id)s, neither in the activities sheet nor in the portal.")
                % {"id": identifier},
            )
            continue
        if current is not None and current.pk in in_review:
            plan.error(
                first_row.sheet,
                first_row.number,
                PROJECT_CODE,
                _("%(id)s is in review: approve it or ask for changes first.") % {"id": identifier},
            )
            continue
        if current is None:
            activity = Activity(reporting_org=reporting_org, iati_identifier=identifier, live=False)
            activity.participating_orgs = [
                ParticipatingOrg(organisation=reporting_org, role=ACCOUNTABLE)
            ]
            before = None
        else:
            activity, before = versions[current.pk]
            activity.reporting_org = before.reporting_org = reporting_org
        item = ActivityPlan(identifier, activity, current is None)
        if project["row"] is not None:
            row, values = project["row"]
            item.row = row.number
            _apply_activity_values(activity, values)
            if "implementing_org" in values:
                _set_implementing(
                    plan, row, activity, str(values["implementing_org"]), organisations
                )
        for relation, model, defaults in (
            ("budgets", Budget, {"type": "1", "status": "1"}),
            ("transactions", Transaction, {}),
        ):
            if project[relation]:
                setattr(
                    activity,
                    relation,
                    [
                        _child(model, CHILD_SHEETS[relation], values, defaults)
                        for _row, values in project[relation]
                    ],
                )
                item.child_rows[relation] = [row.number for row, _values in project[relation]]
        if item.is_new:
            activity.slug = unique_slug(record=activity, taken=taken_slugs, all_taken=True)
        _validate(plan, item, publish=outcome == ImportRun.PUBLISH)
        if before is not None:
            item.changes = _differences(before, activity)
        plan.activities.append(item)
    return plan


# Applying --------------------------------------------------------------------------------------
class ImportRefused(Exception):
    """The rows no longer pass the checks; nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.errors)} errors")
        self.plan = plan


def _rows_of_plan(item: ActivityPlan) -> int:
    """Count the spreadsheet rows that make ``item``: its activity row and its child rows."""
    return (item.row is not None) + sum(len(rows) for rows in item.child_rows.values())


def _write(
    plan: ImportPlan, user, outcome: str, progress: Callable[[int], None] | None = None
) -> None:
    """Write the plan's new and changed activities in batches, then start their reviews.

    ``progress`` hears the number of rows done: the rows of unchanged activities at once, then
    those of each batch written (visible to the job's page; committed only at the end).
    """
    changed = [item for item in plan.activities if item.changed]
    done = sum(_rows_of_plan(item) for item in plan.activities if not item.changed)
    rows_by_name = {item.identifier: _rows_of_plan(item) for item in changed}
    on_batch = None
    if progress is not None:
        progress(done)

        def on_batch(batch: Sequence[Item]) -> None:
            nonlocal done
            done += sum(rows_by_name[item.name] for item in batch)
            progress(done)

    items = [
        Item(
            item.activity,
            {p.relation: list(getattr(item.activity, p.relation).all()) for p in PARTS},
            name=item.identifier,
        )
        for item in changed
    ]
    try:
        write_records(
            Activity, items, publish=outcome == ImportRun.PUBLISH, user=user, on_batch=on_batch
        )
    except WriteRefused as refused:
        by_identifier = {item.identifier: item for item in changed}
        for problem in refused.problems:
            where = _where(
                by_identifier[problem.record],
                problem.part or problem.field,
                problem.row,
                problem.field,
            )
            plan.error(*where, problem.message)
        raise ImportRefused(plan) from refused
    if outcome == ImportRun.REVIEW:
        submit_records_for_review(records=[item.activity for item in changed], user=user)


def apply_import(
    *,
    run: ImportRun,
    user,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Check ``run``'s rows again and write them all, or nothing (``dry_run`` rolls back).

    ``progress`` is told the number of rows done as the writing goes (see ``_write``).

    Raise ``ImportRefused`` when a row fails (the run records the errors), ``PermissionDenied``
    when ``user`` may not publish but asked to.
    """
    from wagtail.permissions import policy_registry

    if run.outcome == ImportRun.PUBLISH and not policy_registry.get_by_type(
        Activity
    ).user_has_permission(user, "publish"):
        raise PermissionDenied(_("You may not publish: choose drafts or review."))
    rows = [Row.from_json(data) for data in run.records]
    try:
        with transaction.atomic():
            plan = plan_import(rows=rows, reporting_org=run.reporting_org, outcome=run.outcome)
            if plan.errors:
                raise ImportRefused(plan)
            _write(plan, user, run.outcome, progress)
            if dry_run:
                transaction.set_rollback(True)
    except ImportRefused as refused:
        run.status, run.errors = ImportRun.FAILED, refused.plan.errors
        run.save(update_fields=["status", "errors"])
        raise
    if not dry_run:
        run.status, run.summary, run.applied_at = ImportRun.APPLIED, plan.summary, timezone.now()
        run.save(update_fields=["status", "summary", "applied_at"])
    return plan


def check_upload(
    *,
    rows: list[Row],
    read_errors: list[dict],
    reporting_org: Organisation,
    user,
    file_name: str,
    outcome: str,
) -> tuple[ImportRun, ImportPlan]:
    """Record an upload and its check: refused with its errors, or checked and waiting."""
    run = ImportRun(
        user=user,
        reporting_org=reporting_org,
        file_name=file_name[:255],
        outcome=outcome,
        records=[row.as_json() for row in rows],
    )
    # Check the rows even when the file has unknown columns, so that every error shows at once.
    plan = plan_import(rows=rows, reporting_org=reporting_org, outcome=outcome)
    errors = [*read_errors, *plan.errors]
    run.summary = plan.summary
    run.errors = errors
    run.status = ImportRun.REFUSED if errors else ImportRun.CHECKED
    run.save()
    return run, plan
