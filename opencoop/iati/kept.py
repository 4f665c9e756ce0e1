"""Nothing dropped silently: compare an incoming activity with what the portal will publish.

The reader reports what it knows it does not keep; this module checks it did not miss anything,
generically. The elements and attributes of the incoming ``iati-activity`` are counted by path
("transaction/sector/@code"), the activity as the portal will hold it is written back with the
writer and counted the same way, and every path with fewer in the portal's version than in the
file gets a warning unless the report already says something about that path. When a part is
added to ``opencoop.activities.parts`` and the writer, its warnings disappear by themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _
from lxml import etree

from .normalise import attribute_name
from .reader import WARNING, Issue

# Attributes the writer always sets or that say nothing about the activity's content.
IGNORED_ATTRIBUTES = frozenset({"last-updated-datetime", "xml:lang"})
_PREDICATE = re.compile(r"\[[^\]]*\]")

Paths = dict[str, list[int]]


def source_paths(activity: etree._Element) -> Paths:
    """Return, for each path below ``activity``, the lines of the elements or attributes there."""
    paths: Paths = {}

    def walk(element: etree._Element, prefix: str) -> None:
        line = element.sourceline or 0
        for name in element.attrib:
            if name[0] == "{":  # a namespaced attribute ("xml:lang")
                name = attribute_name(name)
            if name not in IGNORED_ATTRIBUTES:
                paths.setdefault(f"{prefix}@{name}", []).append(line)
        for child in element.iterchildren(etree.Element):
            path = f"{prefix}{child.tag}"
            paths.setdefault(path, []).append(child.sourceline or 0)
            walk(child, f"{path}/")

    walk(activity, "")
    return paths


def issue_path(element: str) -> str:
    """Return an issue's element path without predicates ("location[@vocabulary='G1']")."""
    path = _PREDICATE.sub("", element.removeprefix("extension ")).strip("/")
    return path.removeprefix("iati-activity/") if path != "iati-activity" else ""


def covered(path: str, said: set[str]) -> bool:
    """Say whether an issue is about ``path`` or one of the elements holding it."""
    steps = path.split("/")
    return any("/".join(steps[:end]) in said for end in range(1, len(steps) + 1))


def not_kept(source: Paths, kept: Paths, issues: Iterable[Issue], identifier: str) -> list[Issue]:
    """Return a warning for each path the portal keeps fewer of than the file has, unless said."""
    # An error, or a warning that says it does not keep something, covers its path.
    said = {issue_path(issue.element) for issue in issues if issue.level != WARNING or issue.lost}
    said.discard("")
    warnings = []
    for path, lines in source.items():
        lost = len(lines) - len(kept.get(path, ()))
        if lost <= 0 or covered(path, said):
            continue
        warnings.append(
            Issue(
                _("not kept: %(lost)d of %(count)d in the file, the portal has no place for them")
                % {"lost": lost, "count": len(lines)}
                if lost < len(lines)
                else _("not kept: the portal has no place for this"),
                lines[0],
                identifier,
                path,
                WARNING,
                lost=True,
            )
        )
    return warnings
