"""Catch a save over someone else's newer version, and say what they changed.

Two editors open one activity; one deletes a row and saves. The other's form still names the
deleted row, so their save used to fail on the row's hidden identifier with nothing shown.
Now such a save is refused once with a message naming who saved, when, and which fields and
rows changed; the form keeps everything the editor typed (rows deleted meanwhile come back
as new rows), so saving again keeps their version on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from modelcluster.models import get_all_child_relations
from wagtail.admin.panels import Panel
from wagtail.models import Revision

from .form_errors import SEPARATOR, Place, places


@dataclass
class Conflict:
    """A newer version saved since the editor opened the form."""

    by: str
    at: str
    changes: list[str] = field(default_factory=list)
    data: QueryDict | None = None

    def message(self) -> str:
        changed = "; ".join(self.changes) or _("no field you can see")
        return _(
            "While you were editing, %(user)s saved a newer version (%(time)s). Changed since "
            "you opened the page: %(changes)s. Nothing was saved now: what you typed is still "
            "in the form below; check it and save again to keep your version."
        ) % {"user": self.by, "time": self.at, "changes": changed}


def _rows(content: dict[str, Any], relation: str) -> list[dict[str, Any]]:
    return list(content.get(relation) or [])


def _row_key(row: dict[str, Any], position: int) -> Any:
    return row.get("pk") or ("new", position)


def _without_keys(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("pk", "sort_order", "activity")}


def describe_changes(
    model, loaded: dict[str, Any], latest: dict[str, Any], where: dict[str, Place]
) -> list[str]:
    """Name the fields and rows that differ between two versions' contents."""
    relations = {rel.get_accessor_name() for rel in get_all_child_relations(model)}
    changes: list[str] = []
    for name, place in where.items():
        if name in relations or loaded.get(name) == latest.get(name):
            continue
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except Exception:  # a form-only field: no stored value to compare
            continue
        changes.append(SEPARATOR.join(p for p in (place.tab, label) if p))
    for relation in sorted(relations):
        place = where.get(relation)
        if place is None:
            continue
        heading = SEPARATOR.join(p for p in (place.tab, place.label) if p)
        before = {_row_key(r, i): (i, r) for i, r in enumerate(_rows(loaded, relation), 1)}
        after = {_row_key(r, i): (i, r) for i, r in enumerate(_rows(latest, relation), 1)}
        for key, (number, row) in before.items():
            if key not in after:
                what = _("row %(number)s deleted") % {"number": number}
            elif _without_keys(after[key][1]) != _without_keys(row):
                what = _("row %(number)s changed") % {"number": number}
            else:
                continue
            changes.append(f"{heading}{SEPARATOR}{what}")
        for key, (number, _row) in after.items():
            if key not in before:
                what = _("row %(number)s added") % {"number": number}
                changes.append(f"{heading}{SEPARATOR}{what}")
    return changes


def _drop_stale_row_ids(record, data: QueryDict) -> tuple[QueryDict, bool]:
    """Turn rows that no longer exist into new rows, so the form does not fail on their ids."""
    copy = data.copy()
    stale = False
    for relation in get_all_child_relations(type(record)):
        name = relation.get_accessor_name()
        existing = {str(row.pk) for row in getattr(record, name).all() if row.pk}
        total = data.get(f"{name}-TOTAL_FORMS", "")
        for index in range(int(total) if total.isdigit() else 0):
            key = f"{name}-{index}-id"
            if data.get(key) and data[key] not in existing:
                copy[key] = ""
                stale = True
    return copy, stale


def detect(record, data: QueryDict, panel: Panel, user) -> Conflict | None:
    """Return the conflict if ``data`` was edited from an older version of ``record``.

    Versions saved since by ``user`` themselves are no conflict (their own earlier save from
    the same form); rows that no longer exist always are, since saving would bring them back.
    """
    latest = record.latest_revision
    loaded_id = data.get("loaded_revision_id", "")
    cleaned, stale = _drop_stale_row_ids(record, data)
    newer = None
    if latest is not None and loaded_id.isdigit() and int(loaded_id) != latest.pk:
        newer = record.revisions.filter(pk__gt=int(loaded_id)).exclude(user=user).last()
    if newer is None and not stale:
        return None
    where = places(panel)
    changes: list[str] = []
    if newer is not None:
        loaded = Revision.objects.filter(pk=int(loaded_id)).first()
        if loaded is not None:
            changes = describe_changes(type(record), loaded.content, latest.content, where)
    saved_by = newer or latest
    by = ""
    if saved_by is not None and saved_by.user is not None:
        by = saved_by.user.get_full_name() or saved_by.user.get_username()
    at = date_format(localtime(saved_by.created_at), "DATETIME_FORMAT") if saved_by else ""
    return Conflict(by=by or _("another user"), at=at, changes=changes, data=cleaned)
