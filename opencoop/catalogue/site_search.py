"""Search the whole site: pages, activities, initiatives, exchanges, plans and documents."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.core.multilingual import portal_languages, text
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.partnerships.models import Partnership
from opencoop.plans.models import AnnualPlan

from .indexing import query_readings, stems, words
from .selectors import RecordLinks, search_ids

GROUP_SIZE = 10


@dataclass(frozen=True)
class SearchHit:
    title: dict
    url: str
    summary: dict | None = None


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
) -> SearchGroup:
    total, records = _visible(public, search_ids(model.objects.all(), q) or [])
    hits = [
        SearchHit(record.title, links.url(record, key), getattr(record, summary_field))
        for record in records
    ]
    return SearchGroup(key, str(label), total, hits)


def _pages(q: str, locale: Locale) -> SearchGroup:
    public = policy.public_pages().filter(locale=locale, depth__gt=1)
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


def _contacts(q: str, locale: Locale) -> SearchGroup:
    """Return the contact of each public section whose office's words hold the query's."""
    from opencoop.pages.models import SectionPage

    lang = locale.language_code
    readings = query_readings(q)
    sections = policy.public_pages(SectionPage.objects.filter(locale=locale))
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


def site_search(q: str, *, locale: Locale, lang: str) -> list[SearchGroup]:
    """Return the matches of ``q`` grouped by kind (empty groups left out), best first."""
    from .models import CataloguePage

    links = RecordLinks(locale)
    activities = _records(
        q,
        "activities",
        _("Projects"),
        Activity,
        policy.public(Activity).select_related("reporting_org"),
        links,
        "description",
    )
    catalogue_page = policy.public_pages(CataloguePage.objects.filter(locale=locale)).first()
    if catalogue_page is not None and activities.total:
        activities = SearchGroup(
            activities.key,
            activities.label,
            activities.total,
            activities.hits,
            f"{catalogue_page.url}?{urlencode({'q': q})}",
        )
    groups = [
        _contacts(q, locale),
        _pages(q, locale),
        activities,
        _records(
            q,
            "initiatives",
            _("Initiatives"),
            Initiative,
            policy.public(Initiative),
            links,
            "summary",
        ),
        _records(
            q,
            "exchanges",
            _("Seminars and exchanges"),
            Exchange,
            policy.public(Exchange),
            links,
            "summary",
        ),
        _records(
            q,
            "plans",
            _("Annual plans"),
            AnnualPlan,
            policy.public(AnnualPlan),
            links,
            "summary",
        ),
        _records(
            q,
            "partnerships",
            _("Partnerships"),
            Partnership,
            policy.public(Partnership),
            links,
            "summary",
        ),
        _documents(q, lang),
    ]
    return [group for group in groups if group.total]
