"""A lighter edit page for records with many repeated parts.

Wagtail draws every field with an "add comment" button (two icons) and empty help and error
boxes, ~1.7 KB a field; comments are a page feature, so on records the buttons are dead weight.
Each repeated part also carries an empty row, rendered in full, for its "add" button to copy.
An activity with 20 parts came to ~665 KB of HTML. ``lighten`` turns the comment buttons off
everywhere, draws tabs, sections, rows and fields with compact templates that keep Wagtail's
classes, ids and error boxes (and the minimap's anchor links), and leaves out of the page what
repeats: the empty rows (the admin's script asks the edit view for one, ``?empty_row=<relation>``,
``empty_row_response``, when "add" is first pressed), the rows' headers (toggle, heading, move
and delete buttons) and the sections' anchor links and toggles: the page holds one of each,
``shared_headers``, which the script copies in while the page is read, before Wagtail binds them.
A chooser (an organisation's, ~2.1 KB even when empty) is drawn as its state only, the chosen
label, its edit address and its hidden input; its buttons, icons and menu are one ``<template>``
a kind of chooser (``compact_chooser``), which the script copies in before Wagtail binds it.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
)
from wagtail.admin.widgets.chooser import BaseChooser

# The query parameter of the edit and create views that asks for one empty row of a part.
EMPTY_ROW = "empty_row"


class CompactFieldPanel(FieldPanel):
    """A field: input, errors and help if any (the label is its section's or row's)."""

    class BoundPanel(FieldPanel.BoundPanel):
        template_name = "editorial/panels/compact_field.html"

        def get_editable_context_data(self):
            field = self.bound_field.field
            chooser = field.widget
            if not _is_plain_chooser(chooser):
                return super().get_editable_context_data()
            # Wagtail renders the field's widget: this form's own copy, put back once drawn.
            field.widget = _CompactChooser(chooser)
            try:
                return super().get_editable_context_data()
            finally:
                field.widget = chooser


# Stands for a chooser's id in its kind's <template> (admin-inline-rows.js puts the id back).
CHOOSER_ID = "OCCHOOSER"
_CHOOSER_TEMPLATE = BaseChooser.template_name
_OPENING_TAG = re.compile(r"\s*(<div\b[^>]*>)(.*)</div>\s*$", re.DOTALL)
_CLASS = re.compile(r'class="([^"]*)"')


def _is_plain_chooser(widget) -> bool:
    # Only choosers drawn by Wagtail's generic template hold their state in the title and edit
    # link that the script fills in (an image chooser's preview is drawn otherwise).
    return isinstance(widget, BaseChooser) and widget.template_name == _CHOOSER_TEMPLATE


class _CompactChooser:
    """``chooser`` as a form renders it, drawn by ``compact_chooser``; the rest is the chooser's."""

    def __init__(self, chooser: BaseChooser) -> None:
        self.chooser = chooser

    def __getattr__(self, name: str):
        return getattr(self.chooser, name)

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        return compact_chooser(self.chooser, name, value, attrs or {})


def compact_chooser(chooser: BaseChooser, name: str, value, attrs: dict) -> SafeString:
    """Return ``chooser`` drawn as its state, its buttons in a ``<template>`` of its kind.

    The chooser's element holds the chosen label as its text and its edit address in
    ``data-edit-url``, followed by the hidden input and a script that calls ``ocChooser`` (it
    copies in ``template#oc-chooser-<kind>``, the empty chooser drawn by Wagtail for the id
    ``OCCHOOSER``) before Wagtail's own. Each chooser comes with its kind's template;
    ``compact_response`` keeps the first of each in the page.
    """
    id_ = attrs["id"]
    value_data = chooser.get_value_data(value) or {}
    context = chooser.get_context(CHOOSER_ID, {}, {**attrs, "id": CHOOSER_ID})
    context["original_field_html"] = ""
    empty = render_to_string(chooser.template_name, context)
    opening, inside = _OPENING_TAG.match(empty).groups()
    inside = inside.strip()
    kind = hashlib.blake2s(inside.encode(), digest_size=4).hexdigest()
    classes = [c for c in _CLASS.search(opening)[1].split() if c != "blank"]
    if not value_data:
        classes.append("blank")
    opening = _CLASS.sub(lambda _: f'class="{" ".join(classes)}"', opening, count=1)
    opening = opening.replace(f'id="{CHOOSER_ID}-chooser"', f'id="{id_}-chooser"')
    edit_url = value_data.get("edit_url") or ""
    return format_html(
        '<template id="oc-chooser-{}">{}</template>{}{}</div>{}<script>ocChooser({},"{}");{}</script>',
        kind,
        mark_safe(inside),
        mark_safe(
            opening[:-1] + (format_html(' data-edit-url="{}">', edit_url) if edit_url else ">")
        ),
        value_data.get(chooser.display_title_key, ""),
        chooser.render_hidden_input(name, value_data.get("id"), attrs),
        mark_safe(json.dumps(id_).translate(_SCRIPT_ESCAPES)),
        kind,
        mark_safe(chooser.render_js_init(id_, name, value_data or None)),
    )


# A chooser kind's template (compact_chooser), and its key.
_CHOOSER_KIND = re.compile(r'<template id="oc-chooser-([0-9a-f]+)">.*?</template>', re.DOTALL)


def keep_first_chooser_templates(html: str) -> str:
    """Return ``html`` with the first ``<template>`` of each kind of chooser only."""
    seen: set[str] = set()

    def first(match: re.Match) -> str:
        if match[1] in seen:
            return ""
        seen.add(match[1])
        return match[0]

    return _CHOOSER_KIND.sub(first, html)


class CompactObjectList(ObjectList):
    """A tab: its sections with one anchor link each, no indentation."""

    class BoundPanel(ObjectList.BoundPanel):
        template_name = "editorial/panels/object_list.html"


class CompactMultiFieldPanel(MultiFieldPanel):
    """A group of fields (and a part's row) without indentation."""

    class BoundPanel(MultiFieldPanel.BoundPanel):
        template_name = "editorial/panels/multi_field_panel.html"


class CompactFieldRowPanel(FieldRowPanel):
    """Fields side by side, without indentation."""

    class BoundPanel(FieldRowPanel.BoundPanel):
        template_name = "editorial/panels/field_row_panel.html"


# Characters a JSON value may hold that would end or confuse an inline script.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


class LightInlinePanel(InlinePanel):
    """Repeated parts drawn compactly: rows without headers, the empty row fetched when added."""

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
            # A JavaScript object literal, not a string to parse: half the bytes.
            context["options_json"] = mark_safe(
                json.dumps(self.js_opts(), separators=(",", ":")).translate(_SCRIPT_ESCAPES)
            )
            return context


_COMPACT = {
    ObjectList: CompactObjectList,
    MultiFieldPanel: CompactMultiFieldPanel,
    FieldRowPanel: CompactFieldRowPanel,
    FieldPanel: CompactFieldPanel,
    InlinePanel: LightInlinePanel,
}


def lighten(panel: Panel) -> Panel:
    """Turn off comment buttons under ``panel``; draw fields and repeated parts compactly.

    Changes the (model-bound, shared) panel tree in place; doing it again changes nothing.
    """
    if isinstance(panel, FieldPanel):
        panel.disable_comments = True
    # Only Wagtail's own classes: a subclass may draw itself its own way.
    compact = _COMPACT.get(type(panel))
    if compact is not None:
        panel.BoundPanel = compact.BoundPanel
    if isinstance(panel, InlinePanel):
        lighten(panel.child_edit_handler)
    for child in getattr(panel, "children", ()):
        lighten(child)
    return panel


# Indentation is meaningless in HTML except in these elements (and in scripts, left alone).
_KEPT = re.compile(r"(<(textarea|pre|script)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
_INDENT = re.compile(r"\n\s+")
# A comment, a tag (its quoted values may hold ">" and line breaks), or text up to the next "<".
_TOKEN = re.compile(
    r"(<!--.*?-->)|(<[a-zA-Z/](?:\"[^\"]*\"|'[^']*'|[^'\">])*>)|([^<]+|<)", re.DOTALL
)
# Inside a tag: a quoted value (kept as it is) or a run of white space (one space is enough).
_IN_TAG = re.compile(r"(\"[^\"]*\"|'[^']*')|\s+")


# The blank before a tag's own end (never in a value: a value ends with its quote).
_BEFORE_END = re.compile(r" (/?>)$")


def _tag(tag: str) -> str:
    return _BEFORE_END.sub(r"\1", _IN_TAG.sub(lambda part: part[1] or " ", tag))


def _squeeze(html: str) -> str:
    out = []
    for comment, tag, text in _TOKEN.findall(html):
        out.append(comment or (tag and _tag(tag)) or _INDENT.sub("\n", text))
    return "".join(out)


def strip_indentation(html: str) -> str:
    """Return ``html`` without the templates' indentation (a newline stays where one was).

    Wagtail's templates indent deeply: a fifth of the edit page was leading blanks. A run of
    white space that starts with a newline shows as one space, so keeping the newline keeps
    the rendering; inside a tag, between its attributes, one space does. Attribute values (an
    input's value may hold line breaks of imported text), comments, textareas, pre and scripts
    are copied untouched.
    """
    pieces = _KEPT.split(html)
    # split() yields text, whole kept element, its tag name, text, ...
    out = []
    for index, piece in enumerate(pieces):
        kind = index % 3
        if kind == 0:
            out.append(_squeeze(piece))
        elif kind == 1:
            out.append(piece)
    return "".join(out)


def compact_response(response):
    """Strip the indentation of a rendered HTML response and its repeated chooser templates (a
    post-render callback)."""
    if response.get("Content-Type", "").startswith("text/html"):
        html = keep_first_chooser_templates(response.content.decode(response.charset))
        response.content = strip_indentation(html).encode(response.charset)
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
                        "with_header": True,
                    },
                    request=inline.request,
                )
                # The row's parts take the number the browser gave the row.
                html = html.replace(f"{wanted}-", f"{prefix}-")
                return compact_response(HttpResponse(html, content_type="text/html; charset=utf-8"))
    return HttpResponse(status=404)


def shared_headers() -> SafeString:
    """Return the one copy of the headers that the page's sections and rows share.

    ``template#oc-section-header``: a tab section's anchor link and toggle, ``OCPANEL`` standing
    for the section's id without ``-section``. ``template#oc-row-header``: a row's header,
    ``OCROW`` standing for the row's id (``inline_child_<form prefix>``) and ``OCFORM`` for its
    form prefix. The admin's script (admin-inline-rows.js) fills them in: ~30 KB less on an
    activity with 20 parts.
    """
    section = render_to_string("editorial/panels/section_header.html")
    row = render_to_string(
        "editorial/panels/row_header.html",
        {"row_id": "OCROW", "form_prefix": "OCFORM", "label": "", "can_order": True},
    )
    return format_html(
        '<template id="oc-section-header">{}</template><template id="oc-row-header">{}</template>',
        section,
        row,
    )
