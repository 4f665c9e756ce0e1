"""Fixtures of the IATI tests: the open data tests' media folder and reporting organisation.

The import's messages are said in the user's language; these tests read them in English unless
they ask for another language (``translation.override``) or go through the admin, which speaks
its user's.
"""

import pytest
from django.utils import translation

from tests.opendata.conftest import media_root, reporting_org  # noqa: F401


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield
