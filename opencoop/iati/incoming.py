"""Check an incoming IATI file against the XML Schema of the version it declares.

Files of versions 2.01, 2.02 and 2.03 are validated with that version's official schemas
(shipped in ``schema-2.01/``, ``schema-2.02/`` and ``schema/``); version 1 files are refused with a
message saying so. Each activity is validated in a document of its own, so that one broken
activity is reported with its identifier and does not hide the others, and memory stays flat on
large files. Line numbers are those of the original file (lxml keeps them on copied elements).
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from lxml import etree

from .kept import source_paths
from .normalise import normalise_activity
from .reader import (
    ERROR,
    ROOT_TAG,
    ActivityFileReader,
    ActivityReader,
    ActivityRecord,
    FileRefused,
    Issue,
)
from .xsd import SCHEMA_DIR, load_schema

HERE = Path(__file__).resolve().parent
SCHEMA_DIRS: dict[str, Path] = {
    "2.01": HERE / "schema-2.01",
    "2.02": HERE / "schema-2.02",
    "2.03": SCHEMA_DIR,
}
SUPPORTED_VERSIONS = tuple(SCHEMA_DIRS)
ROOT_PATH = "/iati-activities/iati-activity"
# libxml2 writes schema messages in English; the common ones are said in the user's language,
# the others keep libxml2's words after a translated lead.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Missing child element\(s\)\. Expected is one of \( (?P<expected>.+) \)\."),
        N_("a required element is missing: one of %(expected)s"),
    ),
    (
        re.compile(r"Missing child element\(s\)\. Expected is \( (?P<expected>.+) \)\."),
        N_("a required element is missing: %(expected)s"),
    ),
    (
        re.compile(
            r"This element is not expected\. Expected is (?:one of )?\( (?P<expected>.+) \)\."
        ),
        N_("this element is not allowed here (or appears once too often); expected: %(expected)s"),
    ),
    (
        re.compile(r"This element is not expected\."),
        N_("this element is not allowed here, or appears once too often"),
    ),
    (
        re.compile(r"The attribute '(?P<attribute>[^']+)' is required but missing\."),
        N_("the required attribute “%(attribute)s” is missing"),
    ),
    (
        re.compile(r"The attribute '(?P<attribute>[^']+)' is not allowed\."),
        N_("the attribute “%(attribute)s” is not allowed here"),
    ),
    (
        re.compile(
            r"'(?P<value>[^']*)' is not a valid value of the (?:atomic|union|list) type '(?P<type>[^']+)'\."
        ),
        N_("“%(value)s” is not a valid %(type)s"),
    ),
    (
        re.compile(r"Character content other than whitespace is not allowed"),
        N_("text is not allowed directly in this element (write it in a narrative)"),
    ),
)


class UnsupportedVersion(ValueError):
    """The file declares a version the portal cannot read."""


@dataclass(frozen=True)
class SchemaProblem:
    """One schema error: where it is (line, activity, element path) and what it is."""

    line: int
    identifier: str
    path: str
    message: str


def declared_version(root: etree._Element) -> str:
    """Return the version an ``iati-activities`` root declares; refuse any it cannot read."""
    version = (root.get("version") or "").strip()
    if version in SCHEMA_DIRS:
        return version
    if version.startswith("1."):
        raise UnsupportedVersion(
            _(
                "The file declares IATI version %(version)s. Version 1 is no longer part of the IATI Standard: "
                "ask the publisher for a version 2 file (2.01, 2.02 or 2.03)."
            )
            % {"version": version}
        )
    raise UnsupportedVersion(
        _("The file declares IATI version “%(version)s”; the portal reads %(supported)s.")
        % {"version": version or "—", "supported": ", ".join(SUPPORTED_VERSIONS)}
    )


@functools.cache
def activity_schema(version: str) -> etree.XMLSchema:
    """Return the activity schema of ``version`` (parsed once per process)."""
    return load_schema("activities", SCHEMA_DIRS[version])


def plain_message(message: str) -> str:
    """Say a libxml2 schema message in the user's language where the portal knows its shape."""
    message = message.split(":", 1)[1].strip() if message.startswith("Element '") else message
    for pattern, template in _MESSAGES:
        match = pattern.search(message)
        if match:
            return _(template) % match.groupdict()
    return _("not as the IATI schema requires: %(detail)s") % {"detail": message}


def activity_problems(
    activity: etree._Element, root: etree._Element, version: str
) -> list[SchemaProblem]:
    """Validate one ``iati-activity`` of a file in a document of its own; list its problems."""
    wrapper = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    wrapper.set("version", version)
    wrapper.append(copy.deepcopy(activity))
    schema = activity_schema(version)
    if schema.validate(wrapper):
        return []
    identifier = (activity.findtext("iati-identifier") or "").strip()
    problems = []
    for error in schema.error_log:
        path = error.path or ""
        if path.startswith(ROOT_PATH):
            path = path[len(ROOT_PATH) :].lstrip("/") or "iati-activity"
        problems.append(
            SchemaProblem(
                line=error.line or activity.sourceline or 0,
                identifier=identifier,
                path=path,
                message=plain_message(error.message),
            )
        )
    return problems


def file_problems(data: bytes) -> list[SchemaProblem]:
    """Validate a whole (small) file activity by activity; refuse an unreadable version."""
    # The reader's defences: no network, no entities, no DTD, libxml2's default depth limits.
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    root = etree.fromstring(data, parser)
    version = declared_version(root)
    problems: list[SchemaProblem] = []
    for activity in root.iterfind("iati-activity"):
        problems.extend(activity_problems(activity, root, version))
    return problems


Fallback = Callable[[etree._Element], str]


class CheckedFileReader(ActivityFileReader):
    """Read an incoming file as the import does: each activity checked against its schema first.

    Before an activity is read, it is validated against the schema of the file's version (each
    problem an error of that activity), its recoverable slips are mended (``normalise``) and its
    elements are counted by path, so that the import can tell what it did not keep (``kept``).
    ``fallback_lang`` may be a function of the activity element: the language of narratives that
    neither they, the activity nor the file state (the reporting organisation's).
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        fallback_lang: str | Fallback,
        validate: bool = True,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(stream, fallback_lang="", on_read=on_read)
        self.fallback = fallback_lang
        self.validate = validate

    def check_root(self, root: etree._Element) -> None:
        if root.tag == ROOT_TAG:
            try:
                declared_version(root)
            except UnsupportedVersion as exc:
                raise FileRefused(
                    Issue(str(exc), root.sourceline, element=f"{ROOT_TAG}/@version")
                ) from exc
        super().check_root(root)

    def read_activity(
        self, element: etree._Element, root: etree._Element, default_lang: str
    ) -> ActivityRecord:
        identifier = (element.findtext("iati-identifier") or "").strip()
        issues = [
            Issue(problem.message, problem.line, problem.identifier, problem.path, ERROR)
            for problem in (activity_problems(element, root, self.version) if self.validate else [])
        ]
        issues += normalise_activity(element, identifier)
        fallback = self.fallback(element) if callable(self.fallback) else self.fallback
        record = ActivityReader(element, default_lang, fallback).read()
        record.source = source_paths(element)
        record.issues = sorted([*issues, *record.issues], key=lambda issue: issue.line or 0)
        return record
