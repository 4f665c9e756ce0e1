"""A partner country's page: its public records of every kind, partners, places and money.

Every read goes through the same rules as the rest of the portal: records through
``opencoop.access.policy``, partners and places through ``opencoop.activities.disclosure``,
money through ``opencoop.stats.selectors.by_year`` on a scope narrowed to the country.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import translation

from opencoop.access import policy
from opencoop.activities.models import RecipientCountry
from opencoop.catalogue.selectors import kept_keys
from opencoop.codelists import registry
from opencoop.core.multilingual import text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope
from opencoop.exchanges.models import Exchange
from opencoop.geography.addresses import SEGMENTS
from opencoop.initiatives.models import Initiative, InitiativePartner
from opencoop.organisations.models import Organisation
from opencoop.pages.published import remember
from opencoop.partnerships.models import Partnership
from opencoop.stats import kept
from opencoop.stats.figures import REPORTING
from opencoop.stats.selectors import Scope


def segment(lang: str | None = None) -> str:
    """Return the part of the address naming the country pages in ``lang`` (the active one)."""
    lang = (lang or translation.get_language() or "en")[:2]
    return SEGMENTS.get(lang, SEGMENTS["en"])


def is_country(code: str) -> bool:
    """Say whether ``code`` is a country of the codelist (ISO 3166-1 alpha-2, upper case)."""
    return code.isupper() and code in registry.get("Country")


class CountryScope(Scope):
    """The public activities of every authority in one recipient country.

    Annual plans are not by country, so the scope has none: its figures by year are the
    budgets, commitments and payments of the country's activities.
    """

    def __init__(
        self,
        code: str,
        today: datetime.date | None = None,
        *,
        authorities: frozenset[int] | None = None,
    ) -> None:
        super().__init__(None, today, authorities=authorities, country=code)
        self.code = code

    @property
    def slug(self) -> str:
        return f"country-{self.code.lower()}"


# Activities listed on a country's page: a country of a large portal has thousands, which the
# catalogue filtered by the country lists; the page shows the first ones and says how many.
ACTIVITIES_SHOWN = 50


@dataclass(frozen=True)
class CountryRecords:
    activities: list  # the first ``ACTIVITIES_SHOWN`` of the country's activities
    initiatives: list
    exchanges: list
    partnerships: list
    activity_count: int  # all of them, listed or not
    scope: CountryScope  # whose activities
    # Organisations of the country's public activities: their reporting authorities, and the
    # partners they name (``named_participations``), from the kept figures.
    reporting_ids: frozenset[int] = frozenset()
    partner_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.activities or self.initiatives or self.exchanges or self.partnerships)


def country_records(
    code: str,
    today: datetime.date | None = None,
    *,
    site: SiteScope = EVERY_AUTHORITY,
    shown: int | None = None,
) -> CountryRecords:
    """Return the public activities (the first ``shown``), initiatives and exchanges of ``code``.

    ``site``: the site asked, whose authorities' records only are shown. The number of
    activities and their organisations are kept figures (``kept.country_org_rows``): a row per
    organisation, not a read of the country's thousands of activities.
    """
    shown = ACTIVITIES_SHOWN if shown is None else shown
    scope = CountryScope(code, today, authorities=site.authorities)
    # The public activities in order of id, each asked whether it is in the country: the first
    # ones are found without reading all of them (no DISTINCT over the country's thousands).
    in_country = Exists(RecipientCountry.objects.filter(activity_id=OuterRef("pk"), code=code))
    public = Scope(None, today, authorities=site.authorities).activities()
    # What the page shows of each (its title and address): not their whole rows.
    listed = ("pk", "reporting_org_id", "slug", "title")
    activities = list(public.filter(in_country).order_by("pk").only(*listed)[:shown])
    reporting: dict[int, int] = {}
    partners: set[int] = set()
    for measure, organisation_id, value in kept.country_org_rows(scope):
        if measure == REPORTING:
            reporting[organisation_id] = value
        else:
            partners.add(organisation_id)
    return CountryRecords(
        activities=activities,
        activity_count=sum(reporting.values()),
        scope=scope,
        reporting_ids=frozenset(reporting),
        partner_ids=frozenset(partners),
        initiatives=list(
            site.records(Initiative, today=today)
            .filter(countries__code=code)
            .distinct()
            .order_by("pk")
        ),
        exchanges=list(site.records(Exchange, today=today).filter(country=code).order_by("pk")),
        partnerships=list(
            site.records(Partnership, today=today)
            .filter(country=code)
            .select_related("partner")
            .order_by("sort_order", "pk")
        ),
    )


def country_partners(code: str, records: CountryRecords) -> list[Organisation]:
    """Return the organisations named by the country's public records, by name.

    A partner an activity hides is named by none of them (``named_participations``, through
    the kept figures); an initiative's partners are all public. The reporting authorities are
    left out: they are the portal's own, not partners in the country.
    """
    ids = set(records.partner_ids)
    ids.update(
        InitiativePartner.objects.filter(
            initiative_id__in=[r.pk for r in records.initiatives]
        ).values_list("organisation_id", flat=True)
    )
    ids.update(p.partner_id for p in records.partnerships)
    ids -= {r.reporting_org_id for r in records.initiatives}
    # An organisation that reports an activity in the country is one of the portal's authorities.
    ids -= records.reporting_ids
    organisations = Organisation.objects.filter(pk__in=ids).only("pk", "name")
    return sorted(organisations, key=lambda org: registry.collation_key(text(org.name)))


def countries_with_records(
    number: int | None = None, site: SiteScope = EVERY_AUTHORITY
) -> frozenset[str]:
    """Return the countries with at least one public record of ``site``: those with a page.

    Remembered until the next publication (``number`` is the request's generation).
    """

    def find() -> frozenset[str]:
        # Activities, initiatives and exchanges: the catalogue's kept country counts (at
        # 100,000 activities 142-197 ms for their distinct recipient countries, read anew
        # after each publication; a few thousand kept rows now). Partnerships have no row.
        codes = set(kept_keys("country", within=site.authorities))
        codes.update(site.records(Partnership).values_list("country", flat=True))
        return frozenset(code for code in codes if code)

    return remember(("countries with records", site.authorities), find, number=number)


def home_url(lang: str, number: int | None = None) -> str:
    """Return the address of the public home page in ``lang`` ("" when there is none)."""
    from opencoop.pages.models import HomePage

    def find() -> str:
        page = policy.public_pages(HomePage.objects.filter(locale__language_code=lang)).first()
        parts = page.get_url_parts() if page is not None else None
        # The path within its site ("/it/"): every site's home has it, so the link stays on
        # the site it is shown on (page.url would name one site's host when there are several).
        return (parts[2] or "") if parts else ""

    return remember(("home url", lang), find, number=number)


def country_url(code: str, lang: str | None = None, number: int | None = None) -> str:
    """Return the address of country ``code``'s page in ``lang`` ("" when it has none)."""
    lang = (lang or translation.get_language() or "en")[:2]
    if not code or code not in countries_with_records(number):
        return ""
    base = home_url(lang, number)
    return f"{base}{segment(lang)}/{code.lower()}/" if base else ""


def index_url(lang: str | None = None, number: int | None = None) -> str:
    """Return the address of the list of countries in ``lang`` ("" without a home page)."""
    lang = (lang or translation.get_language() or "en")[:2]
    base = home_url(lang, number)
    return f"{base}{segment(lang)}/" if base else ""
