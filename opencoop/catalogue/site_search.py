"""Search the whole site: pages, activities, initiatives, exchanges, plans and documents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.codelists import registry
from opencoop.core.formatting import display_number
from opencoop.core.multilingual import portal_languages, text
from opencoop.core.sites import EVERY_AUTHORITY, SiteScope
from opencoop.initiatives.models import Initiative
from opencoop.opendata.records import budget_total
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan

from .filters import CatalogueFilters
from .indexing import query_readings, stems, words
from .row_models import CatalogueRow
from .selectors import RecordLinks, ranked_matches, search_ids

GROUP_SIZE = 10


@dataclass(frozen=True)
class HitDetail:
    """One line of what a result card says about its record."""

    label: str
    value: str = ""
    #: Country codes, shown as their names linked to their pages (``{% country_link %}``).
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    title: dict
    url: str
    summary: dict | None = None
    #: What the result card says about the record, where it applies.
    details: tuple[HitDetail, ...] = ()


def _years(start, end) -> str:
    years = sorted({date.year for date in (start, end) if date})
    return "–".join(str(year) for year in years)


def _details(record: Model, lang: str) -> tuple[HitDetail, ...]:
    """Return the authority, countries, years, status and total of a record, where they apply.

    Only what the record's public page shows: the reporting authority, the recipient
    countries (public even when the exact places are not), the dates and the budget's total.
    """
    details = [HitDetail(str(_("Reporting authority")), text(record.reporting_org.name, lang))]
    if isinstance(record, Activity):
        codes = [rc.code for rc in record.recipient_countries.all()]
    elif isinstance(record, Initiative):
        codes = [country.code for country in record.countries.all()]
    else:
        codes = [record.country] if getattr(record, "country", "") else []
    if codes:
        details.append(HitDetail(str(_("Countries")), countries=tuple(codes)))
    if isinstance(record, AnnualPlan):
        details.append(HitDetail(str(_("Year")), str(record.year)))
    elif hasattr(record, "start_date"):
        years = _years(record.start_date, record.end_date)
        if years:
            details.append(HitDetail(str(_("Years")), years))
    if isinstance(record, Activity):
        if record.status:
            status = registry.get("ActivityStatus").label(record.status, lang)
            details.append(HitDetail(str(_("Status")), status))
        total = budget_total(record)
        if total is not None:
            amount = display_number(Decimal(str(total)))
            details.append(HitDetail(str(_("Total budget")), f"{amount} {record.default_currency}"))
    return tuple(details)


@dataclass(frozen=True)
class SearchGroup:
    key: str
    label: str
    total: int
    hits: list[SearchHit]
    more_url: str = ""


def _visible(public: QuerySet, ids: list[int]) -> tuple[int, list[Model]]:
    """Return how many of the ranked ``ids`` are in ``public``, and the best of them."""
    visible = set(public.filter(pk__in=ids).values_list("pk", flat=True))
    ranked = [pk for pk in ids if pk in visible]
    by_id = public.in_bulk(ranked[:GROUP_SIZE])
    return len(ranked), [by_id[pk] for pk in ranked[:GROUP_SIZE] if pk in by_id]


def _records(
    q: str,
    key: str,
    label: str,
    model: type[Model],
    public: QuerySet,
    links: RecordLinks,
    summary_field: str,
    lang: str,
) -> SearchGroup:
    total, records = _visible(public, search_ids(model.objects.all(), q) or [])
    return _group(key, label, total, records, links, summary_field, lang)


def _group(
    key: str,
    label: str,
    total: int,
    records: list,
    links: RecordLinks,
    summary_field: str,
    lang: str,
) -> SearchGroup:
    """Return the search group of ``records`` (``total`` matches in all) with their links."""
    hits = [
        SearchHit(
            record.title,
            links.url(record, key),
            getattr(record, summary_field),
            _details(record, lang),
        )
        for record in records
    ]
    return SearchGroup(key, str(label), total, hits)


def _catalogue_records(
    q: str,
    key: str,
    label: str,
    kind: str,
    site: SiteScope,
    links: RecordLinks,
    summary_field: str,
    lang: str,
) -> SearchGroup:
    """Return the group of one kind of the catalogue's records: its words, rows and order."""
    filters = CatalogueFilters(q=q, kind=(kind,), within=site.authorities)
    total, records = ranked_matches(filters, limit=GROUP_SIZE)
    return _group(key, label, total, records, links, summary_field, lang)


def _pages(q: str, locale: Locale, home: Page | None) -> SearchGroup:
    public = policy.public_pages().filter(locale=locale, depth__gt=1)
    if home is not None:  # the site's own pages, not another site's
        public = public.descendant_of(home, inclusive=True)
    total, pages = _visible(public, search_ids(Page.objects.filter(locale=locale), q) or [])
    lang = locale.language_code
    hits = [
        SearchHit({lang: page.title}, page.url or "", {lang: page.search_description})
        for page in pages
    ]
    return SearchGroup("pages", str(_("Pages")), total, hits)


def _documents(q: str, lang: str) -> SearchGroup:
    document_model = get_document_model()
    # Only documents the policy lets visitors download: not one attached only to drafts.
    public = policy.public_documents()
    total, documents = _visible(public, search_ids(document_model.objects.all(), q) or [])
    hits = [SearchHit({lang: document.title}, document.url) for document in documents]
    return SearchGroup("documents", str(_("Documents")), total, hits)


def contact_words(organisation) -> set[str]:
    """Return the words that find an office's contact: what it says, and what it is.

    The role, person, office, address and numbers as written and stemmed in each language, and
    the words naming a contact and its parts (contacts, telephone…) in every portal language.
    """
    found: set[str] = set()
    written = [organisation.contact_person, organisation.contact_phone, organisation.contact_fax]
    written.append(organisation.contact_email)
    for value in (organisation.contact_role, organisation.contact_office):
        written += [v for v in (value or {}).values() if v]
    written += [v for v in (organisation.contact_address or {}).values() if v]
    for lang in portal_languages():
        with translation.override(lang):
            written += [gettext("contacts"), gettext("telephone"), gettext("address")]
        found.update(stems(" ".join(written), lang))
    found.update(words(" ".join(written)))
    return found


def _contacts(q: str, locale: Locale, home: Page | None) -> SearchGroup:
    """Return the contact of each public section whose office's words hold the query's."""
    from opencoop.pages.models import SectionPage

    lang = locale.language_code
    readings = query_readings(q, correct=True)
    sections = SectionPage.objects.filter(locale=locale)
    if home is not None:  # this site's sections only
        sections = sections.descendant_of(home)
    sections = policy.public_pages(sections)
    hits = []
    for section in sections.select_related("reporting_org"):
        organisation = section.reporting_org
        if not organisation.has_contact:
            continue
        known = contact_words(organisation)
        if any(reading and all(word in known for word in reading) for reading in readings):
            role = text(organisation.contact_role, lang)
            title = " – ".join(filter(None, [role, organisation.contact_person]))
            office = text(organisation.contact_office, lang)
            phone = organisation.contact_phone
            summary = f"{office}: {gettext('telephone')} {phone}" if office and phone else office
            hits.append(SearchHit({lang: title}, f"{section.url}#contact-heading", {lang: summary}))
    return SearchGroup("contacts", str(_("Contacts")), len(hits), hits)


def site_search(
    q: str,
    *,
    locale: Locale,
    lang: str,
    site: SiteScope = EVERY_AUTHORITY,
    home: Page | None = None,
) -> list[SearchGroup]:
    """Return the matches of ``q`` grouped by kind (empty groups left out), best first.

    ``site``: whose records (the site's authorities); ``home``: the site's home page in
    ``locale``, under which its pages are searched (None: every page).
    """
    from .models import CataloguePage

    links = RecordLinks(locale)
    activities = _catalogue_records(
        q, "activities", _("Projects"), CatalogueRow.ACTIVITY, site, links, "description", lang
    )
    catalogue_pages = CataloguePage.objects.filter(locale=locale)
    if home is not None:
        catalogue_pages = catalogue_pages.descendant_of(home)
    catalogue_page = policy.public_pages(catalogue_pages).first()
    if catalogue_page is not None and activities.total:
        activities = SearchGroup(
            activities.key,
            activities.label,
            activities.total,
            activities.hits,
            f"{catalogue_page.url}?{urlencode({'q': q})}",
        )
    groups = [
        _contacts(q, locale, home),
        _pages(q, locale, home),
        activities,
        _catalogue_records(
            q,
            "initiatives",
            _("Initiatives"),
            CatalogueRow.INITIATIVE,
            site,
            links,
            "summary",
            lang,
        ),
        _catalogue_records(
            q,
            "exchanges",
            _("Seminars and exchanges"),
            CatalogueRow.EXCHANGE,
            site,
            links,
            "summary",
            lang,
        ),
        _records(
            q,
            "plans",
            _("Annual plans"),
            AnnualPlan,
            site.records(AnnualPlan).select_related("reporting_org"),
            links,
            "summary",
            lang,
        ),
        _records(
            q,
            "partnerships",
            _("Partnerships"),
            Partnership,
            site.records(Partnership).select_related("reporting_org"),
            links,
            "summary",
            lang,
        ),
        _documents(q, lang),
    ]
    return [group for group in groups if group.total]
