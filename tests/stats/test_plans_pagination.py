"""The annual plans overview comes a page at a time, newest year first; its CSV holds them all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Site

from opencoop.activities.disclosure import public_activities
from opencoop.activities.models import Activity
from opencoop.plans.models import AnnualPlan, PlanAllocation
from opencoop.stats.models import PlansOverviewPage

from ..test_query_counts import count_queries
from .fixtures import parse_csv

# Records of several authorities on the demo's site, as on an atlas (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_authority")]

PLANS = "/it/comune-di-esempio/piani-e-spesa/"
ALL_PLANS = "/it/tutti-i-piani/"


def plan_sections(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser").select("section.oc-plan")


def plan_ids(client, url: str) -> list[int]:
    return [int(section["id"].removeprefix("plan-")) for section in plan_sections(client, url)]


@pytest.fixture
def all_plans_page() -> PlansOverviewPage:
    """Publish an overview of every authority's plans under the Italian home page."""
    home = Site.objects.get(is_default_site=True).root_page.specific
    page = PlansOverviewPage(title="Tutti i piani", slug="tutti-i-piani")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def add_plans(authority, years: range, activities: list[Activity]) -> None:
    """Give ``authority`` one published plan a year, each funding ``activities``."""
    for year in years:
        plan = AnnualPlan.objects.create(
            reporting_org=authority,
            year=year,
            slug=f"piano-di-prova-{year}",
            title={"it": f"Piano di prova {year}", "en": f"Test plan {year}"},
            planned_total=Decimal(100_000),
            live=True,
        )
        PlanAllocation.objects.bulk_create(
            PlanAllocation(plan=plan, activity=activity, amount=Decimal(1000), sort_order=n)
            for n, activity in enumerate(activities)
        )


def test_the_second_page_shows_the_next_plans_newest_first(client, fictional, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 4)
    first, second = plan_ids(client, PLANS), plan_ids(client, PLANS + "?page=2")
    assert len(first) == len(second) == 4
    assert not set(first) & set(second)
    years = [AnnualPlan.objects.get(pk=pk).year for pk in first + second]
    assert years == sorted(years, reverse=True)
    published = AnnualPlan.objects.published().filter(reporting_org=fictional)
    assert years == [plan.year for plan in published.order_by("-year")[:8]]


def test_the_pages_link_each_other_accessibly(client, fictional, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 4)  # 15 plans: 4 pages
    soup = BeautifulSoup(client.get(PLANS + "?page=2").content, "html.parser")
    nav = soup.select_one("nav.pagination-wrapper")
    # "Paginazione" in its own context: the bare "Pages" is Wagtail's menu, "Pagine".
    assert nav is not None and nav["aria-label"] == "Paginazione"
    current = nav.select_one('[aria-current="page"]')
    assert current.get_text(strip=True) == "2"
    numbers = [a.get_text(strip=True) for a in nav.select("a.page-link")]
    numbers = [number for number in numbers if number.isdigit()]
    assert numbers == ["1", "2", "3", "4"]
    previous, following = nav.select("a.page-link")[0], nav.select("a.page-link")[-1]
    assert previous["href"] == PLANS and following["href"] == PLANS + "?page=3"
    assert previous.select_one(".visually-hidden").get_text(strip=True)
    assert "Piani 5–8 di 15" in soup.select_one(".oc-plans-range").get_text()


def test_a_page_beyond_the_last_or_not_a_number_is_not_found(client, fictional, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 4)
    assert client.get(PLANS + "?page=5").status_code == 404
    assert client.get(PLANS + "?page=0").status_code == 404
    assert client.get(PLANS + "?page=due").status_code == 404
    assert plan_sections(client, PLANS + "?page=4")  # the last page, with the 15th plan


def test_one_page_of_plans_has_no_pagination(client, fictional):
    soup = BeautifulSoup(client.get(PLANS).content, "html.parser")
    assert len(soup.select("section.oc-plan")) == 15  # fewer than a page
    assert soup.select_one("nav.pagination-wrapper") is None
    assert soup.select_one(".oc-plans-range") is None


def test_the_csv_holds_every_plan_whatever_the_page(client, fictional, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 4)
    soup = BeautifulSoup(client.get(PLANS + "?page=3").content, "html.parser")
    csv_url = soup.select_one('a[href*="/csv/plans/"]')["href"]
    _header, *lines = parse_csv(client.get(csv_url).content)
    published = AnnualPlan.objects.published().filter(reporting_org=fictional)
    assert sorted(line[0] for line in lines) == sorted(str(plan.year) for plan in published)


def test_the_overview_of_every_authority_is_paged_too(
    client, fictional, all_plans_page, monkeypatch
):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 6)
    total = AnnualPlan.objects.published().count()
    assert total > 15  # the demo's plans and the fictional authority's
    seen = []
    for number in range(1, (total + 5) // 6 + 1):
        seen += plan_ids(client, f"{ALL_PLANS}?page={number}")
    assert sorted(seen) == sorted(AnnualPlan.objects.published().values_list("pk", flat=True))
    _header, *lines = parse_csv(client.get(ALL_PLANS + "csv/plans/").content)
    assert len(lines) == total


def test_the_page_stays_the_same_size_as_plans_grow(client, fictional, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 5)
    activities = list(public_activities().filter(reporting_org=fictional)[:30])
    assert len(activities) > PlansOverviewPage.funded_shown

    def size(page_size: int) -> int:
        monkeypatch.setattr(PlansOverviewPage, "page_size", page_size)
        return len(client.get(PLANS).content)

    add_plans(fictional, range(2040, 2045), activities)  # a full first page of large plans
    paged, whole = size(5), size(10_000)
    add_plans(fictional, range(2045, 2075), activities)  # thirty more, newer
    grown_paged, grown_whole = size(5), size(10_000)
    assert grown_whole > 2 * whole  # the unpaged list grows with the plans
    assert abs(grown_paged - paged) < paged // 10  # one page stays about the same
    monkeypatch.setattr(PlansOverviewPage, "page_size", 5)
    sections = plan_sections(client, PLANS)
    assert len(sections) == 5
    assert all(len(s.select("tbody tr")) == PlansOverviewPage.funded_shown for s in sections)


def test_queries_do_not_grow_with_the_page_size(client, fictional, all_plans_page, monkeypatch):
    monkeypatch.setattr(PlansOverviewPage, "page_size", 2)
    small = count_queries(client, ALL_PLANS)
    monkeypatch.setattr(PlansOverviewPage, "page_size", 12)
    large = count_queries(client, ALL_PLANS)
    assert len(plan_sections(client, ALL_PLANS)) == 12
    print(f"\nPlans overview with 2 and 12 plans a page: {small} and {large} queries")
    assert large == small


def test_each_plan_lists_the_first_public_activities_a_plain_reading_finds(fictional):
    """The first activities of each plan, read from the index, are those a plain reading picks:
    in the editor's order (rows without one last), embargoed and unpublished ones left out."""
    import datetime

    from opencoop.access import policy
    from opencoop.stats.selectors import Scope, plans_in_order, plans_overview

    activities = list(public_activities().filter(reporting_org=fictional).order_by("pk")[:6])
    assert len(activities) == 6
    plan = AnnualPlan.objects.create(
        reporting_org=fictional,
        year=2041,
        slug="piano-in-ordine-2041",
        title={"it": "Piano in ordine 2041"},
        live=True,
    )
    PlanAllocation.objects.bulk_create(
        PlanAllocation(plan=plan, activity=activity, amount=Decimal(n + 1), sort_order=order)
        for n, (activity, order) in enumerate(
            zip(activities, [3, None, 0, 2, 1, None], strict=True)
        )
    )
    embargoed, draft = activities[2], activities[4]
    embargoed.embargo_until = datetime.date.today() + datetime.timedelta(days=30)
    embargoed.save()
    draft.unpublish()
    scope = Scope(fictional)
    for shown in (1, 2, 3, 10):
        overview = plans_overview(scope, shown=shown, plans=plans_in_order(scope)[:20])
        assert plan.pk in [item.plan.pk for item in overview]
        for item in overview:
            in_order = item.plan.allocations.order_by("sort_order", "pk").select_related("activity")
            expected = [
                (row.activity_id, row.amount) for row in in_order if policy.is_public(row.activity)
            ][:shown]
            assert [(f.activity.pk, f.amount) for f in item.funded] == expected, (shown, item)
