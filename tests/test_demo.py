"""The Florence demo: idempotent, complete against the original page, reachable in both languages."""

import difflib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from wagtail.models import Page, Revision

from opencoop.activities.models import Activity
from opencoop.demo.loader import load_demo
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan

from .conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "florence-page.txt"


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def counts() -> dict[str, int]:
    return {
        "activities": Activity.objects.count(),
        "initiatives": Initiative.objects.count(),
        "exchanges": Exchange.objects.count(),
        "plans": AnnualPlan.objects.count(),
        "organisations": Organisation.objects.count(),
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
    }


def test_loading_twice_changes_nothing():
    before = counts()
    report = load_demo()
    assert report.is_empty, (report.created, report.changed)
    assert counts() == before
    assert before["activities"] >= 13 and before["plans"] == 5


def test_demo_records_are_published_through_one_revision_holding_their_parts():
    activities = Activity.objects.prefetch_related("participating_orgs", "sectors")
    assert activities
    for activity in activities:
        assert activity.live and not activity.has_unpublished_changes
        assert activity.live_revision_id == activity.latest_revision_id is not None
        content = activity.live_revision.content
        assert [p["organisation"] for p in content["participating_orgs"]] == [
            p.organisation_id for p in activity.participating_orgs.all()
        ]
        assert len(content["sectors"]) == len(activity.sectors.all())
    for plan in AnnualPlan.objects.all():
        assert plan.live and plan.live_revision_id == plan.latest_revision_id is not None


def test_florence_identifier_comes_from_the_fiscal_number():
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    assert florence.is_reporting
    assert all(
        a.iati_identifier.startswith("IT-CF-01307110484-")
        for a in Activity.objects.filter(reporting_org=florence)
    )


def seed_items() -> list[str]:
    """Return the content lines of the original page: from its heading to the follow links."""
    lines = [normalise(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if "projects of cooperation" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("seguici su"))
    return [line for line in lines[start + 1 : end] if line]


def page_blocks(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    main = BeautifulSoup(response.content, "html.parser").find("main")
    return [normalise(t) for t in main.get_text("\n").split("\n") if t.strip()]


def section_links(client, url: str, prefix: str) -> set[str]:
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    return {
        a["href"]
        for a in soup.find("main").find_all("a", href=True)
        if a["href"].startswith(prefix)
    }


def site_blocks(client, landing: str) -> list[str]:
    """Collect the text of the landing page, the pages it links to and their record pages."""
    seen, blocks = set(), []
    frontier = [landing]
    for _depth in range(3):
        next_frontier = []
        for url in frontier:
            if url in seen:
                continue
            seen.add(url)
            blocks += page_blocks(client, url)
            next_frontier += sorted(section_links(client, url, landing))
        frontier = next_frontier
    return blocks


def matches(item: str, blocks: list[str]) -> bool:
    """Say whether a seed line is on the site: verbatim, or near enough (typos fixed)."""
    target = normalise(item)
    joined = " ".join(blocks)
    if target in joined:
        return True
    for size in (1, 2, 3):
        for i in range(len(blocks) - size + 1):
            candidate = " ".join(blocks[i : i + size])
            if difflib.SequenceMatcher(None, target, candidate).ratio() >= 0.85:
                return True
    return False


@pytest.mark.skipif(not SEED.exists(), reason="the original page is not on this machine")
def test_every_item_of_the_original_page_is_reachable_in_english(client):
    items = seed_items()
    assert len(items) > 40
    blocks = site_blocks(client, SECTION_EN)
    missing = [item for item in items if not matches(item, blocks)]
    assert missing == []


def test_italian_landing_links_the_same_records_as_the_english_one(client):
    def slugs(url):
        links = section_links(client, url, url)
        return {link.rstrip("/").rsplit("/", 1)[-1] for link in links if link.count("/") >= 7}

    italian, english = slugs(SECTION_IT), slugs(SECTION_EN)
    assert len(english) >= 13 + 5 + 8 + 5
    assert italian == english
    body = client.get(SECTION_IT).content.decode()
    assert "Assessore alle Relazioni internazionali e Cooperazione" in body
    assert "Nicoletta Mantovani" in body
    assert "055.2768265" in body
