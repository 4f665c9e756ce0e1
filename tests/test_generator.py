"""The fictional authority generator: reproducible from a seed, idempotent, plainly fictional."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from statistics import median

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from wagtail.models import Locale, Page, Revision

from opencoop.activities.models import (
    Activity,
    Budget,
    Location,
    ParticipatingOrg,
    RecipientCountry,
    Transaction,
)
from opencoop.demo.generator import GeneratorError, authority_spec, generate
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.pages.models import SectionPage
from opencoop.plans.models import AnnualPlan, PlanAllocation

pytestmark = pytest.mark.django_db


def fingerprint(identifier: str) -> dict:
    """Describe everything generated for one authority by counts and sums (no primary keys)."""
    org = Organisation.objects.get(identifier=identifier)
    activities = Activity.objects.filter(reporting_org=org)
    return {
        "activities": activities.count(),
        "titles": sorted(str(a.title) for a in activities),
        "identifiers": sorted(activities.values_list("iati_identifier", flat=True)),
        "countries": sorted(
            RecipientCountry.objects.filter(activity__in=activities)
            .values("code")
            .annotate(n=Count("id"), pct=Sum("percentage"))
            .values_list("code", "n", "pct")
        ),
        "transactions": sorted(
            Transaction.objects.filter(activity__in=activities)
            .values("type")
            .annotate(n=Count("id"), total=Sum("value"))
            .values_list("type", "n", "total")
        ),
        "budgets": Budget.objects.filter(activity__in=activities).aggregate(
            n=Count("id"), total=Sum("value")
        ),
        "locations": sorted(
            Location.objects.filter(activity__in=activities).values_list(
                "country", "latitude", "longitude"
            )
        ),
        "partners": ParticipatingOrg.objects.filter(activity__in=activities).count(),
        "plans": sorted(
            AnnualPlan.objects.filter(reporting_org=org).values_list("year", "planned_total")
        ),
        "allocations": PlanAllocation.objects.filter(plan__reporting_org=org).aggregate(
            n=Count("id"), total=Sum("amount")
        ),
        "initiatives": Initiative.objects.filter(reporting_org=org).count(),
        "exchanges": Exchange.objects.filter(reporting_org=org).count(),
        "organisations": Organisation.objects.filter(slug__startswith=org.slug).count(),
    }


def test_same_seed_same_data_and_no_duplicates():
    identifier = authority_spec(0).identifier
    generate(activities=30, seed=11, pages=False, index=False)
    first = fingerprint(identifier)
    pages_before = Page.objects.count()
    report = generate(activities=30, seed=11, pages=False, index=False)
    assert report.deleted > 0
    assert fingerprint(identifier) == first
    assert Page.objects.count() == pages_before
    assert first["activities"] == 30 and first["transactions"] and first["plans"]
    generate(activities=30, seed=12, pages=False, index=False)
    other = fingerprint(identifier)
    assert other["activities"] == 30
    assert other["titles"] != first["titles"] or other["transactions"] != first["transactions"]


def test_everything_says_it_is_fictional(client):
    generate(activities=20, seed=3, index=False)
    org = Organisation.objects.get(identifier=authority_spec(0).identifier)
    assert org.identifier.startswith("XI-EXAMPLE-")
    assert "fittizio" in org.name["it"] and "fictional" in org.name["en"]
    for activity in Activity.objects.filter(reporting_org=org):
        assert activity.iati_identifier.startswith(org.identifier + "-")
        assert "fittizi" in activity.description["it"].lower()
        assert "fictional" in activity.description["en"].lower()
        assert len(activity.title) >= 2
    for partner in Organisation.objects.filter(slug__startswith=f"{org.slug}-partner-"):
        assert "Esempio" in partner.name["it"] and "fictional" in partner.name["en"]
    section = SectionPage.objects.get(reporting_org=org, locale__language_code="en")
    pages = [section, *section.get_children().live().specific()]
    assert len(pages) == 8
    italian = Locale.objects.get(language_code="it")
    for page in pages:
        for version, word in ((page, "fictional"), (page.get_translation(italian), "fittizi")):
            # The fictional authority's pages are on the atlas's site, never on Florence's.
            response = client.get(version.get_url_parts()[2], HTTP_HOST="atlas.localhost")
            assert response.status_code == 200, version.url
            text = BeautifulSoup(response.content, "html.parser").main.get_text()
            assert word in text.lower(), version.url


def test_figures_are_skewed_like_real_cooperation():
    generate(activities=300, seed=5, pages=False, index=False)
    org = Organisation.objects.get(identifier=authority_spec(0).identifier)
    activities = Activity.objects.filter(reporting_org=org)
    countries = Counter(
        RecipientCountry.objects.filter(activity__in=activities).values_list("code", flat=True)
    )
    top_three = sum(n for _code, n in countries.most_common(3))
    assert top_three > sum(countries.values()) / 2
    assert len(countries) >= 10
    commitments = [t.value for t in Transaction.objects.filter(activity__in=activities, type="2")]
    mean = sum(commitments) / len(commitments)
    assert median(commitments) < mean  # many small activities, a few large ones
    assert max(commitments) > 5 * median(commitments)
    years = {t.date.year for t in Transaction.objects.filter(activity__in=activities)}
    assert min(years) == 2011 and max(years) == 2025
    currencies = set(activities.values_list("default_currency", flat=True))
    assert currencies == {"EUR", "USD"}
    assert activities.filter(hide_exact_locations=True).exists()
    languages = Counter(lang for a in activities for lang in a.title)
    assert languages["it"] == languages["en"] == 300 and len(languages) >= 3


def test_revisions_only_when_asked():
    org_identifier = authority_spec(0).identifier
    generate(activities=5, seed=1, pages=False, index=False)
    activities = Activity.objects.filter(reporting_org__identifier=org_identifier)
    assert all(a.live and a.live_revision_id is None for a in activities)
    generate(activities=5, seed=1, pages=False, index=False, revisions=True)
    activities = Activity.objects.filter(reporting_org__identifier=org_identifier)
    for activity in activities:
        assert activity.live and activity.live_revision_id == activity.latest_revision_id
        content = Revision.objects.get(pk=activity.live_revision_id).content
        assert content["title"] == activity.title
        assert len(content["transactions"]) == activity.transactions.count()
        assert len(content["recipient_countries"]) == activity.recipient_countries.count()


def test_several_authorities_for_the_benchmarks():
    report = generate(activities=4, authorities=3, seed=2, pages=False, index=False)
    assert len(report.authorities) == 3 == len(set(report.authorities))
    for identifier in report.authorities:
        assert Activity.objects.filter(reporting_org__identifier=identifier).count() == 4
    assert report.rows["activities"] == 12
    assert report.total_rows == sum(report.rows.values()) > 12


def test_bad_options_change_nothing():
    before = Activity.objects.count()
    with pytest.raises(GeneratorError, match="at least 1"):
        generate(activities=0)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_authority", activities=-3)
    assert Activity.objects.count() == before
    assert not Organisation.objects.filter(identifier=authority_spec(0).identifier).exists()


def test_command_reports_rows_per_second(capsys):
    call_command("generate_authority", activities=3, no_pages=True, no_index=True)
    out = capsys.readouterr().out
    assert "rows/s" in out and "XI-EXAMPLE-ESEMPIO" in out
    assert Activity.objects.filter(reporting_org__identifier="XI-EXAMPLE-ESEMPIO").count() == 3
    assert (
        Decimal(0)
        < Transaction.objects.filter(
            activity__reporting_org__identifier="XI-EXAMPLE-ESEMPIO"
        ).aggregate(total=Sum("value"))["total"]
    )
