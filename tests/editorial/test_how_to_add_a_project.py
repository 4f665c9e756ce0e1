"""The steps of docs/editors.md "How to add a project", through the admin's forms.

(The same steps in headless Chromium belong to the browser tests.)
"""

from __future__ import annotations

import pytest
from django.test import Client

from opencoop.activities.models import Activity
from tests.conftest import SECTION_EN, SECTION_IT

from .helpers import form_data, messages_text, soup, url

pytestmark = pytest.mark.django_db


def test_an_officer_adds_a_project_and_a_reviewer_publishes_it(
    login, florence, florence_editor, florence_reviewer
):
    # Steps 1–5 and 7: the officer fills in the form in both languages and submits it for review.
    client = login(florence_editor)
    page = client.get(url(Activity, "add"))
    data = form_data(page)
    assert data["reporting_org"] == str(florence.pk)
    assert data["iati_identifier"] == f"{florence.identifier}-"
    data.update(
        {
            "iati_identifier": f"{florence.identifier}-WATER-2025",
            "title_0": "Acqua pulita a Bethlehem",
            "title_1": "Clean water in Bethlehem",
            "description_0": "Riparazione della rete idrica del quartiere.",
            "description_1": "Repair of the district's water network.",
            "status": "2",
            "planned_start": "2025-01-01",
            "planned_end": "2026-12-31",
            "recipient_countries-TOTAL_FORMS": "1",
            "recipient_countries-0-code": "PS",
            "recipient_countries-0-percentage": "",
            "recipient_countries-0-id": "",
            "recipient_countries-0-ORDER": "1",
            "participating_orgs-TOTAL_FORMS": "1",
            "participating_orgs-0-organisation": str(florence.pk),
            "participating_orgs-0-role": "1",
            "participating_orgs-0-id": "",
            "participating_orgs-0-ORDER": "1",
            "action-submit": "action-submit",
        }
    )
    response = client.post(url(Activity, "add"), data)
    assert response.status_code == 302, messages_text(response)
    project = Activity.objects.get(iati_identifier=f"{florence.identifier}-WATER-2025")
    assert not project.live and project.workflow_in_progress
    assert project.slug == "clean-water-in-bethlehem"
    assert "Clean water in Bethlehem" not in Client().get(SECTION_EN + "projects/").content.decode()

    # Steps 8–10: the reviewer opens it from the dashboard and approves it.
    client = login(florence_reviewer)
    home = soup(client.get("/admin/"))
    in_review = home.select_one('[data-dashboard="in-review"]')
    assert [a["href"] for a in in_review.select("li a")] == [url(project, "edit")]
    page = client.get(url(project, "edit"))
    status = soup(page).select_one("[data-publication-ready]")
    assert status is not None  # "Ready to publish? Yes"
    data = form_data(page)
    data.update({"action-workflow-action": "true", "workflow-action-name": "approve"})
    response = client.post(url(project, "edit"), data)
    assert response.status_code == 302, messages_text(response)
    project.refresh_from_db()
    assert project.live and not project.workflow_in_progress

    # Step 11: the project is on the public list, on its own page and in the catalogue searched
    # for a word of its title, in both languages.
    visitor = Client()
    for section, listing, search, title, description in (
        (SECTION_EN, "projects/", "catalogue/?q=water", "Clean water in Bethlehem", "Repair of"),
        (SECTION_IT, "progetti/", "catalogo/?q=acqua", "Acqua pulita a Bethlehem", "Riparazione"),
    ):
        links = soup(visitor.get(section + listing)).find_all("a", string=title)
        assert len(links) == 1, (listing, links)
        own_page = soup(visitor.get(links[0]["href"]))
        assert own_page.h1.get_text(strip=True) == title
        assert description in own_page.main.get_text()
        assert project.iati_identifier in own_page.main.get_text()
        found = soup(visitor.get(section + search)).select(".it-card-title a")
        assert [(a.get_text(strip=True), a["href"]) for a in found] == [(title, links[0]["href"])]
