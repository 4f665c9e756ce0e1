"""Validate IATI XML against the official 2.03 schemas shipped with the portal."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILES = {
    "activities": "iati-activities-schema.xsd",
    "organisations": "iati-organisations-schema.xsd",
}

Kind = Literal["activities", "organisations"]


@functools.cache
def load_schema(kind: Kind = "activities", schema_dir: Path = SCHEMA_DIR) -> etree.XMLSchema:
    """Parse the schema of ``kind`` once per process (its includes are read from ``schema_dir``)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.parse(str(Path(schema_dir) / SCHEMA_FILES[kind]), parser)
    return etree.XMLSchema(document)


def validate_xml(
    data: bytes, kind: Kind = "activities", schema_dir: Path | None = None
) -> list[str]:
    """Return the schema errors of ``data`` as "line N: message" ([] when valid)."""
    schema = load_schema(kind, Path(schema_dir) if schema_dir else SCHEMA_DIR)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.msg}"]
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
