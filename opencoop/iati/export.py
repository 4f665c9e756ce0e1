"""Stream IATI 2.03 files: the activities of a reporting organisation and its organisation file.

The generators write one activity at a time (its text as the writer writes it, the declaration
and root with ``lxml.etree.xmlfile``) and read the activities in chunks (each kind of part in one
query per chunk), so memory stays flat however many activities there are. The file reads activities and parts as plain rows of values (``iter_with_parts``), not
as model instances: the writer, the rules and disclosure read both alike, and a test pins that
both write the same bytes.
An activity lacking an element the schema requires (``rules.missing_mandatory``) is left out of
the activity files and handed to a ``left_out`` callback, so that commands can list it.
"""

from __future__ import annotations

import datetime
import functools
import gc
import itertools
import json
import multiprocessing
import signal
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections, models
from django.db.models import Max, Prefetch, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from lxml import etree
from wagtail.models import Site

from opencoop.access import policy
from opencoop.activities import parts, vocabularies
from opencoop.activities.disclosure import is_public, public_activities
from opencoop.activities.models import Activity, ParticipatingOrg
from opencoop.core.queries import among_ids
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanDocument

from .rules import Breach, missing_mandatory
from .writer import (
    IATI_VERSION,
    YearBudget,
    activity_element,
    activity_xml,
    iso_datetime,
    organisation_root_element,
)

CHUNK_SIZE = 500
CENT = Decimal("0.01")
# BudgetType: a revised budget replaces the original one of the same period.
REVISED_BUDGET = "2"

LeftOut = Callable[[Activity, list[Breach]], None]


class NothingToPublish(Exception):
    """No activity of a selection has every element IATI 2.03 requires: there is no valid file."""


# Selections --------------------------------------------------------------------------------------
def reporting_org_activities(organisation: Organisation) -> QuerySet[Activity]:
    """Return the public activities of ``organisation`` (what its IATI file lists)."""
    return public_activities().for_reporting_org(organisation)


def activities_for_export(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Keep the public ones of ``activities``, with everything the mapping reads fetched in bulk."""
    return export_selection(activities).prefetch_related(
        *(Prefetch(relation, queryset=queryset) for relation, queryset in PARTS.items())
    )


def export_selection(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Keep the public ones of ``activities`` in file order, with what each row refers to."""
    return (
        in_file_order(activities)
        .select_related("reporting_org", "parent", "latest_revision")
        .defer("latest_revision__content")  # only its date is read
    )


def in_file_order(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Keep the public ones of ``activities``, ordered as the file lists them."""
    public = public_activities().values("pk")
    return activities.filter(pk__in=public).order_by("iati_identifier")


# The parts of an activity its ``iati-activity`` element shows, each with what its rows refer to,
# and the public children its related-activity elements name.
PARTS: dict[str, QuerySet] = {
    **{p.relation: p.queryset() for p in parts.PARTS},
    "children": Activity.objects.only(
        "pk",
        "parent_id",
        "iati_identifier",
        "slug",
        "reporting_org_id",
        *policy.PUBLIC_STATE_FIELDS,
    ).order_by("iati_identifier"),
}


# Reading rows as values ----------------------------------------------------------------------
# The export reads each row as a tuple of values and keeps them as the attributes of a ``Row``:
# building model instances (their ``__init__``, the managers of their relations) took half of
# the export's time. The writer, the rules and disclosure read rows and instances alike.
class _Rows(list):
    """The rows of one relation of one record, answering ``.all()`` as a prefetched one does."""

    def all(self) -> _Rows:
        return self


class Row:
    """A record or part read as values: its fields (and relations) are attributes."""

    def __init__(self, values: dict) -> None:
        self.__dict__ = values


@functools.cache
def row_class(model: type[models.Model]) -> type[Row]:
    """Return the ``Row`` class of ``model``, with the properties the portal defines on it
    (``Activity.start_date``, ``DocumentLink.href``): they read fields only."""
    properties = {
        name: value
        for klass in reversed(model.__mro__)
        if klass.__module__.startswith("opencoop.")
        for name, value in vars(klass).items()
        if isinstance(value, property)
    }
    return type(f"{model.__name__}Row", (Row,), properties)


def field_names(model: type[models.Model]) -> tuple[str, ...]:
    """Return the columns of ``model`` a row holds: every concrete field, by its attribute name."""
    return tuple(f.attname for f in model._meta.concrete_fields)


def loaded_names(queryset: QuerySet) -> tuple[str, ...]:
    """Return the columns a row of ``queryset`` holds: those of its ``only()``, else every one."""
    model = queryset.model
    names, deferring = queryset.query.deferred_loading
    if deferring:
        return field_names(model)
    return ("id", *(model._meta.get_field(n).attname for n in sorted(names) if n != "pk"))


@functools.cache
def _json_fields(model: type[models.Model]) -> frozenset[str]:
    """Return the JSON fields of ``model`` decoded as Django would (no decoder of their own)."""
    return frozenset(
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.JSONField) and f.decoder is None
    )


def _json_value(text: str) -> object:
    """Decode a JSON column read as text, as ``JSONField.from_db_value`` does."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _json_column(texts: tuple[str | None, ...]) -> list:
    """Decode the texts of one JSON column of many rows, as ``_json_value`` decodes each one.

    Parsed together, as one array (a NULL as JSON's null, which Django reads as None too): the
    parser's own cost per call was most of decoding a short text.
    """
    try:
        return json.loads(f"[{','.join(['null' if text is None else text for text in texts])}]")
    except json.JSONDecodeError:  # a text that is not JSON: each decoded alone
        return [None if text is None else _json_value(text) for text in texts]


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    """Yield ``rows`` in lists of ``size`` (the last one shorter)."""
    while batch := list(itertools.islice(rows, size)):
        yield batch


def values_of(
    queryset: QuerySet, names: tuple[str, ...], *, stream: bool = False
) -> Iterator[dict]:
    """Yield each row of ``queryset`` as {name: value} of the columns ``names``.

    JSON columns are read as text and decoded here, a column of many rows at once
    (``_json_column``): Django's converter took longer than reading the row.
    ``stream`` reads the rows a chunk at a time (a server-side cursor on PostgreSQL).
    """
    json_names = [name for name in names if name in _json_fields(queryset.model)]
    texts = {f"json_text_{name}": Cast(name, TextField()) for name in json_names}
    columns = [f"json_text_{name}" if name in json_names else name for name in names]
    rows = queryset.annotate(**texts).values_list(*columns)
    batches = _batches(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE) if stream else [rows]
    json_at = [names.index(name) for name in json_names]
    for batch in batches:
        if not json_at:
            for values in batch:
                yield dict(zip(names, values, strict=True))
            continue
        # Column by column: each JSON column decoded at once, then the rows put back together.
        by_column: list = list(zip(*batch, strict=True)) or [() for _name in names]
        for at in json_at:
            by_column[at] = _json_column(by_column[at])
        for values in zip(*by_column, strict=True):
            yield dict(zip(names, values, strict=True))


class _Related:
    """The rows that parts refer to (organisations, documents), fetched once for many parts.

    Kept between chunks, so that an export fetches each organisation once; forgotten past
    ``LIMIT`` rows of a model, so that memory stays flat however many rows refer to distinct ones.
    """

    LIMIT = 10_000

    def __init__(self) -> None:
        self._by_model: dict[type[models.Model], dict[int, models.Model]] = defaultdict(dict)

    def fetch(self, model: type[models.Model], pks: set[int]) -> dict[int, models.Model]:
        known = self._by_model[model]
        if len(known) + len(pks) > self.LIMIT:
            known.clear()
        missing = [pk for pk in pks if pk not in known]
        if missing:
            known.update(model._base_manager.in_bulk(missing))
        return known

    def one(self, model: type[models.Model], pk: int) -> models.Model:
        """Return the row ``pk`` of ``model`` (asked once an activity: known ones at once)."""
        row = self._by_model[model].get(pk)
        return row if row is not None else self.fetch(model, {pk})[pk]


def _foreign_keys(model: type[models.Model], names: tuple[str, ...]) -> list[tuple[str, str, type]]:
    """Return (name, attname, model referred to) of the foreign keys ``names`` of ``model``."""
    fields = (model._meta.get_field(name) for name in names)
    return [(f.name, f.attname, f.related_model) for f in fields]


def _read_rows(
    queryset: QuerySet,
    owner_key: str,
    owner_pks: list[int],
    refers_to: tuple[str, ...],
    related: _Related,
) -> dict[int, _Rows]:
    """Read the rows of ``queryset`` whose ``owner_key`` is among ``owner_pks``, as rows grouped by
    owner, each with the rows its foreign keys ``refers_to`` name as attributes."""
    model = queryset.model
    if hasattr(queryset, "with_targets"):  # related activities: whether each target is public
        queryset = queryset.with_targets()
    names = (*loaded_names(queryset), *queryset.query.annotations)
    make = row_class(model)
    rows = [
        make(values)
        for values in values_of(queryset.filter(among_ids(owner_key, owner_pks)), names)
    ]
    for name, attname, target in _foreign_keys(model, refers_to):
        fetched = related.fetch(target, {row.__dict__[attname] for row in rows} - {None})
        for row in rows:
            pk = row.__dict__[attname]
            row.__dict__[name] = None if pk is None else fetched[pk]
    groups: dict[int, _Rows] = defaultdict(_Rows)
    for row in rows:
        row.__dict__["pk"] = row.__dict__["id"]
        groups[row.__dict__[owner_key]].append(row)
    return groups


def _attach(
    owners: list[Row],
    relation: str,
    queryset: QuerySet,
    owner_model: type[models.Model],
    refers_to: tuple[str, ...],
    related: _Related,
    nested: tuple[parts.Part, ...] = (),
) -> None:
    """Read the rows of ``relation`` of ``owners`` (and their nested rows) into each owner."""
    foreign_key = owner_model._meta.get_field(relation).field
    groups = _read_rows(queryset, foreign_key.attname, [o.pk for o in owners], refers_to, related)
    for owner in owners:
        owner.__dict__[relation] = rows = groups.get(owner.pk, _Rows())
        for row in rows:
            row.__dict__[foreign_key.name] = owner
    children = [row for group in groups.values() for row in group]
    for inner in nested:
        _attach(
            children,
            inner.relation,
            inner.model.objects.all(),
            queryset.model,
            inner.select_related,
            related,
            inner.nested,
        )


def fetch_parts(activities: list[Row], related: _Related) -> None:
    """Read the parts of ``activities`` as rows, one query per kind of part, into each activity.

    The chunk's keys go as one array parameter (``among_ids``), not as ``IN (…)``, where Django
    resolves and the driver quotes each key again for every kind of part.
    """
    if not activities:
        return
    for p in parts.PARTS:
        _attach(
            activities, p.relation, PARTS[p.relation], Activity, p.select_related, related, p.nested
        )
    _attach(activities, "children", PARTS["children"], Activity, (), related)


# What the activity's own row holds beyond its fields: its parent's state and identifier (the
# related-activity elements), and when its latest revision was made (last-updated-datetime).
PARENT_FIELDS = ("iati_identifier", *policy.PUBLIC_STATE_FIELDS)
REVISION_DATE = "latest_revision__created_at"


def activity_rows(activities: QuerySet[Activity], related: _Related) -> Iterator[Row]:
    """Yield the public ``activities`` in file order as rows, their reporting orgs attached."""
    parent = {f"parent__{name}": name for name in PARENT_FIELDS}
    names = (*field_names(Activity), *parent, REVISION_DATE)
    make = row_class(Activity)
    for fields in values_of(in_file_order(activities), names, stream=True):
        of_parent = {name: fields.pop(column) for column, name in parent.items()}
        revision_date = fields.pop(REVISION_DATE)
        fields["pk"] = fields["id"]
        parent_pk = fields["parent_id"]
        fields["parent"] = (
            None if parent_pk is None else make({"id": parent_pk, "pk": parent_pk, **of_parent})
        )
        fields["latest_revision"] = (
            None if fields["latest_revision_id"] is None else Row({"created_at": revision_date})
        )
        fields["reporting_org"] = related.one(Organisation, fields["reporting_org_id"])
        yield make(fields)


def iter_with_parts(activities: QuerySet[Activity]) -> Iterator[Row]:
    """Yield the public ``activities`` in file order as rows, their parts read a chunk at a time."""
    related = _Related()
    chunk: list[Row] = []
    for activity in activity_rows(activities, related):
        chunk.append(activity)
        if len(chunk) == CHUNK_SIZE:
            fetch_parts(chunk, related)
            yield from chunk
            chunk = []
    fetch_parts(chunk, related)
    yield from chunk


def site_base_url() -> str:
    """Return the portal's address, for absolute document URLs outside a request."""
    site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL


# Streaming ---------------------------------------------------------------------------------------
class _Sink:
    """Collect what lxml writes, so that a generator can hand it on piece by piece."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stream_document(
    root_tag: str,
    attributes: dict[str, str],
    elements: Iterator[etree._Element | str],
) -> Iterator[bytes]:
    """Yield an XML document: the declaration and root start, then one piece per element.

    An element given as text (``writer.activity_xml``) is written as it is: it is what lxml
    would write for its tree.
    """
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root_tag, attributes):
            xf.write("\n")
            xf.flush()
            yield sink.take()
            for element in elements:
                if type(element) is str:
                    yield f"{element}\n".encode()
                    continue
                xf.write(element, pretty_print=True)
                xf.flush()
                yield sink.take()
    tail = sink.take()
    if tail:
        yield tail + b"\n"


def iter_activity_elements(
    activities: QuerySet[Activity],
    *,
    base_url: str | None = None,
    left_out: LeftOut | None = None,
) -> Iterator[tuple[Activity, etree._Element]]:
    """Yield each public activity of ``activities`` with its ``iati-activity`` element.

    An activity lacking an element the schema requires is not yielded: it goes, with what it
    lacks, to ``left_out``.
    """
    base_url = site_base_url() if base_url is None else base_url
    for activity in _complete(activities, left_out):
        yield activity, activity_element(activity, base_url=base_url)


def iter_activities_text(
    activities: QuerySet[Activity],
    *,
    base_url: str | None = None,
    left_out: LeftOut | None = None,
    processes: int = 1,
) -> Iterator[str]:
    """Yield the text of each public activity's ``iati-activity`` element, as the file holds it.

    An activity lacking an element the schema requires is not yielded: it goes, with what it
    lacks, to ``left_out``. ``processes`` above 1 writes chunks of the file in that many
    processes at once (``texts_in_processes``) where it can; the text is the same.
    """
    base_url = site_base_url() if base_url is None else base_url
    if processes > 1 and can_use_processes():
        yield from texts_in_processes(activities, base_url, left_out, processes)
        return
    yield from _texts(activities, base_url, left_out)


def _texts(
    activities: QuerySet[Activity], base_url: str, left_out: LeftOut | None
) -> Iterator[str]:
    """Yield the text of each complete activity of ``activities``, in this process."""
    with collector_frozen():
        for activity in _complete(activities, left_out):
            yield activity_xml(activity, base_url=base_url)


@contextmanager
def collector_frozen() -> Iterator[None]:
    """Keep the garbage collector off what the process held before, while inside.

    An export makes millions of objects, and rows that refer to each other are freed by the
    collector alone: each of its full passes went through everything the process held (Django,
    the code), a third of reading the rows. Frozen (``gc.freeze``), those are left out of its
    passes until the end. Where a caller froze them already (a pool's parent), left to it.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def can_use_processes() -> bool:
    """Say whether the export may be written by processes of its own.

    Each process opens its own connection, so it must see what this one sees: not inside a
    transaction (its rows are not committed), and not an SQLite database in memory (a process
    would open an empty one). Forking is what shares the settings and loaded code.
    """
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in multiprocessing.get_all_start_methods()
    )


class LeftOutActivity(NamedTuple):
    """What ``left_out`` is told of an activity left out by another process: who it is."""

    pk: int
    iati_identifier: str


def texts_in_processes(
    activities: QuerySet[Activity], base_url: str, left_out: LeftOut | None, processes: int
) -> Iterator[str]:
    """Yield ``iter_activities_text`` of ``activities``, its chunks written by ``processes``.

    Writing the elements is nearly all of an export's processor time, one activity independent
    of the next: chunks of the file order go to a pool of processes and come back in order, at
    most two a process ahead (memory stays flat). ``left_out`` is called here, in order, with a
    ``LeftOutActivity``. A selection of one chunk is written here: no pool is started.
    """
    pks = list(in_file_order(activities).values_list("pk", flat=True))
    if len(pks) <= CHUNK_SIZE:
        # One chunk: one process would write it all, after the cost of starting a pool.
        yield from _texts(Activity.objects.filter(among_ids("pk", pks)), base_url, left_out)
        return
    chunks = iter([pks[start : start + CHUNK_SIZE] for start in range(0, len(pks), CHUNK_SIZE)])
    connections.close_all()  # a connection must not be shared with the processes forked
    with collector_frozen():
        # Frozen too, what this process holds (Django, the code, the settings) stays shared with
        # the processes forked: the collector's marks would write nearly every page, each
        # process then holding its own copy.
        yield from _texts_of_chunks(chunks, base_url, left_out, processes)


def _texts_of_chunks(
    chunks: Iterator[list[int]], base_url: str, left_out: LeftOut | None, processes: int
) -> Iterator[str]:
    """Yield the texts of ``chunks`` of keys, written by a pool of ``processes``, in order."""
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_writer_started)
    try:
        pending: deque = deque()

        def submit() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append(pool.apply_async(_chunk_texts, (chunk, base_url)))

        for _ in range(2 * processes):
            submit()
        while pending:
            items = pending.popleft().get()
            submit()
            for item in items:
                if type(item) is str:
                    yield item
                elif left_out is not None:
                    left_out(LeftOutActivity(*item[:2]), item[2])
        pool.close()  # done: the processes end once idle
    finally:
        pool.terminate()
        pool.join()


def _writer_started() -> None:
    """Let a writing process end when its pool ends it, whatever its parent does on SIGTERM
    (the jobs worker's handler only asks the worker to stop after its task)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _chunk_texts(pks: list[int], base_url: str) -> list:
    """Return the texts of the activities ``pks`` in file order, and (pk, identifier, what it
    lacks) for each one left out, in a process of ``texts_in_processes``."""
    items: list = []
    try:

        def note(activity: Activity, missing: list[Breach]) -> None:
            items.append((activity.pk, activity.iati_identifier, missing))

        for text in _texts(Activity.objects.filter(among_ids("pk", pks)), base_url, note):
            items.append(text)
    finally:
        connections.close_all()  # the pool ends its processes without closing them
    return items


def _complete(activities: QuerySet[Activity], left_out: LeftOut | None) -> Iterator[Activity]:
    """Yield each activity of ``activities``, with its parts, that has every element the schema
    requires; give the others, with what they lack, to ``left_out``."""
    for activity in iter_with_parts(activities):
        missing = missing_mandatory(activity)
        if missing:
            if left_out is not None:
                left_out(activity, missing)
            continue
        yield activity


def iter_activities_xml(
    activities: QuerySet[Activity],
    *,
    base_url: str | None = None,
    left_out: LeftOut | None = None,
    processes: int = 1,
) -> Iterator[bytes]:
    """Return the pieces of an ``iati-activities`` 2.03 document of the public ``activities``.

    The first activity is written at once, so that ``NothingToPublish`` is raised before
    anything is written when none has every element the schema requires (the schema wants at
    least one). ``processes``: see ``iter_activities_text``.
    """
    attributes = {"version": IATI_VERSION, "generated-datetime": iso_datetime(timezone.now())}
    elements = iter_activities_text(
        activities, base_url=base_url, left_out=left_out, processes=processes
    )
    first = next(elements, None)
    if first is None:
        raise NothingToPublish(
            "No public activity of the selection has every element IATI 2.03 requires."
        )
    return stream_document("iati-activities", attributes, itertools.chain([first], elements))


def left_out_message(activity: Activity, missing: list[Breach]) -> str:
    """Say on one line which activity is left out of the files and what it lacks."""
    what = "; ".join(f"{breach.path}: {breach.message}" for breach in missing)
    return f"{activity.iati_identifier}: left out of the IATI file, it lacks: {what}"


def iati_file_available(activity: Activity) -> bool:
    """Say whether ``activity`` has an IATI file: public and with every required element."""
    return is_public(activity) and not missing_mandatory(activity)


def mandatory_selection(organisation: Organisation) -> QuerySet[Activity]:
    """Return the public activities of ``organisation`` with what ``missing_mandatory`` reads."""
    return (
        reporting_org_activities(organisation)
        .select_related("reporting_org")
        .prefetch_related(
            Prefetch(
                "participating_orgs",
                queryset=ParticipatingOrg.objects.select_related("organisation"),
            ),
            "results__indicators",
        )
    )


def activities_file_available(organisation: Organisation) -> bool:
    """Say whether the IATI activity file of ``organisation`` holds at least one activity."""
    selection = mandatory_selection(organisation)
    return any(
        not missing_mandatory(activity) for activity in selection.iterator(chunk_size=CHUNK_SIZE)
    )


def activity_document(element: etree._Element) -> bytes:
    """Return one ``iati-activity`` element wrapped in an ``iati-activities`` document."""
    root = etree.Element("iati-activities", version=IATI_VERSION)
    root.append(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# Organisation file -------------------------------------------------------------------------------
def plan_total_budgets(organisation: Organisation) -> list[YearBudget]:
    """Return the planned total of each published annual plan that states one, by year."""
    plans = (
        policy.public(AnnualPlan)
        .filter(reporting_org=organisation, planned_total__isnull=False)
        .order_by("year")
    )
    return [YearBudget(plan.year, plan.planned_total, plan.currency) for plan in plans]


def current_budgets(activity: Activity) -> list:
    """Return the activity's budgets, a revised one replacing the original of the same period."""
    by_period: dict[tuple, list] = defaultdict(list)
    for budget in activity.budgets.all():
        by_period[(budget.period_start, budget.period_end)].append(budget)
    chosen = []
    for budgets in by_period.values():
        revised = [b for b in budgets if b.type == REVISED_BUDGET]
        chosen.extend(revised or budgets)
    return chosen


def country_shares(activity: Activity) -> dict[str, Decimal]:
    """Return each recipient country's share of the activity (1 = all of it).

    A single country without a percentage (and no OECD DAC region) takes everything; otherwise
    every country needs a percentage, and an activity where one is missing is left out.
    """
    countries = list(activity.recipient_countries.all())
    dac_regions = [
        r
        for r in activity.recipient_regions.all()
        if r.vocabulary in ("", vocabularies.DAC_REGIONS)
    ]
    if len(countries) == 1 and not dac_regions and countries[0].percentage is None:
        return {countries[0].code: Decimal(1)}
    if any(country.percentage is None for country in countries):
        return {}
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for country in countries:
        shares[country.code] += country.percentage / 100
    return dict(shares)


def recipient_country_budgets(activities: QuerySet[Activity]) -> list[YearBudget]:
    """Add up the activities' budgets by recipient country, calendar year (of the period start)
    and currency, splitting an activity among its countries by percentage."""
    totals: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    selection = (
        activities.filter(pk__in=public_activities().values("pk"))
        .only("pk", "default_currency")
        .prefetch_related("budgets", "recipient_countries", "recipient_regions")
        .order_by("pk")
    )
    for activity in selection.iterator(chunk_size=CHUNK_SIZE):
        shares = country_shares(activity)
        for budget in current_budgets(activity):
            currency = budget.currency or activity.default_currency
            for code, share in shares.items():
                totals[(code, budget.period_start.year, currency)] += budget.value * share
    return [
        YearBudget(year, value.quantize(CENT, rounding=ROUND_HALF_UP), currency, country=code)
        for (code, year, currency), value in sorted(totals.items())
    ]


def organisation_documents(organisation: Organisation) -> list[PlanDocument]:
    """Return the documents of the published annual plans, newest plan first."""
    return list(
        PlanDocument.objects.filter(
            plan__in=policy.public(AnnualPlan).filter(reporting_org=organisation)
        )
        .select_related("document", "plan")
        .order_by("-plan__year", "sort_order", "pk")
    )


def organisation_last_updated(organisation: Organisation) -> datetime.datetime:
    """Return the latest publication among the organisation's plans and public activities."""
    dates = [
        policy.public(AnnualPlan)
        .filter(reporting_org=organisation)
        .aggregate(latest=Max("last_published_at"))["latest"],
        reporting_org_activities(organisation).aggregate(latest=Max("last_published_at"))["latest"],
    ]
    dates = [date for date in dates if date is not None]
    return max(dates) if dates else timezone.now()


def iter_organisation_xml(
    organisation: Organisation, *, base_url: str | None = None
) -> Iterator[bytes]:
    """Yield the ``iati-organisations`` 2.03 document of a reporting organisation."""
    base_url = site_base_url() if base_url is None else base_url
    attributes = {"version": IATI_VERSION, "generated-datetime": iso_datetime(timezone.now())}

    def elements() -> Iterator[etree._Element]:
        yield organisation_root_element(
            organisation,
            total_budgets=plan_total_budgets(organisation),
            country_budgets=recipient_country_budgets(reporting_org_activities(organisation)),
            documents=organisation_documents(organisation),
            last_updated_at=organisation_last_updated(organisation),
            base_url=base_url,
        )

    return stream_document("iati-organisations", attributes, elements())
