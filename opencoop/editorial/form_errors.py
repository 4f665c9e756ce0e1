"""Name every error of an edit form by tab, row and field, so none hides on a hidden field.

Wagtail marks an error next to its field; an error on a hidden field (a row's identifier, a
chooser's value) or on a tab the editor is not looking at is easy to miss, and the editor is
left with "could not be saved" and nothing to fix. The summary lists each error as
"Partners › Participating organisations › row 2 › role: This field is required."
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.admin.panels import FieldPanel, InlinePanel, Panel, TabbedInterface

SEPARATOR = " › "


@dataclass(frozen=True)
class Place:
    """Where a field or a repeated part sits in the edit form."""

    tab: str
    label: str = ""


def places(panel: Panel) -> dict[str, Place]:
    """Map each field and repeated part (relation) of an edit handler to its tab and heading."""
    found: dict[str, Place] = {}
    tabs = panel.children if isinstance(panel, TabbedInterface) else [panel]
    for tab in tabs:
        heading = str(getattr(tab, "heading", "") or "")
        for child in _walk(tab):
            if isinstance(child, InlinePanel):
                found[child.relation_name] = Place(heading, str(child.heading))
            elif isinstance(child, FieldPanel):
                found.setdefault(child.field_name, Place(heading))
    return found


def _walk(panel: Panel) -> Iterator[Panel]:
    for child in getattr(panel, "children", []):
        yield child
        if not isinstance(child, InlinePanel):
            yield from _walk(child)


def live_rows(formset: forms.BaseFormSet) -> list[forms.Form]:
    """Return the rows the editor sees, in order (rows marked for deletion left out)."""
    rows = []
    for row in formset.forms:
        deleting = row[DELETION_FIELD_NAME].data if DELETION_FIELD_NAME in row.fields else False
        if not deleting:
            rows.append(row)
    return rows


def _field_label(form: forms.BaseForm, name: str) -> str:
    field = form.fields.get(name)
    if field is None:
        return name
    if field.widget.is_hidden or name == "id":
        return _("%(field)s (hidden field)") % {
            "field": _("row identifier") if name == "id" else name
        }
    return str(field.label or capfirst(name.replace("_", " ")))


def summary(form: forms.BaseForm, panel: Panel) -> list[str]:
    """Return one line per error of ``form`` and its repeated parts, naming where it is."""
    where = places(panel)
    lines: list[str] = []
    for name, errors in form.errors.items():
        for error in errors:
            if name == NON_FIELD_ERRORS:
                lines.append(str(error))
                continue
            tab = where.get(name, Place("")).tab
            prefix = SEPARATOR.join(p for p in (tab, _field_label(form, name)) if p)
            lines.append(f"{prefix}: {error}")
    for relation, formset in getattr(form, "formsets", {}).items():
        place = where.get(relation, Place("", relation))
        heading = SEPARATOR.join(p for p in (place.tab, place.label) if p)
        for error in formset.non_form_errors():
            lines.append(f"{heading}: {error}")
        for number, row in enumerate(live_rows(formset), start=1):
            row_name = _("row %(number)s") % {"number": number}
            for name, errors in row.errors.items():
                parts = [heading, row_name]
                if name != NON_FIELD_ERRORS:
                    parts.append(_field_label(row, name))
                for error in errors:
                    lines.append(f"{SEPARATOR.join(parts)}: {error}")
    return lines
