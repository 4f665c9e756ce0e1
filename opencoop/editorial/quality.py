"""What keeps a record from being published, said in the officer's words and tied to a field.

Activities are checked by the IATI rules of ``opencoop.iati.rules`` (the one place
those rules live); this module only maps each breach's IATI path to the form field or the row
of a repeated part where the officer fixes it. Other records get the few checks they need.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from wagtail.admin.panels import FieldPanel, InlinePanel, Panel

from opencoop.activities.parts import ACTIVITY_DATES, field_paths
from opencoop.iati.rules import ERROR, WARNING, check_activity


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing to fix before publishing: where (field, row, child field) and what.

    ``template`` and ``params`` keep the message untranslated, so that a stored problem can be
    said again in each reader's language (``stored_problems``).
    """

    field: str
    message: str
    row: int | None = None
    child_field: str = ""
    label: str = ""
    template: str = ""
    params: dict = dataclasses.field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"{self.label}: {self.message}" if self.label else self.message

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _storable(params: dict) -> dict:
    """Keep message parameters as JSON can store them (dates, amounts: as the message shows them)."""
    return {
        name: value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
        for name, value in params.items()
    }


def _problem(field: str, template: str, params: dict | None = None) -> Problem:
    """Return a problem whose message is ``template`` (marked with ``N_``) in the active language."""
    params = _storable(params or {})
    return Problem(field, gettext(template) % params, template=template, params=params)


# IATI element of a breach's path → the activity field or repeated part where it is edited,
# and, for repeated parts, the sub-element → the field of the row: from the one description.
ACTIVITY_ELEMENTS: dict[str, tuple[str, dict[str, str]]] = field_paths()
DATE_FIELDS = {code: field for field, code in ACTIVITY_DATES}
PATH_RE = re.compile(
    r"^(?P<element>@?[a-z-]+)(?P<predicates>(\[[^\]]*\])*)(/(?P<rest>.*))?$", re.DOTALL
)
POSITION_RE = re.compile(r"\[(\d+)\]")
DATE_TYPE_RE = re.compile(r"@type='(\d)'")
BENEFICIARIES_RE = re.compile(r"^result\[last\(\)\]/indicator\[(\d+)\]")


def _activity_problem(path: str, message: str) -> Problem:
    """Map one IATI path of an activity to the field (or row) where it is fixed."""
    beneficiaries = BENEFICIARIES_RE.match(path)
    if beneficiaries:
        return Problem("beneficiaries", message, row=int(beneficiaries.group(1)))
    match = PATH_RE.match(path)
    if not match:
        return Problem("", message)
    element, predicates, rest = match["element"], match["predicates"] or "", match["rest"] or ""
    if element == "activity-date":
        date_type = DATE_TYPE_RE.search(predicates)
        field = DATE_FIELDS.get(date_type.group(1)) if date_type else "planned_start"
        return Problem(field or "planned_start", message)
    if element not in ACTIVITY_ELEMENTS:
        return Problem("", message)
    field, children = ACTIVITY_ELEMENTS[element]
    position = POSITION_RE.search(predicates)
    child_field = children.get(rest, "")
    if not child_field and rest in children.values():
        child_field = rest
    return Problem(
        field, message, row=int(position.group(1)) if position else None, child_field=child_field
    )


def _activity_breaches(activity, level: str) -> list[Problem]:
    return [
        dataclasses.replace(
            _activity_problem(breach.path, breach.translated()),
            template=breach.template,
            params=_storable(breach.params),
        )
        for breach in check_activity(activity)
        if breach.level == level
    ]


def _activity_problems(activity) -> list[Problem]:
    return _activity_breaches(activity, ERROR)


def _activity_warnings(activity) -> list[Problem]:
    return _activity_breaches(activity, WARNING)


def _image_problems(record) -> list[Problem]:
    image = getattr(record, "image", None)
    if image is not None and not (getattr(image, "description", "") or "").strip():
        return [
            _problem(
                "image",
                N_(
                    "the image has no alternative text: describe it for people who cannot "
                    "see it (Images › edit the image › Description)."
                ),
            )
        ]
    return []


def _date_problems(record) -> list[Problem]:
    start, end = getattr(record, "start_date", None), getattr(record, "end_date", None)
    if start and end and end < start:
        return [
            _problem(
                "end_date", N_("the end date (%(end)s) is before the start date."), {"end": end}
            )
        ]
    return []


CHECKS: dict[str, list[Callable]] = {
    "activities.activity": [_activity_problems, _image_problems],
    "initiatives.initiative": [_date_problems],
    "exchanges.exchange": [_date_problems],
}


# What may be published but should be looked at (IATI's "should" rules).
WARNING_CHECKS: dict[str, list[Callable]] = {
    "activities.activity": [_activity_warnings],
}


def publication_problems(record: models.Model) -> list[Problem]:
    """Return what keeps ``record`` (as it would be published) from being published."""
    problems = []
    for check in CHECKS.get(record._meta.label_lower, []):
        problems.extend(check(record))
    return [_labelled(type(record), problem) for problem in problems]


def publication_warnings(record: models.Model) -> list[Problem]:
    """Return what does not keep ``record`` from being published but should be checked."""
    warnings = []
    for check in WARNING_CHECKS.get(record._meta.label_lower, []):
        warnings.extend(check(record))
    return [_labelled(type(record), warning) for warning in warnings]


# Labels ----------------------------------------------------------------------------------------
def _panels(model: type[models.Model]) -> tuple[dict[str, str], dict[str, str]]:
    """Map each field and repeated part of ``model``'s form to its tab, and parts to labels.

    Walked once per model and language: the form does not change while the site runs, and an
    import labels the problems of thousands of records.
    """
    return _walked_panels(model, translation.get_language())


@functools.cache
def _walked_panels(
    model: type[models.Model], _language: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    try:
        handler = model.get_edit_handler()
    except AttributeError:
        return {}, {}
    tabs: dict[str, str] = {}
    labels: dict[str, str] = {}

    def walk(panel: Panel, heading: str) -> None:
        if isinstance(panel, FieldPanel):
            tabs.setdefault(panel.field_name, heading)
        elif isinstance(panel, InlinePanel):
            tabs.setdefault(panel.relation_name, heading)
            if panel.label:
                labels.setdefault(panel.relation_name, str(panel.label))
        for child in getattr(panel, "children", []):
            walk(child, heading)

    children = getattr(handler, "children", [])
    tabbed = len(children) > 1 and all(getattr(child, "heading", "") for child in children)
    for child in children:
        walk(child, str(child.heading) if tabbed else "")
    return tabs, labels


def _verbose(model: type[models.Model], name: str) -> tuple[str, type[models.Model] | None]:
    """Return the officer's name of a field or repeated part, and the part's model."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " "), None
    if field.one_to_many:
        return str(field.related_model._meta.verbose_name_plural), field.related_model
    return str(field.verbose_name), None


def _labelled(model: type[models.Model], problem: Problem) -> Problem:
    if not problem.field:
        return problem
    tabs, labels = _panels(model)
    name, child_model = _verbose(model, problem.field)
    parts = [capfirst(labels.get(problem.field, name))]
    if problem.row:
        parts.append(_("row %(number)d") % {"number": problem.row})
    if problem.child_field and child_model is not None:
        parts.append(_verbose(child_model, problem.child_field)[0])
    label = ", ".join(parts)
    tab = tabs.get(problem.field)
    if tab:
        label = f"{tab} › {label}"
    return dataclasses.replace(problem, label=label)


def stored_problems(model: type[models.Model], stored: list[dict]) -> list[Problem]:
    """Say problems stored for ``model`` (``Problem.as_dict()``) in the active language.

    Message and label are made again from what was kept untranslated; a problem stored without
    its template keeps the message it was stored with.
    """
    problems = []
    for data in stored:
        template, params = data.get("template") or "", data.get("params") or {}
        message = data.get("message") or ""
        if template:
            try:
                message = gettext(template) % params
            except (KeyError, TypeError, ValueError):
                pass  # a parameter no longer fits the message: keep the stored text
        problem = Problem(
            data.get("field") or "",
            message,
            data.get("row"),
            data.get("child_field") or "",
            template=template,
            params=params,
        )
        problems.append(_labelled(model, problem))
    return problems
