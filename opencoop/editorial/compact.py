"""A lighter edit page for records with many repeated parts.

Wagtail draws every field with an "add comment" button (two icons) and empty help and error
boxes, ~1.7 KB a field; comments are a page feature, so on records the buttons are dead weight.
Each repeated part also carries an empty row, rendered in full, for its "add" button to copy.
An activity with 20 parts came to ~665 KB of HTML. ``lighten`` turns the comment buttons off
everywhere, draws the rows of repeated parts with compact templates that keep Wagtail's classes,
ids and error boxes, and leaves the empty rows out of the page: the admin's script asks the
edit view for one (``?empty_row=<relation>``, ``empty_row_response``) when "add" is first pressed.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.template.loader import render_to_string
from wagtail.admin.panels import FieldPanel, InlinePanel, Panel

# The query parameter of the edit and create views that asks for one empty row of a part.
EMPTY_ROW = "empty_row"


class CompactFieldPanel(FieldPanel):
    """A field: input, errors and help if any (the label is its section's or row's)."""

    class BoundPanel(FieldPanel.BoundPanel):
        template_name = "editorial/panels/compact_field.html"


class LightInlinePanel(InlinePanel):
    """Repeated parts drawn compactly, their empty row fetched when first added."""

    class BoundPanel(InlinePanel.BoundPanel):
        template_name = "editorial/panels/inline_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            request = self.request
            # Asked by the formset's prefix: a part inside a row (a result's indicators,
            # "results-0-indicators") is found through its row.
            context["empty_row_url"] = (
                f"{request.path if request else ''}?{EMPTY_ROW}={self.formset.prefix}"
            )
            return context


def lighten(panel: Panel) -> Panel:
    """Turn off comment buttons under ``panel``; draw fields and repeated parts compactly.

    Changes the (model-bound, shared) panel tree in place; doing it again changes nothing.
    """
    if isinstance(panel, FieldPanel):
        panel.disable_comments = True
        # Only plain field panels: a subclass may draw its field its own way.
        if type(panel) is FieldPanel:
            panel.BoundPanel = CompactFieldPanel.BoundPanel
    if isinstance(panel, InlinePanel):
        if type(panel) is InlinePanel:
            panel.BoundPanel = LightInlinePanel.BoundPanel
        lighten(panel.child_edit_handler)
    for child in getattr(panel, "children", ()):
        lighten(child)
    return panel


# Indentation is meaningless in HTML except in these elements (and in scripts, left alone).
_KEPT = re.compile(r"(<(textarea|pre|script)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
_INDENT = re.compile(r"\n\s+")
# Text between tags; attribute values (which may hold a value's own line breaks) are not touched.
_TEXT = re.compile(r"(?:^|(?<=>))[^<>]+(?=<|$)")


def strip_indentation(html: str) -> str:
    """Return ``html`` without the templates' indentation (a newline stays where one was).

    Wagtail's templates indent deeply: a fifth of the edit page was leading blanks. A run of
    white space that starts with a newline shows as one space, so keeping the newline keeps
    the rendering. Only text between tags changes: attribute values (an input's value may
    hold line breaks of imported text), textareas, pre and scripts are copied untouched.
    """
    pieces = _KEPT.split(html)
    # split() yields text, whole kept element, its tag name, text, ...
    out = []
    for index, piece in enumerate(pieces):
        kind = index % 3
        if kind == 0:
            out.append(_TEXT.sub(lambda text: _INDENT.sub("\n", text[0]), piece))
        elif kind == 1:
            out.append(piece)
    return "".join(out)


def compact_response(response):
    """Strip the indentation of a rendered HTML response (a post-render callback)."""
    if response.get("Content-Type", "").startswith("text/html"):
        response.content = strip_indentation(response.content.decode(response.charset)).encode(
            response.charset
        )
    return response


def _inline_panels(bound) -> list:
    """Return the bound inline panels under ``bound``, those inside their rows included."""
    if isinstance(bound.panel, InlinePanel):
        found = [bound]
        for row in [*bound.children, bound.empty_child]:
            found += _inline_panels(row)
        return found
    found = []
    for child in getattr(bound, "children", ()):
        found += _inline_panels(child)
    return found


# A row's number in a formset prefix ("results-3-indicators"): a row added in the browser is
# not in the form, so its parts are drawn from the empty row ("results-__prefix__-indicators").
_ROW_NUMBER = re.compile(r"-\d+-")


def empty_row_response(bound_panel, prefix: str) -> HttpResponse:
    """Return the empty row of the formset ``prefix`` as the page would have drawn it (404: none).

    ``prefix`` is a part's relation ("locations") or, for a part inside another's row, the
    nested formset's prefix ("results-0-indicators").
    """
    panels = _inline_panels(bound_panel)
    pattern = _ROW_NUMBER.sub("-__prefix__-", prefix)
    for wanted in (prefix, pattern):
        for inline in panels:
            if inline.formset.prefix == wanted:
                html = render_to_string(
                    "editorial/panels/inline_panel_child.html",
                    {
                        "child": inline.empty_child,
                        "self": inline,
                        "can_order": inline.formset.can_order,
                    },
                    request=inline.request,
                )
                # The row's parts take the number the browser gave the row.
                html = html.replace(f"{wanted}-", f"{prefix}-")
                return compact_response(HttpResponse(html, content_type="text/html; charset=utf-8"))
    return HttpResponse(status=404)
