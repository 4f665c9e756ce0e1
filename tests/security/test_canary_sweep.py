"""The canary sweep: no outlet shows anyone what the access policy keeps from them.

Canary records (``tests/security/canaries.py``) are created for two authorities: Florence and the
fictional "Comune di Esempio" with its own section. Then, once for the whole module:

- an anonymous visitor crawls the public site from the home pages, the sitemap, the feeds, the
  API, the downloads (CSV, XLSX, JSON, IATI, CRS), the map data, the statistics and their CSVs,
  the catalogue with each facet, and searches every invented word of the canaries;
- a Partner (contact of the visible partner of Florence's sensitive activity), an Editor and a
  Reviewer of Florence crawl the admin from its menus, plus every address of history, compare,
  revisions, bulk actions, choosers and filters for the canaries and the other authority's records.

The tests then read what was fetched: one test per canary and per audience, so that a failure
names the canary and lists the addresses where it appeared.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Locale, Revision

from opencoop.activities.models import Activity
from opencoop.catalogue.selectors import RecordLinks
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import EDITOR, PARTNER, REVIEWER
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.organisations.models import Organisation
from opencoop.pages.published import forget
from opencoop.plans.models import AnnualPlan
from tests.factories import make_user

from .canaries import AUTHORITIES, KINDS, AuthorityCanaries, Canary, make_canaries
from .crawl import Crawler, Fetched, appearances, canonical

# The database is set up only for modules with a test marked so (the sweep's own data is created
# and rolled back by the module's fixture).
pytestmark = pytest.mark.django_db

# Every public address of the sweep's sites (2,069 on PostgreSQL with the IATI file of each list).
PUBLIC_LIMIT = 3000
ADMIN_LIMIT = 600
# Parameters that page or translate a listing without choosing other content.
NEUTRAL_PARAMETERS = {"page", "lang", "page_size", "p"}
# The admin crawl follows one address of each shape (digits as N) and no filtered or sorted
# listing: the canaries', the other authority's records and the filters are fetched explicitly,
# so one of each kind of view is enough to find what a menu exposes.
ADMIN_PER_SHAPE = 1
# Admin addresses a GET must not reach: signing out, the sign-in steps, and views that act.
ADMIN_NEVER = re.compile(
    r"^/admin/(logout|login|two-factor|failwhale|test404|editing-sessions|jsi18n|sprite)"
    r"|/(lock|unlock|machine_translate|disable|convert_to_alias)/"
    # Page creation and usage reports and copies of records hold nothing the edit views do not.
    r"|^/admin/pages/(add|usage)/|/copy/"
    r"|/workflow/action/"
)
ROLES = ("partner", "florence editor", "florence reviewer")
# The authorities whose non-public records each user has no business seeing.
OUTSIDERS = {
    "partner": ("florence", "example"),
    "florence editor": ("example",),
    "florence reviewer": ("example",),
}


@dataclass
class Sweep:
    canaries: dict[str, AuthorityCanaries]
    crawlers: dict[str, Crawler]  # "public" and each of ROLES
    explicit: dict[str, list[str]]  # addresses each audience fetched on purpose
    seconds: dict[str, float]  # how long each audience's sweep took (to read when tuning)
    # Per user: (what, address, forms) that user may read and must be shown (see below).
    sightings: dict[str, list[tuple[str, str, tuple[str, ...]]]]


# --- Who may follow what --------------------------------------------------------------------------


def _chosen_parameters(url: str) -> set[str]:
    return {key for key, _value in parse_qsl(urlsplit(url).query)} - NEUTRAL_PARAMETERS


def follow_public(url: str) -> bool:
    """Follow the public site's links: one filter at a time (each facet once, not their
    combinations), never the admin, static files or the forms' POST targets."""
    path = urlsplit(url).path
    if path.startswith(("/admin/", "/static/", "/media/")) or "{" in url or "/send/" in path:
        return False
    return len(_chosen_parameters(url)) <= 1


class AdminFollow:
    """Follow admin links, a few of each shape, never one that signs out or acts."""

    def __init__(self) -> None:
        self.shapes: Counter = Counter()

    def __call__(self, url: str) -> bool:
        path = urlsplit(url).path
        if not path.startswith("/admin/") or ADMIN_NEVER.search(path) or "{" in url:
            return False
        if _chosen_parameters(url):
            return False
        shape = re.sub(r"\d+", "N", path)
        self.shapes[shape] += 1
        return self.shapes[shape] <= ADMIN_PER_SHAPE


# --- The addresses fetched on purpose -------------------------------------------------------------


def search_words(canaries: dict[str, AuthorityCanaries]) -> list[str]:
    """The invented words searched for: one per language of each canary's title and names."""
    return [word for made in canaries.values() for word in made.secrets.search_words]


def record_pages(record) -> list[str]:
    """The public addresses a record's page would have, in Italian and English."""
    urls = []
    for code in ("it", "en"):
        url = RecordLinks(Locale.objects.get(language_code=code)).url(record, "activities")
        if url:
            urls.append(url)
    return urls


def hidden_public_addresses(made: AuthorityCanaries) -> list[str]:
    """Where the embargoed activity and the draft would be published; each must answer 404."""
    urls = []
    for record in made.hidden_records:
        urls += record_pages(record)
        urls.append(f"/opendata/iati/activity/{record.iati_identifier}.xml")
        urls.append(f"/api/v1/activities/{record.iati_identifier}")
        urls.append(f"/api/v1/activities/{record.iati_identifier}?lang=en")
    urls.append(f"/api/v1/organisations/{made.hidden_partner.slug}")
    return urls


def public_seeds(canaries: dict[str, AuthorityCanaries]) -> list[str]:
    """The home pages and every outlet's entry point, with the searches for each canary word."""
    seeds = ["/it/", "/en/", "/sitemap.xml", "/robots.txt"]
    for lang in ("it", "en"):
        for kind in ("activities", "initiatives"):
            seeds += [
                f"/opendata/feeds/{kind}.atom?lang={lang}",
                f"/opendata/feeds/{kind}.rss?lang={lang}",
            ]
        for name in ("activities.csv", "activities.xlsx", "activities.json", "metadata.json"):
            seeds.append(f"/opendata/catalogue/{name}?lang={lang}")
        for kind in ("activities", "organisations", "initiatives", "exchanges", "plans"):
            seeds.append(f"/api/v1/{kind}?page_size=100&lang={lang}")
        scopes = ["all", *(made.authority.slug for made in canaries.values())]
        seeds += [f"/geography/{scope}/map.json?lang={lang}" for scope in scopes]
    seeds.append("/api/v1/openapi.json")
    # Every record's API address, published or not: the unpublished ones must answer 404.
    seeds += [
        f"/api/v1/organisations/{slug}"
        for slug in Organisation.objects.values_list("slug", flat=True)
    ]
    for kind, model in (
        ("initiatives", Initiative),
        ("exchanges", Exchange),
        ("plans", AnnualPlan),
    ):
        seeds += [f"/api/v1/{kind}/{pk}" for pk in model.objects.values_list("pk", flat=True)]
    seeds += [
        f"/api/v1/activities/{identifier}"
        for identifier in Activity.objects.values_list("iati_identifier", flat=True)
    ]
    for made in canaries.values():
        identifier = made.authority.identifier
        seeds += [
            f"/opendata/iati/{identifier}/activities.xml",
            f"/opendata/iati/{identifier}/organisation.xml",
            *(f"/opendata/crs/{identifier}/{year}.csv" for year in (2024, 2025, 2026)),
        ]
        seeds += hidden_public_addresses(made)
        seeds += [document.url for document in (*made.documents, made.public_document)]
    from opencoop.catalogue.models import CataloguePage, SearchPage

    for word in search_words(canaries):
        query = urlencode({"q": word})
        for page in (*SearchPage.objects.live(), *CataloguePage.objects.live()):
            seeds.append(f"{page.url}?{query}")
        seeds.append(f"/api/v1/activities?{query}")
        seeds.append(f"/opendata/catalogue/activities.csv?{query}")
    return seeds


def latest_revisions(record) -> list[Revision]:
    return list(record.revisions.order_by("-created_at", "-id")[:2])


def record_admin_urls(record, every_view: bool = True) -> list[str]:
    """The admin pages about one record: history, compare of its two latest revisions, the view
    of its latest revision and, with ``every_view``, edit, usage, delete and unpublish (their
    GET pages: forms and confirmations) and the translation API's record."""
    opts = record._meta
    base = f"/admin/snippets/{opts.app_label}/{opts.model_name}"
    pk = record.pk
    urls = [f"{base}/history/{pk}/"]
    revisions = latest_revisions(record)
    if revisions:
        urls.append(f"{base}/history/{pk}/revisions/{revisions[0].pk}/revert/")
    if len(revisions) == 2:
        newer, older = revisions
        urls.append(f"{base}/history/{pk}/revisions/compare/{older.pk}...{newer.pk}/")
    if every_view:
        urls += [
            f"{base}/edit/{pk}/",
            f"{base}/usage/{pk}/",
            f"{base}/delete/{pk}/",
            f"{base}/unpublish/{pk}/",
            f"/admin/localize/api/snippets/{opts.app_label}/{opts.model_name}/{pk}/",
        ]
    return urls


def admin_seeds(canaries: dict[str, AuthorityCanaries], outsiders: tuple[str, ...]) -> list[str]:
    """The admin's home, listings, choosers, reports and APIs (searched for the canaries' words),
    the organisation filter, bulk actions, and the pages about the canaries of the authorities
    the user is an outsider to (``outsiders``) and about every activity of the other authority."""
    seeds = [
        "/admin/",
        "/admin/documents/",
        "/admin/documents/chooser/",
        "/admin/images/",
        "/admin/pages/",
        "/admin/reports/site-history/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/api/main/documents/?limit=100",
        "/admin/editorial/translations/",
        "/admin/snippets/activities/activity/add/",
    ]
    snippets = ("activities/activity", "plans/annualplan", "organisations/organisation")
    for model in snippets:
        seeds += [
            f"/admin/snippets/{model}/",
            f"/admin/snippets/choose/{model}/",
            f"/admin/localize/api/snippets/{model}/",
        ]
    for made in canaries.values():
        # The listing's organisation filter, set to each authority and to a hidden partner.
        for organisation in (made.authority, made.hidden_partner):
            seeds.append(f"/admin/snippets/activities/activity/?reporting_org={organisation.pk}")
    for word in search_words(canaries):
        query = urlencode({"q": word})
        seeds += [
            f"/admin/snippets/activities/activity/?{query}",
            f"/admin/snippets/choose/activities/activity/results/?{query}",
            f"/admin/snippets/choose/organisations/organisation/results/?{query}",
            f"/admin/documents/?{query}",
            f"/admin/documents/chooser/results/?{query}",
            f"/admin/api/main/documents/?search={word}",
        ]
    # A user's own authority's records are theirs to see: only the outsiders' are fetched.
    canary_records = [record for key in outsiders for record in _canary_records(canaries[key])]
    for record in canary_records:
        hidden = any(
            record in (m.embargoed, m.draft, m.sensitive, m.plan) for m in canaries.values()
        )
        seeds += record_admin_urls(record, every_view=hidden)
    # Every other activity of the other authority (the generator's).
    others = list(
        Activity.objects.filter(reporting_org=canaries["example"].authority).exclude(
            pk__in=[r.pk for r in canary_records if isinstance(r, Activity)]
        )
    )
    for record in others:
        seeds += record_admin_urls(record, every_view=False)
    activity_ids = sorted(
        {r.pk for r in canary_records if isinstance(r, Activity)} | {r.pk for r in others}
    )
    ids = "&".join(f"id={pk}" for pk in activity_ids)
    for action in ("delete", "publish", "unpublish"):
        seeds.append(f"/admin/bulk/activities/activity/{action}/?{ids}")
        seeds.append(f"/admin/bulk/activities/activity/{action}/?id=all")
    for made in canaries.values():
        for document in made.documents:
            seeds += [
                f"/admin/documents/edit/{document.pk}/",
                f"/admin/documents/usage/{document.pk}/",
                f"/admin/api/main/documents/{document.pk}/",
                document.url,
            ]
        seeds.append(f"/admin/snippets/organisations/organisation/edit/{made.hidden_partner.pk}/")
    return list(dict.fromkeys(seeds))


def _canary_records(made: AuthorityCanaries) -> list:
    return [
        made.embargoed,
        made.draft,
        made.sensitive,
        made.public_parent,
        made.child_of_embargoed,
        made.child_of_draft,
        made.plan,
    ]


# --- The users -----------------------------------------------------------------------------------


def signed_in_client(user) -> Client:
    """A client signed in as ``user`` with two-factor verified (a confirmed authenticator)."""
    client = Client(raise_request_exception=False)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_users(canaries: dict[str, AuthorityCanaries]) -> dict:
    florence = canaries["florence"]
    return {
        "partner": make_user(
            "canary-partner",
            PARTNER,
            organisation=florence.visible_partner,
            relation=EditorialMembership.PARTNER,
        ),
        "florence editor": make_user("canary-editor", EDITOR, organisation=florence.authority),
        "florence reviewer": make_user(
            "canary-reviewer", REVIEWER, organisation=florence.authority
        ),
    }


# --- The sweep, once for the module --------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker, tmp_path_factory) -> Sweep:
    """Create the canaries, crawl as each audience, then roll everything back."""
    media = tmp_path_factory.mktemp("canary-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        forget()
        cache.clear()
        canaries = make_canaries()
        crawlers: dict[str, Crawler] = {}
        explicit: dict[str, list[str]] = {}
        seconds: dict[str, float] = {}
        sightings: dict[str, list] = {}

        started = time.perf_counter()
        public = Crawler(Client(raise_request_exception=False), follow_public, PUBLIC_LIMIT)
        explicit["public"] = public_seeds(canaries)
        public.crawl(explicit["public"])
        crawlers["public"] = public
        seconds["public"] = time.perf_counter() - started

        users = make_users(canaries)
        for role in ROLES:
            seeds = admin_seeds(canaries, OUTSIDERS[role])
            sightings[role] = expected_sightings(canaries, role)
            seeds += [url for _what, url, _forms in sightings[role]]
            started = time.perf_counter()
            crawler = Crawler(signed_in_client(users[role]), AdminFollow(), ADMIN_LIMIT)
            explicit[role] = seeds
            # The explicit addresses first, so that the crawl's bound never leaves them out.
            for url in seeds:
                crawler.get(url)
            crawler.crawl(seeds)
            crawlers[role] = crawler
            seconds[role] = time.perf_counter() - started
        transaction.set_rollback(True)
    forget()
    cache.clear()
    return Sweep(canaries, crawlers, explicit, seconds, sightings)


# --- What the tests read -------------------------------------------------------------------------


def where(crawler: Crawler, canary: Canary) -> list[str]:
    """Say at which addresses ``canary`` appeared, and in which form."""
    found = []
    for url, fetched in crawler.fetched.items():
        forms = appearances(fetched, canary.forms)
        if forms:
            shown = ", ".join(f"“{form}”" for form in forms[:3])
            found.append(f"  {fetched.status} {url}: {shown}")
    return found


def leak_report(audience: str, canary: Canary, found: list[str]) -> str:
    return f"{audience} sees {canary.label} at {len(found)} address(es):\n" + "\n".join(found)


CANARY_PARAMETERS = [(authority, kind) for authority in AUTHORITIES for kind in KINDS]


def _ids(value) -> str:
    return value if isinstance(value, str) else None


@pytest.mark.parametrize("audience", ["public", *ROLES])
def test_no_address_answers_with_a_server_error(sweep, audience):
    errors = sweep.crawlers[audience].errors()
    assert not errors, f"{audience}: server errors during the sweep:\n" + "\n".join(errors)


@pytest.mark.parametrize("audience", ["public", *ROLES])
def test_the_crawl_stays_within_its_bound(sweep, audience):
    crawler = sweep.crawlers[audience]
    left = sorted(crawler.skipped_over_limit)
    assert not left, (
        f"{audience}: the crawl stopped at {len(crawler.fetched)} addresses; "
        f"{len(left)} not fetched, e.g.:\n" + "\n".join(left[:20])
    )


# Every outlet the public sweep must have read (an address matching each, answered with 200).
OUTLETS = {
    "sitemap index": r"^/sitemap\.xml$",
    "sitemap of activities": r"^/sitemap-activities-(it|en)\.xml$",
    "Atom feed": r"^/opendata/feeds/activities\.atom",
    "RSS feed": r"^/opendata/feeds/activities\.rss",
    "API list": r"^/api/v1/activities\?",
    "API record": r"^/api/v1/activities/[^?]+$",
    "catalogue CSV": r"^/opendata/catalogue/activities\.csv",
    "catalogue XLSX": r"^/opendata/catalogue/activities\.xlsx",
    "catalogue JSON": r"^/opendata/catalogue/activities\.json",
    "IATI file": r"^/opendata/iati/[^/]+/activities\.xml$",
    "IATI record": r"^/opendata/iati/activity/",
    "CRS": r"^/opendata/crs/",
    "map data": r"^/geography/.+/map\.json",
    "statistics page": r"^/(it|en)/[^?]*/(statistiche|statistics)/$",
    "statistics CSV": r"/(statistiche|statistics)/csv/",
    "plans overview": r"/(piani-e-spesa|plans-and-spending)/",
    "annual plan (IT)": r"^/it/.*/piani-annuali/\d+/$",
    "annual plan (EN)": r"^/en/.*/annual-plans/\d+/$",
    "catalogue facet": r"/(catalogo|catalogue)/\?(country|sector|org|partner)=",
    "site search": r"/(cerca|search)/\?q=",
    "document download": r"^/documents/",
}


def test_the_public_sweep_reads_every_outlet(sweep):
    crawler = sweep.crawlers["public"]
    ok = [url for url, fetched in crawler.fetched.items() if fetched.status == 200]
    missing = [
        name for name, pattern in OUTLETS.items() if not any(re.search(pattern, u) for u in ok)
    ]
    assert not missing, f"the public sweep read nothing of: {', '.join(missing)}"


def test_the_public_sweep_reads_the_canaries_public_neighbours(sweep):
    """The records next to the canaries were read, so their silence means something."""
    crawler = sweep.crawlers["public"]
    problems = []
    for made in sweep.canaries.values():
        for record in (made.sensitive, made.public_parent, made.child_of_embargoed):
            for url in record_pages(record):
                fetched = crawler.fetched.get(canonical(url))
                if fetched is None or fetched.status != 200:
                    problems.append(f"{url}: {fetched.status if fetched else 'not fetched'}")
        visible = made.secrets.visible_name
        for url in record_pages(made.sensitive):
            fetched = crawler.fetched.get(canonical(url))
            if fetched and not any(name in fetched.text for name in visible.values()):
                problems.append(f"{url} does not name the visible partner {visible}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("authority,kind", CANARY_PARAMETERS, ids=_ids)
def test_the_public_never_sees(sweep, authority, kind):
    canary = sweep.canaries[authority].canary(kind)
    found = where(sweep.crawlers["public"], canary)
    assert not found, leak_report("the public", canary, found)


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_hidden_records_have_no_public_address(sweep, authority):
    """The embargoed activity's and the draft's pages, IATI files and API records answer 404,
    as does the hidden partner's API record."""
    crawler = sweep.crawlers["public"]
    served = []
    for url in hidden_public_addresses(sweep.canaries[authority]):
        fetched = crawler.fetched[canonical(url)]
        if fetched.status not in (404, 410):
            served.append(f"  {fetched.status} {url}")
    assert not served, "not refused to the public:\n" + "\n".join(served)


def _refused(fetched: Fetched) -> bool:
    """A refusal: 403, 404, 410, or a redirect to the sign-in page."""
    if fetched.status in (403, 404, 410):
        return True
    return fetched.status in (301, 302) and "/login/" in fetched.location


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_documents_of_hidden_records_do_not_download(sweep, authority):
    crawler = sweep.crawlers["public"]
    served = []
    for document in sweep.canaries[authority].documents:
        fetched = crawler.fetched[canonical(document.url)]
        if not _refused(fetched):
            served.append(f"  {fetched.status} {document.url}")
    assert not served, "the public downloads:\n" + "\n".join(served)


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_a_document_of_a_public_record_still_downloads(sweep, authority):
    """The control: the rule that keeps the canaries' documents back lets a public one through."""
    document = sweep.canaries[authority].public_document
    assert document.collection == sweep.canaries[authority].authority.collection
    fetched = sweep.crawlers["public"].fetched.get(canonical(document.url))
    assert fetched is not None and fetched.status == 200, document.url


# What each signed-in user must never see (every canary kind not listed is allowed to them).
# A Partner sees only what is public plus the texts of the activities his organisation joins:
# no hidden record, no hidden field, of either authority. Florence's staff see Florence's
# canaries; of the other authority they see only what is public. (Its hidden partner is left
# out: an organisation shared between authorities may be named in the organisation directory.)
FORBIDDEN = {
    "partner": CANARY_PARAMETERS,
    "florence editor": [("example", kind) for kind in KINDS if kind != "hidden partner"],
    "florence reviewer": [("example", kind) for kind in KINDS if kind != "hidden partner"],
}


@pytest.mark.parametrize(
    "role,authority,kind",
    [(role, authority, kind) for role, pairs in FORBIDDEN.items() for authority, kind in pairs],
    ids=_ids,
)
def test_admin_users_never_see(sweep, role, authority, kind):
    canary = sweep.canaries[authority].canary(kind)
    found = where(sweep.crawlers[role], canary)
    assert not found, leak_report(f"the {role}", canary, found)


# What each user must see, so that the silence of the tests above means something.
def expected_sightings(
    canaries: dict[str, AuthorityCanaries], role: str
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (what, address, forms): pages each user may read and what they must show there."""
    florence = canaries["florence"]
    s = florence.secrets
    history = "/admin/snippets/activities/activity/history/{}/"
    if role == "partner":
        return [
            (
                "the history of the activity his organisation joins",
                history.format(florence.sensitive.pk),
                tuple(s.sensitive_title.values()),
            )
        ]
    newer, older = latest_revisions(florence.sensitive)
    compare = (
        f"/admin/snippets/activities/activity/history/{florence.sensitive.pk}"
        f"/revisions/compare/{older.pk}...{newer.pk}/"
    )
    return [
        (
            "the history of Florence's embargoed activity",
            history.format(florence.embargoed.pk),
            tuple(s.embargoed_title.values()),
        ),
        (
            "the history of Florence's draft",
            history.format(florence.draft.pk),
            tuple(s.draft_title.values()),
        ),
        (
            "the hidden partner in the comparison of Florence's sensitive activity",
            compare,
            tuple(s.hidden_name.values()),
        ),
        ("its exact places in the same comparison", compare, (s.latitude,)),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_admin_sweeps_see_what_each_user_may_see(sweep, role):
    crawler = sweep.crawlers[role]
    signed_in = crawler.fetched[canonical("/admin/")]
    assert signed_in.status == 200, f"the {role} does not reach the admin: {signed_in.status}"
    missing = []
    for what, url, forms in sweep.sightings[role]:
        fetched = crawler.fetched[canonical(url)]
        if fetched.status != 200 or not appearances(fetched, forms):
            missing.append(f"  {what}: {fetched.status} {url}")
    assert not missing, f"the {role}'s sweep does not show:\n" + "\n".join(missing)
