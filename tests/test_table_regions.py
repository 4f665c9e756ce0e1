"""Wide tables scroll inside a region a keyboard can reach and a screen reader can name.

axe-core's scrollable-region-focusable: a region that scrolls must take the focus, and a
focusable region needs a name. Each table of the public pages sits in
``<div class="table-responsive" role="region" tabindex="0" aria-labelledby=…>`` whose label
is the table's caption or heading.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from opencoop.organisations.models import Organisation
from tests.factories import make_full_activity

from .conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db


def assert_every_table_in_a_named_region(html: str) -> int:
    soup = BeautifulSoup(html, "html.parser")
    tables = soup.select("main table")
    for table in tables:
        region = table.parent
        assert region.name == "div" and "table-responsive" in region.get("class", []), table
        assert region.get("role") == "region"
        assert region.get("tabindex") == "0"
        label = soup.find(id=region.get("aria-labelledby"))
        assert label is not None and label.get_text(strip=True), region.get("aria-labelledby")
    return len(tables)


def test_a_project_s_budget_payments_planned_and_results_tables_scroll_in_named_regions(client):
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    activity = make_full_activity(florence)
    for url in (SECTION_EN + "projects/", SECTION_IT + "progetti/"):
        response = client.get(f"{url}{activity.slug}/")
        assert response.status_code == 200
        # Budgets, transactions, planned disbursements and results.
        assert assert_every_table_in_a_named_region(response.content.decode()) == 4


def test_the_open_data_page_s_tables_scroll_in_named_regions(client):
    response = client.get(SECTION_EN + "open-data/")
    assert response.status_code == 200
    assert assert_every_table_in_a_named_region(response.content.decode()) >= 2
