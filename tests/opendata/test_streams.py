"""A streamed download that loses its database half-way says so in the file."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from opencoop.opendata import downloads, views

pytestmark = pytest.mark.django_db

NOTICE = "INCOMPLETE FILE"
FLORENCE = "IT-CF-01307110484"  # the demo's reporting authority


def _read_until_error(response) -> tuple[str, BaseException | None]:
    """Read a streamed body as a client would, up to the point where the server stops."""
    chunks, error = [], None
    try:
        for chunk in response.streaming_content:
            chunks.append(chunk if isinstance(chunk, bytes) else chunk.encode())
    except Exception as exc:  # the server's error ends the transfer
        error = exc
    return b"".join(chunks).decode("utf-8"), error


NOTICE_LINE = f"{NOTICE}: the server stopped writing it after an error. Download it again."


@pytest.mark.parametrize("name", ["catalogue-csv", "catalogue-json"])
def test_a_catalogue_download_cut_by_the_database_ends_with_the_notice(client, monkeypatch, name):
    real_rows = downloads.iter_rows

    def rows_then_outage(selection, ctx):
        rows = real_rows(selection, ctx)
        yield next(rows)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(downloads, "iter_rows", rows_then_outage)
    body, error = _read_until_error(client.get(reverse(f"opendata:{name}") + "?lang=en"))

    assert isinstance(error, OperationalError)
    lines = body.strip().splitlines()
    assert len(lines) >= 3  # the header (or metadata), one activity, the notice
    assert lines[-1].lstrip("# ") == NOTICE_LINE


def test_a_complete_download_carries_no_notice(client):
    body, error = _read_until_error(client.get(reverse("opendata:catalogue-csv") + "?lang=en"))
    assert error is None
    assert NOTICE not in body
    assert body.count("\n") >= 2  # the header and the demo's activities


def test_an_iati_file_cut_half_way_ends_with_an_xml_comment(client, monkeypatch):
    def half_file(activities, base_url):
        yield b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "iter_activities_xml", half_file)
    response = client.get(reverse("opendata:iati-activities", args=[FLORENCE]))
    body, error = _read_until_error(response)

    assert isinstance(error, OperationalError)
    assert body.startswith("<?xml")
    assert body.strip().splitlines()[-1] == f"<!-- {NOTICE_LINE} -->"
