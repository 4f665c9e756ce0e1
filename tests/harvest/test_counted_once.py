"""Two sources reporting the same activity: the atlas's national figures count it once.

Two fictional authorities publish their files on a loopback portal. Authority B's file holds
one of A's activities under A's identifier (the same activity, twice), and an activity of its
own whose participating organisation A names A's record of it (participating-org/@activity-id).
After both harvests the atlas holds the first once and links the second to A's record; its
comparison page, in both languages, counts each once and says so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from opencoop.access import policy
from opencoop.activities.models import Activity, Transaction
from opencoop.atlas.duplicates import counted_once
from opencoop.demo.atlas import atlas_homes
from opencoop.harvest.models import Harvest, HarvestSource
from opencoop.harvest.services import harvest_source
from tests.stats.fixtures import page_tables, parse_number

pytestmark = pytest.mark.django_db

A, B = "XI-EXAMPLE-ATLAS-A", "XI-EXAMPLE-ATLAS-B"
ATLAS = "atlas.localhost"
ADDRESSES = {"it": "/it/confronto-enti/", "en": "/en/authorities-compared/"}


def activity(
    identifier: str, reporter: str, committed: int, *, partner: str = "", partner_activity=""
) -> str:
    """Return one IATI activity: a commitment in 2025 in Senegal, maybe a partner's record."""
    names = {A: "Example Atlas Authority A", B: "Example Atlas Authority B"}
    cited = f' activity-id="{partner_activity}"' if partner_activity else ""
    participant = (
        f'<participating-org ref="{partner}" role="1" type="10"{cited}>'
        f"<narrative>{names[partner]}</narrative></participating-org>"
        if partner
        else ""
    )
    return f"""
  <iati-activity last-updated-datetime="2026-01-05T10:00:00Z" default-currency="EUR">
    <iati-identifier>{identifier}</iati-identifier>
    <reporting-org ref="{reporter}" type="10"><narrative>{names[reporter]}</narrative></reporting-org>
    <title><narrative xml:lang="en">Wells {identifier}</narrative></title>
    <description><narrative xml:lang="en">Wells for villages.</narrative></description>
    <participating-org ref="{reporter}" role="4" type="10"><narrative>{names[reporter]}</narrative></participating-org>
    {participant}
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2025-01-10"/>
    <recipient-country code="SN" percentage="100"/>
    <sector vocabulary="1" code="14030" percentage="100"/>
    <transaction>
      <transaction-type code="2"/>
      <transaction-date iso-date="2025-02-01"/>
      <value currency="EUR" value-date="2025-02-01">{committed}</value>
    </transaction>
  </iati-activity>"""


def iati_file(*activities: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        + "".join(activities)
        + "\n</iati-activities>\n"
    ).encode()


@pytest.fixture
def two_sources(portal):
    portal.files["/b.xml"] = iati_file(
        # A's activity 2, published again by B: the same identifier.
        activity(f"{A}-2", B, 500),
        # B's record of A's activity 1: A's record names it as B's own.
        activity(f"{B}-1", B, 1000),
    )
    # A's activity 1 names B as participant, with B's record of it.
    portal.files["/a.xml"] = iati_file(
        activity(f"{A}-1", A, 1000, partner=B, partner_activity=f"{B}-1"),
        activity(f"{A}-2", A, 500),
    )
    first = HarvestSource.objects.create(
        name="Authority A", url=portal.url("/a.xml"), reporting_org=A
    )
    second = HarvestSource.objects.create(
        name="Authority B", url=portal.url("/b.xml"), reporting_org=B
    )
    runs = [harvest_source(first), harvest_source(second)]
    assert [run.outcome for run in runs] == [Harvest.IMPORTED] * 2, [r.message for r in runs]
    return first, second


def test_the_same_identifier_is_held_once_and_remembered(two_sources):
    _first, second = two_sources
    held = Activity.objects.get(iati_identifier=f"{A}-2")
    assert held.reporting_org.identifier == A  # never taken over by B
    assert list(second.also_published.all()) == [held]
    assert second.harvests.get().skipped == 1


def test_the_rule_names_each_duplicate_and_the_record_counted(two_sources):
    once = counted_once(policy.public(Activity))
    a1 = Activity.objects.get(iati_identifier=f"{A}-1")
    b1 = Activity.objects.get(iati_identifier=f"{B}-1")
    assert once.linked == {b1.pk: a1.pk}  # A's record was held first
    assert once.same_identifier == 1 and once.total == 2


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_atlas_counts_each_activity_once(client, two_sources, lang):
    atlas_homes()
    b1 = Activity.objects.get(iati_identifier=f"{B}-1")
    public = policy.public(Activity)
    counted = public.exclude(pk=b1.pk)
    committed = sum(
        (
            row.value
            for row in Transaction.objects.filter(activity__in=counted, type="2")
            if (row.currency or row.activity.default_currency) == "EUR"
        ),
        Decimal(0),
    )
    response = client.get(ADDRESSES[lang], HTTP_HOST=ATLAS)
    assert response.status_code == 200
    html = response.content.decode()
    tables = page_tables(response.content)
    by_authority = {code: values for code, _label, values in tables["by-authority"]["rows"]}
    headers = tables["by-authority"]["headers"][1:]
    activities_at = headers.index("Attività" if lang == "it" else "Activities")
    committed_at = next(
        i for i, h in enumerate(headers) if "EUR" in h and h.startswith(("Comm", "Impegn"))
    )
    # Each authority's row holds all its records; one row takes the twice-reported one off.
    assert parse_number(by_authority["counted-once"][activities_at], lang) == -1
    assert parse_number(by_authority["counted-once"][committed_at], lang) == Decimal("-1000")
    assert parse_number(by_authority["total"][activities_at], lang) == counted.count()
    assert parse_number(by_authority["total"][committed_at], lang) == committed
    # The row taken off links nowhere; each authority's row links to its profile.
    section = tables["by-authority"]["section"]
    assert section.find("tr", attrs={"data-code": "counted-once"}).find("a") is None
    profile = section.find("tr", attrs={"data-code": b1.reporting_org.slug}).find("a")["href"]
    assert client.get(profile, HTTP_HOST=ATLAS).status_code == 200
    # The national figures by year count it once too.
    by_year = {code: values for code, _label, values in tables["by-year"]["rows"]}
    year_headers = tables["by-year"]["headers"][1:]
    year_committed = next(
        i for i, h in enumerate(year_headers) if "EUR" in h and h.startswith(("Comm", "Impegn"))
    )
    assert parse_number(by_year["total"][year_committed], lang) == committed
    # The page says how many were counted once, and why.
    note = "contate una volta" if lang == "it" else "counted once"
    assert note in html
    assert ("stesso identificativo IATI" if lang == "it" else "same IATI identifier") in html


PLANS = {"it": "/it/piani-annuali/", "en": "/en/annual-plans/"}


@pytest.fixture
def two_plans(two_sources):
    """Each authority's 2025 plan funds its own record of activity 1; A's funds activity 2 too."""
    from opencoop.organisations.models import Organisation
    from opencoop.plans.models import PlanAllocation
    from tests.factories import make_plan

    records = {key: Activity.objects.get(iati_identifier=key) for key in (f"{A}-1", f"{A}-2")}
    records[f"{B}-1"] = Activity.objects.get(iati_identifier=f"{B}-1")
    plans = {}
    for authority, funded in ((A, {f"{A}-1": 1000, f"{A}-2": 500}), (B, {f"{B}-1": 700})):
        plan = make_plan(Organisation.objects.get(identifier=authority), 2025)
        for identifier, amount in funded.items():
            PlanAllocation.objects.create(
                plan=plan, activity=records[identifier], amount=Decimal(amount)
            )
        plans[authority] = plan
    return plans


def plan_figures(client, lang: str) -> tuple[dict[str, list[str]], list[str], str]:
    response = client.get(PLANS[lang], HTTP_HOST=ATLAS)
    assert response.status_code == 200
    table = page_tables(response.content)["plans"]
    return (
        {code: values for code, _label, values in table["rows"]},
        table["headers"][1:],
        response.content.decode(),
    )


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_atlas_plans_count_each_activity_once(client, two_plans, lang):
    from opencoop.plans.models import PlanAllocation
    from opencoop.stats import kept
    from opencoop.stats.figure_models import FigureState

    atlas_homes()
    once = counted_once(policy.public(Activity))
    assert once.uncounted  # B's record of activity 1
    # What the database holds, without the records the atlas counts under another.
    expected = {}
    for plan in two_plans.values():
        counted = PlanAllocation.objects.filter(plan=plan).exclude(activity__in=once.uncounted)
        slug = plan.reporting_org.slug
        expected[f"{slug}-2025"] = (
            counted.count(),
            sum((row.amount for row in counted), Decimal(0)),
        )
    assert expected[f"{two_plans[B].reporting_org.slug}-2025"] == (0, Decimal(0))
    kept.refresh_all()  # each authority's plans kept whole: the records left out are taken off
    for state in ("kept", "afresh"):
        rows, headers, html = plan_figures(client, lang)
        activities_at = headers.index("Attività" if lang == "it" else "Activities")
        allocated_at = next(
            i for i, h in enumerate(headers) if h.startswith(("Allocated", "Assegnat"))
        )
        shown = {
            code: (
                parse_number(values[activities_at], lang),
                parse_number(values[allocated_at], lang),
            )
            for code, values in rows.items()
            if code in expected  # the atlas lists Florence's plans too
        }
        assert shown == expected, state
        # B's plan lists no activity; the page says one was counted once, and why.
        b_plan = html.split(f'id="plan-{two_plans[B].pk}"', 1)[1].split("</section>", 1)[0]
        assert ("Wells " + f"{B}-1") not in b_plan
        note = "contate una volta" if lang == "it" else "counted once"
        assert note in html and ("1 attività" if lang == "it" else "1 activity funded") in html
        FigureState.objects.update(dirty=True)


def test_which_records_count_once_follows_each_publication_and_embargo(client, two_plans):
    """The atlas remembers which records count once until a change: the next page shows it."""
    import datetime

    atlas_homes()
    a1 = Activity.objects.get(iati_identifier=f"{A}-1")

    def b_plan() -> tuple[str, str]:
        html = plan_figures(client, "en")[2]
        return html, html.split(f'id="plan-{two_plans[B].pk}"', 1)[1].split("</section>", 1)[0]

    def counted_once_now() -> frozenset[int]:  # the rule asked afresh
        return counted_once(policy.public(Activity)).uncounted

    html, listed = b_plan()
    assert counted_once_now() and "counted once" in html and f"Wells {B}-1" not in listed
    b_plan()  # remembered: the same page
    # A's record under embargo: B's record is no longer its twin, and counts.
    a1.embargo_until = datetime.date.today() + datetime.timedelta(days=30)
    a1.save()
    html, listed = b_plan()
    assert not counted_once_now() and "counted once" not in html and f"Wells {B}-1" in listed
    a1.embargo_until = None
    a1.save()
    html, listed = b_plan()
    assert counted_once_now() and "counted once" in html and f"Wells {B}-1" not in listed
    a1.unpublish()
    html, listed = b_plan()
    assert not counted_once_now() and "counted once" not in html and f"Wells {B}-1" in listed
