"""Fixtures of the spreadsheet import tests."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from opencoop.editorial.roles import ADMINISTRATOR, EDITOR
from tests.factories import make_activity, make_reporting_org, make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def authority(db):
    return make_reporting_org()


@pytest.fixture
def existing(authority):
    """A published activity of the authority, project code WELLS."""
    record = make_activity(authority, "WELLS")
    record.save_revision().publish()
    return record


@pytest.fixture
def administrator(db):
    return make_user("administrator", ADMINISTRATOR)


@pytest.fixture
def editor(authority):
    return make_user("editor", EDITOR, organisation=authority)


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """Write an XLSX file with the given sheets (first row: headings)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


ACTIVITY_HEADERS = [
    "project_code",
    "title_it",
    "title_en",
    "description_it",
    "description_en",
    "status",
    "planned_start",
    "planned_end",
    "recipient_countries",
    "sectors",
    "sdgs",
]
BUDGET_HEADERS = ["project_code", "period_start", "period_end", "amount", "currency"]
TRANSACTION_HEADERS = ["project_code", "type", "date", "amount", "description_it"]


@pytest.fixture
def login_admin(client, administrator):
    client.force_login(administrator)
    return client
