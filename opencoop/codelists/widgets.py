"""A searchable picker for codes of long IATI codelists, labelled in the editor's language.

A text input tied to a ``<datalist>`` (the browser searches code and label as one types) with
the label of the chosen code beside it. The options are not in the page: the admin's script
fetches each codelist once per page, when a picker is first used, from ``codelists:options``,
so an activity with many rows does not repeat hundreds of ``<option>`` in every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import get_language

from . import registry


def label_of(lists: Iterable[str], code: str | None) -> str:
    """Return the label of ``code`` in the first of ``lists`` holding it ("" if none does)."""
    for name in lists:
        codelist = registry.get(name)
        if codelist.is_valid(code):
            return codelist.label(str(code))
    return ""


class CodelistPicker(forms.TextInput):
    """Pick a code of ``lists`` (one codelist, or several whose codes do not overlap)."""

    template_name = "codelists/widgets/codelist_picker.html"

    def __init__(self, lists: Iterable[str] = (), attrs: dict | None = None) -> None:
        self.lists = tuple(lists)
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.lists = self.lists
        return copy

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        key = "-".join(self.lists)
        longest = max((len(c) for n in self.lists for c in registry.get(n).items), default=8)
        context["widget"]["attrs"].setdefault("size", str(max(longest, 5) + 2))
        context["widget"]["attrs"]["list"] = f"codelist-{key}"
        context["picker"] = {
            "list_id": f"codelist-{key}",
            "url": reverse("codelists:options")
            + "?"
            + urlencode({"lists": ",".join(self.lists), "lang": get_language() or ""}),
            "label": label_of(self.lists, value),
        }
        return context
