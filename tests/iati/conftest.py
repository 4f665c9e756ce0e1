"""Fixtures of the IATI tests: the open data tests' media folder and reporting organisation."""

from tests.opendata.conftest import media_root, reporting_org  # noqa: F401
