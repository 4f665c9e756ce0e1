"""The edit page of an activity with 20 parts is light: no dead comment buttons, no empty rows
rendered in advance, no indentation; its size measured on the rendered HTML."""

from __future__ import annotations

import re

import pytest

from opencoop.editorial.compact import strip_indentation
from scripts.bench_edit_page import give_twenty_parts
from tests.factories import make_organisation

from .helpers import soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db

# The product requirement (issue 17): at most 200 KB of HTML for 20 parts.
REQUIRED = 200_000
# What the page weighs now (it was ~665 KB; 292,174 bytes with the review and sensitive panels
# and the parts an IATI file may now hold: planned disbursements, related activities, other
# identifiers; 299,832 once the result's indicator became a row of its own, inside the
# result's): no heavier than this, until the requirement is met.
REACHED = 300_000


@pytest.fixture
def twenty_parts(activity, partner_org):
    give_twenty_parts(activity, [partner_org, make_organisation(), make_organisation()])
    return activity


@pytest.fixture
def page(client, editor, twenty_parts):
    client.force_login(in_italian(editor))
    response = client.get(url(twenty_parts, "edit"))
    assert response.status_code == 200
    return response


def test_the_page_holds_every_part_without_dead_weight(page):
    html = page.content.decode()
    document = soup(page)
    rows = [row["id"] for row in document.select("[data-inline-panel-child]")]
    # The 20 parts, and the result's indicator: a row inside the result's row.
    assert len([row for row in rows if "-indicators-" not in row]) == 20
    assert [row for row in rows if "-indicators-" in row] == ["inline_child_results-0-indicators-0"]
    assert document.find("input", attrs={"name": "transactions-2-value"})["value"] == "5000.00"
    assert "data-comment-add" not in html
    assert "w-edit-handler-data" not in html
    assert all(
        t.get_text(strip=True) == "" for t in document.select("template[data-empty-row-url]")
    )
    assert not re.search(r">\n[ \t]+<", html)  # the indentation between tags is gone


def test_the_page_of_20_parts_is_no_heavier_than_reached(page):
    assert len(page.content) <= REACHED, f"{len(page.content):,} bytes"


@pytest.mark.xfail(
    strict=True,
    reason="not met yet: 266 KB on the bench (was 665 KB); rows and sections keep Wagtail's panels",
)
def test_the_page_of_20_parts_is_at_most_200_kb(page):
    assert len(page.content) <= REQUIRED, f"{len(page.content):,} bytes"


def test_only_indentation_between_tags_goes_never_a_value_or_a_text_box():
    html = (
        '<div>\n    <input value="a\n    b">\n   <textarea>\n  x\n   y</textarea>\n'
        "  <p>t\n   u</p><script>\n  if (a >  b) {}\n</script>\n</div>"
    )
    assert strip_indentation(html) == (
        '<div>\n<input value="a\n    b">\n<textarea>\n  x\n   y</textarea>\n'
        "<p>t\nu</p><script>\n  if (a >  b) {}\n</script>\n</div>"
    )
