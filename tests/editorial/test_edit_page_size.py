"""The edit page of an activity with 20 parts is light: no dead comment buttons, no empty rows
rendered in advance, one copy of the sections' and rows' headers, no indentation; its size
measured on the rendered HTML."""

from __future__ import annotations

import re

import pytest

from opencoop.editorial.compact import strip_indentation
from opencoop.organisations.models import Organisation
from scripts.bench_edit_page import give_twenty_parts
from tests.factories import make_organisation

from .helpers import filled_chooser, soup, url
from .test_admin_italian import in_italian

pytestmark = pytest.mark.django_db

# The product requirement: at most 200 KB of HTML for 20 parts (it was ~665 KB, then 292 KB
# with the review and sensitive panels and the parts an IATI file may now hold).
REQUIRED = 200_000


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


def test_the_headers_of_sections_and_rows_are_in_the_page_once(page):
    document = soup(page)
    [sections] = document.select("template#oc-section-header")
    [rows] = document.select("template#oc-row-header")
    assert sections.select("[data-panel-anchor][href='#OCPANEL-section'], [data-panel-toggle]")
    assert rows.select_one("#id_OCFORM-DELETE-button") is not None
    assert rows.select_one("[data-inline-panel-child-move-up]") is not None
    # Each section holds its heading (a field's label), each row none: the script adds the rest.
    # The section's id starts with its tab's heading, in the language of the first edit page the
    # process built (Wagtail keeps the bound panels): the test looks at its end only.
    status = document.select_one("[id$='-status-section']")
    assert status.select_one("h2 label[for=id_status]").get_text(strip=True) == "Stato"
    assert not document.select("[data-inline-panel-child] .w-panel__header")
    assert "ocSections(" in page.content.decode()
    assert "ocInlinePanel(" in page.content.decode()


def test_an_added_row_comes_with_its_own_header(client, page, twenty_parts):
    template = soup(page).select_one("template#id_transactions-EMPTY_FORM_TEMPLATE")
    row = soup(client.get(template["data-empty-row-url"]))
    assert row.select_one("#id_transactions-__prefix__-DELETE-button") is not None
    heading = row.select_one("#inline_child_transactions-__prefix__-panel-heading")
    assert heading.get_text(strip=True) == "Transazioni"
    assert row.select_one("[name=transactions-__prefix__-value]") is not None


def test_the_page_of_20_parts_is_at_most_200_kb(page):
    assert len(page.content) <= REQUIRED, f"{len(page.content):,} bytes"


def test_blanks_inside_a_tag_shrink_to_one_never_inside_a_value():
    html = '<div\n    data-action="a->b"\n   class="x"\n  \n>t</div><input value="a >  b" />'
    assert (
        strip_indentation(html)
        == '<div data-action="a->b" class="x">t</div><input value="a >  b"/>'
    )


def test_only_indentation_between_tags_goes_never_a_value_or_a_text_box():
    html = (
        '<div>\n    <input value="a\n    b">\n   <textarea>\n  x\n   y</textarea>\n'
        "  <p>t\n   u</p><script>\n  if (a >  b) {}\n</script>\n</div>"
    )
    assert strip_indentation(html) == (
        '<div>\n<input value="a\n    b">\n<textarea>\n  x\n   y</textarea>\n'
        "<p>t\nu</p><script>\n  if (a >  b) {}\n</script>\n</div>"
    )


def test_each_kind_of_chooser_sends_its_buttons_once_and_each_chooser_its_state(page):
    html = page.content.decode()
    document = soup(page)
    kinds = re.findall(r'ocChooser\("([^"]+)","([0-9a-f]+)"\)', html)
    assert len(kinds) >= 9  # 3 partners, 3 transactions with a provider and a receiver
    for id_, kind in kinds:
        [template] = document.select(f"template#oc-chooser-{kind}")
        assert html.index(f'id="oc-chooser-{kind}"') < html.index(f'id="{id_}-chooser"')
        assert "OCCHOOSER" in template.decode_contents()
    partner = document.select_one("#id_participating_orgs-0-organisation-chooser")
    chosen = Organisation.objects.get(
        pk=document.find(id="id_participating_orgs-0-organisation")["value"]
    )
    assert partner.get_text() == str(chosen)
    assert partner["data-edit-url"].endswith(f"/edit/{chosen.pk}/")
    assert "blank" in document.select_one("#id_transactions-0-receiver_org-chooser")["class"]
    filled = filled_chooser(document, "id_participating_orgs-0-organisation")
    names = [" ".join(b.get_text().split()) for b in filled.select("button, a")]
    assert names[1:] == [
        "Cambia organizzazione",
        "Modifica la voce scelta (organizzazione)",
        "Scegli organizzazione",
    ]
    assert filled.select_one("[aria-label=Azioni]") is not None
