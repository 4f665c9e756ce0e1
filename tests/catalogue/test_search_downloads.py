"""The site search's projects can be taken away: the same downloads as the catalogue's list."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from .conftest import SEARCH_EN, SEARCH_IT, soup_of

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(("url", "lang"), [(SEARCH_IT, "it"), (SEARCH_EN, "en")])
def test_the_projects_found_are_downloaded_with_the_catalogue_s_rows(client, url, lang):
    soup = soup_of(client, url + "?q=Palestina")
    group = soup.select_one("#group-activities")
    assert group is not None, "the search finds Florence's projects in Palestine"
    total = int(group.select_one(".badge").get_text(strip=True))
    links = {a["data-oc-download"]: a["href"] for a in group.select("a[data-oc-download]")}
    assert set(links) == {"csv", "csv_excel_it", "xlsx", "json", "iati", "atom"}
    for href in links.values():
        query = parse_qs(urlsplit(href).query)
        assert query["q"] == ["Palestina"] and query["lang"] == [lang]
    # The catalogue the group links to lists the same projects as every download.
    catalogue = soup_of(client, group.select_one("p a")["href"])
    titles = [a.get_text(strip=True) for a in catalogue.select("main .it-card-title a")]
    assert len(titles) == total > 0
    rows = list(csv.DictReader(io.StringIO(body(client.get(links["csv"])).decode("utf-8"))))
    assert sorted(row["title"] for row in rows) == sorted(titles)
    italian = body(client.get(links["csv_excel_it"])).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(italian), delimiter=";"))) == total
    assert len(json.loads(body(client.get(links["json"])))["activities"]) == total
    book = load_workbook(io.BytesIO(body(client.get(links["xlsx"]))), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == total + 1
    assert body(client.get(links["atom"])).decode("utf-8").count("<entry>") == total
    # The demo's projects lack elements IATI 2.03 requires (status, dates): as in the authority's
    # IATI file they are left out, and a list of only such projects has no IATI file, said so.
    iati = client.get(links["iati"])
    assert iati.status_code == 404
    assert iati["Content-Type"] == "text/plain; charset=utf-8"
    assert "IATI 2.03" in iati.content.decode()


def test_no_download_when_no_project_is_found(client):
    soup = soup_of(client, SEARCH_EN + "?q=privacy")
    assert soup.select("a[data-oc-download]") == []
