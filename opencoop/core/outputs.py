"""Files written by the management commands: checked before any work, replaced atomically."""

from __future__ import annotations

import os
from argparse import ArgumentTypeError
from collections.abc import Iterable
from pathlib import Path

# The reporting years a CRS or IATI command accepts: IATI dates are xsd:date, but a year outside
# this range is always a typing slip ("20244", "99999"), never a reporting year.
FIRST_YEAR = 1950
LAST_YEAR = 2100


def reporting_year(value: str) -> int:
    """Parse a --year argument; a slip ends the command with a one-line message (argparse's)."""
    try:
        year = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r}: write the year as four digits, e.g. 2024.") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ArgumentTypeError(
            f"{year}: a reporting year is between {FIRST_YEAR} and {LAST_YEAR}."
        )
    return year


def output_path(value: str) -> Path:
    """Check an --output path before any work: its folder exists and is writable."""
    path = Path(value)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ArgumentTypeError(f"{value}: this is a folder; give a file name inside it.")
    if not folder.is_dir():
        raise ArgumentTypeError(f"{value}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise ArgumentTypeError(f"{value}: the folder {folder} is not writable.")
    return path


def write_atomically(path: Path, chunks: Iterable[bytes | str]) -> None:
    """Write ``chunks`` beside ``path`` and rename at the end: a failure leaves no half file."""
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
