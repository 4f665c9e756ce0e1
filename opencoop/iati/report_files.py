"""The full report of an IATI import: every error and warning, as CSV, and counts by kind.

The console and the admin show the first issues only; this file holds all of them, so that
nothing the import refused or did not keep goes unsaid (``iati_import --report FILE``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from opencoop.opendata.csvfiles import line_writer

from .reader import Issue

if TYPE_CHECKING:
    from .importer import ImportReport

COLUMNS = ("level", "line", "activity", "element", "message")
_POSITION = re.compile(r"\[\d+\]")


def issue_lines(issues: Iterable[Issue]) -> Iterator[str]:
    """Yield CSV lines, the header first, one row per issue (text cells made formula-safe)."""
    writer = line_writer()
    yield writer.writerow(COLUMNS)
    for issue in issues:
        yield writer.writerow(
            (issue.level, issue.line or "", issue.identifier, issue.element, issue.message)
        )


def report_lines(report: ImportReport) -> Iterator[str]:
    """Yield the report as CSV: the errors first, then the warnings, each in file order."""
    return issue_lines([*report.errors, *report.warnings])


def issues_from_json(report: dict) -> list[Issue]:
    """Return the errors, then the warnings, of a report kept as JSON (a background job's)."""
    return [Issue(**item) for item in [*report.get("errors", []), *report.get("warnings", [])]]


def kind(element: str) -> str:
    """Return the kind of an element path: the path without positions ("budget/value")."""
    return _POSITION.sub("", element) or "iati-activity"


def counts_by_kind(report: ImportReport) -> list[tuple[str, str, int]]:
    """Count the issues by level and element kind, most frequent first."""
    counter = Counter(
        (issue.level, kind(issue.element)) for issue in [*report.errors, *report.warnings]
    )
    return [(level, element, count) for (level, element), count in counter.most_common()]
