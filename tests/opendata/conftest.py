"""Fixtures of the open data tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from opencoop.iati.xsd import SCHEMA_DIR, validate_xml
from tests.factories import make_reporting_org

# The official schemas (present in CI); elsewhere the copy shipped with the portal.
OFFICIAL_SCHEMA_DIR = Path("/work/shared/iati/schema")
TEST_SCHEMA_DIR = OFFICIAL_SCHEMA_DIR if OFFICIAL_SCHEMA_DIR.is_dir() else SCHEMA_DIR


def schema_errors(data: bytes, kind: str = "activities") -> list[str]:
    """Validate against the official schemas when available."""
    return validate_xml(data, kind, schema_dir=TEST_SCHEMA_DIR)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep uploaded documents out of the project folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def reporting_org():
    return make_reporting_org()
