"""Measure the portal at 1,000, 10,000 and 100,000 activities on PostgreSQL; write BENCHMARKS.md.

    make bench                       # every size (generates what is missing: slow the first time)
    .venv/bin/python scripts/bench.py --sizes 1000 --samples 20 --duration 5
    .venv/bin/python scripts/bench.py --only-edit-page   # the admin's edit page alone (no wrk)

For each size the database ``<prefix>_<size>`` (``opencoop_bench_1k``, ``_10k``, ``_100k``) is
created and migrated when missing, gets the Florence demo and ``--authorities`` fictional
authorities of ``generate_authority`` (the activities shared among them, same seed, same data),
and a statistics page, an annual plans page and a map page over every authority. Then:

- server time: gunicorn (opencoop/operations/gunicorn_config.py, settings ``bench``: the local
  settings with DEBUG off, the default cache) is started afresh; each kind of page is asked for
  at ``--samples`` different addresses one after the other over loopback ("cold": the first
  request for that address since the server started, so no page cache; PostgreSQL's and the
  system's caches are whatever earlier runs left), then the same addresses again ("warm");
  p50/p95/p99 are of those response times (loopback adds well under a millisecond);
- concurrent users: with the page cache off, wrk keeps ``--users`` connections (20) busy for
  ``--users-duration`` seconds, rotating over mixed public pages (home, catalogue with and
  without facets, activity, statistics, map, country page, API list): p50/p95/p99, errors and
  the server's processor time an answer;
- throughput: wrk, bounded in time, on the catalogue, an activity page and a minimal view that
  goes through the same server, middleware and settings but reads no database;
- queries: how many SQL queries each kind of page makes (Django's test client, same settings);
- the admin's edit page (once, not per size): scripts/bench_edit_page.py, an activity with 20
  parts on an in-memory database with the demo: HTML bytes and server time;
- IATI: scripts/bench_iati.py exports every activity (seconds, peak memory), imports the file
  into ``<database>_import`` (activities/s, peak memory) and times lxml alone reading it; then
  imports, in per-activity mode, a real-shaped file of as many activities built from the real
  publishers' files of the tests (``--source publishers``);
- harvest (once, not per size): scripts/bench_harvest.py harvests ``--harvest-activities``
  (10,000) activities into a fresh atlas ``<prefix>_harvest``, then the same activities changed,
  and gives the time until the statistics and activity pages show the new values.

Figures of each size are kept in BENCHMARKS.md (a JSON block at its end), so one size can be
measured again alone and the file still shows every size. Not part of the tests.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "opencoop.settings.bench"
SIZE_LABELS = {1_000: "1k", 10_000: "10k", 100_000: "100k"}
DATA_MARK = "<!-- bench-data"
# The keys of the admin's edit page and the harvest figures among the sizes' in the data block.
EDIT_PAGE = "edit_page"
HARVEST = "harvest"

# Pages measured, in table order: (key, label).
PAGES = (
    ("catalogue", "Catalogue, no filter"),
    ("catalogue_facets", "Catalogue, two facets"),
    ("catalogue_text", "Catalogue, text + facet"),
    ("activity", "Activity page"),
    ("statistics", "Statistics, one authority"),
    ("statistics_all", "Statistics, all authorities"),
    ("plans_all", "Annual plans, all authorities"),
    ("comparison", "Atlas comparison by authority"),
    ("country", "Country page"),
    ("map_data", "Map data (JSON), one authority"),
    ("map_data_all", "Map data (JSON), all"),
    ("api_list", "API list, 20 a page"),
)
# Issue 20: a page served from the cache at 90% or more of the minimal view's rate, same run.
CACHED_SHARE = 0.9
# Figures over every authority have few addresses: they are asked for this many times at most.
FEW = {"statistics_all": 3, "plans_all": 3, "map_data_all": 3, "comparison": 3}
TARGETS = {  # ms, p95, uncached (page cache off), at 100,000 activities (issue 20)
    "catalogue": 150.0,
    "catalogue_facets": 150.0,
    "catalogue_text": 150.0,
    "activity": 40.0,
    "statistics_all": 300.0,
    "map_data_all": 300.0,
    "plans_all": 150.0,
    "country": 150.0,
    "api_list": 100.0,
}


def size_label(size: int) -> str:
    return SIZE_LABELS.get(size, str(size))


def database_url(prefix: str, size: int) -> str:
    return f"{prefix}_{size_label(size)}"


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def request_target(url: str) -> tuple[str, str]:
    """Return the Host header and the path of ``url``: a page of another site is absolute."""
    parts = urlsplit(url)
    return parts.netloc or "localhost", urlunsplit(("", "", parts.path, parts.query, ""))


def gunicorn_settings() -> tuple[int, int]:
    """Return the workers and threads the server runs with: gunicorn_config's, as the
    environment sets them (the server is started with the same environment)."""
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    from opencoop.operations import gunicorn_config

    return gunicorn_config.workers, gunicorn_config.threads


# Steps run in a process of their own (Django set up with the bench database) -------------------
def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def step_prepare(args) -> dict:
    """Migrate, load the demo and generate the fictional authorities when missing."""
    django_setup(args.url)
    from django.core.management import call_command
    from wagtail.models import Page

    from opencoop.activities.models import Activity
    from opencoop.demo.generator import generate

    call_command("migrate", verbosity=0)
    if not Page.objects.filter(depth=2).exists() or not Activity.objects.exists():
        call_command("load_demo", stdout=io.StringIO())
    generated = Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE").count()
    result: dict = {"generated_now": False}
    from opencoop.stats import kept
    from opencoop.stats.figure_models import FigureState

    if not FigureState.objects.exists():
        # A database made before the figures were kept: compute them once, as
        # ``manage.py refresh_figures --all`` does after that migration.
        started = time.perf_counter()
        result["kept_figures"] = {"authorities": kept.refresh_all()}
        result["kept_figures"]["seconds"] = time.perf_counter() - started
    if generated != args.size:
        report = generate(
            activities=args.size // args.authorities,
            authorities=args.authorities,
            seed=args.seed,
            page_authorities=args.pages_for,
        )
        result.update(
            generated_now=True,
            seconds=report.seconds,
            rows=report.total_rows,
            rows_per_second=report.rows_per_second,
        )
    from opencoop.catalogue import rows
    from opencoop.catalogue.row_models import CatalogueRow

    if not CatalogueRow.objects.exists():
        # A database made before the catalogue's rows: write them once, as
        # ``manage.py rebuild_catalogue_rows`` does after that migration.
        started = time.perf_counter()
        result["catalogue_rows"] = {"rows": sum(rows.rebuild().values())}
        result["catalogue_rows"]["seconds"] = time.perf_counter() - started
    _figure_pages_for_all()
    if result["generated_now"] or "catalogue_rows" in result:
        # Autovacuum analyses a table only after enough changes and in its own time: without
        # statistics the planner takes the catalogue's word search for a few rows. Vacuumed
        # too, as autovacuum leaves a production table: until its pages are marked all-visible
        # an index-only scan must visit the table, and the planner sorts every catalogue row
        # for a deep API page instead of reading its covering index (49 ms against 6 ms at
        # 10,000 activities, page 410).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result["activities"] = Activity.objects.count()
    return result


def _figure_pages_for_all() -> None:
    """Give the portal a statistics, plans and map page over every authority, where missing."""
    from wagtail.models import Locale

    from opencoop.atlas.models import AuthorityComparisonPage
    from opencoop.demo.loader import publish_page_pair
    from opencoop.geography.models import MapPage
    from opencoop.stats.models import PlansOverviewPage, StatisticsPage

    site = bench_site()
    home_it = site.root_page.specific
    home_en = home_it.get_translation(Locale.objects.get(language_code="en"))
    for model, slug in (
        (StatisticsPage, "bench-statistics"),
        (PlansOverviewPage, "bench-plans"),
        (MapPage, "bench-map"),
        (AuthorityComparisonPage, "bench-comparison"),
    ):
        # The atlas's site (opencoop.demo.atlas) may already have one of them, not all.
        if model.objects.filter(reporting_org__isnull=True).exists():
            continue
        publish_page_pair(
            (home_it, home_en),
            model,
            {"title": {"it": slug, "en": slug}, "slug": {"it": f"{slug}-it", "en": slug}},
            f"bench:{slug}",
            intro={"it": "", "en": ""},
            reporting_org=None,
        )


def step_discover(args) -> dict:
    """Return the addresses to ask for, the same ones for a given seed."""
    django_setup(args.url)
    from django.db.models import Q

    from opencoop.activities.models import Activity
    from opencoop.catalogue.models import CataloguePage
    from opencoop.core.sites import in_site
    from opencoop.geography.models import MapPage
    from opencoop.organisations.models import Organisation
    from opencoop.pages.models import RecordIndexPage
    from opencoop.stats.models import PlansOverviewPage, StatisticsPage

    rng = random.Random(args.seed)
    n = args.samples
    site = bench_site()
    catalogue = (
        in_site(CataloguePage.objects.live().filter(locale__language_code="en"), site).first().url
    )
    authorities = list(
        Organisation.objects.reporting()
        .filter(identifier__startswith="XI-EXAMPLE")
        .order_by("identifier")
    )
    rng.shuffle(authorities)
    urls: dict[str, list[str]] = {}
    pages = max(1, min(Activity.objects.filter(live=True).count() // 20, 500))
    urls["catalogue"] = [catalogue] + [
        f"{catalogue}?page={p}" for p in rng.sample(range(2, pages + 1), min(n - 1, pages - 1))
    ]
    countries = ["SN", "BF", "PS", "MZ", "ET", "BR", "AL", "TN", "LB", "MA"]
    groups = ["140", "122", "112", "311", "151", "430", "410", "160", "250", "720"]
    combos = [(c, g) for c in countries for g in groups]
    urls["catalogue_facets"] = [
        f"{catalogue}?{urlencode({'country': c, 'sector_group': g})}"
        for c, g in rng.sample(combos, min(n, len(combos)))
    ]
    words = ["water", "school", "health", "gardens", "women", "waste", "acqua", "scuole", "rifiuti"]
    combos = [(w, c) for w in words for c in countries]
    urls["catalogue_text"] = [
        f"{catalogue}?{urlencode({'q': w, 'country': c})}"
        for w, c in rng.sample(combos, min(n, len(combos)))
    ]
    index_pages = {
        page.get_parent().specific.reporting_org_id: page
        for page in RecordIndexPage.objects.live()
        .filter(locale__language_code="en", record_type="activities")
        .specific()
    }
    activity_ids = list(
        Activity.objects.filter(live=True, reporting_org_id__in=list(index_pages))
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = Activity.objects.filter(id__in=rng.sample(activity_ids, min(n, len(activity_ids))))
    urls["activity"] = [index_pages[a.reporting_org_id].record_url(a) for a in chosen]
    rng.shuffle(urls["activity"])
    urls["statistics"] = [
        page.url
        for page in StatisticsPage.objects.live().filter(
            locale__language_code="en", reporting_org__in=authorities[:n]
        )
    ]
    urls["statistics_all"] = [
        StatisticsPage.objects.live()
        .filter(locale__language_code="en", reporting_org__isnull=True)
        .first()
        .url
    ]
    urls["plans_all"] = [
        PlansOverviewPage.objects.live()
        .filter(locale__language_code="en", reporting_org__isnull=True)
        .first()
        .url
    ]
    urls["comparison"] = comparison_urls()
    assert MapPage.objects.live().exists()
    urls["map_data"] = [f"/geography/{org.slug}/map.json?lang=en" for org in authorities[:n]]
    urls["map_data_all"] = ["/geography/all/map.json?lang=en"]
    from opencoop.geography.countries import countries_with_records, country_url

    codes = sorted(countries_with_records())
    urls["country"] = [country_url(code, "en") for code in rng.sample(codes, min(n, len(codes)))]
    api_pages = max(1, min(Activity.objects.filter(live=True).count() // 20, 500))
    urls["api_list"] = [
        f"/api/v1/activities?page_size=20&page={p}&lang=en"
        for p in rng.sample(range(1, api_pages + 1), min(n, api_pages))
    ]
    # Visited by the concurrent users only (USERS_PAGES).
    urls["home"] = ["/en/"]
    urls["map"] = [
        page.url
        for page in MapPage.objects.live()
        .filter(locale__language_code="en")
        .filter(Q(reporting_org__isnull=True) | Q(reporting_org__in=authorities[:n]))
        .order_by("pk")
    ]
    # Addresses without a host are asked for on the site of the generated authorities, whose
    # scope covers them all (Florence's site shows Florence's records only).
    origin = "" if site.is_default_site else site.root_url
    return {
        key: [url if urlsplit(url).netloc else f"{origin}{url}" for url in addresses]
        for key, addresses in urls.items()
    }


def comparison_urls() -> list[str]:
    """Return the address of an atlas's comparison by authority (the bench site's, else any).

    The comparison is an atlas's page: the generated authorities' site may have none, the
    demo's atlas has one (its own host, in the address).
    """
    from opencoop.atlas.models import AuthorityComparisonPage
    from opencoop.core.sites import in_site

    pages = AuthorityComparisonPage.objects.live().filter(locale__language_code="en")
    page = in_site(pages, bench_site()).first() or pages.order_by("pk").first()
    return [page.full_url]


def bench_site():
    """Return the site holding the generated authorities' sections (the atlas, or the default)."""
    from wagtail.models import Site

    from opencoop.pages.models import SectionPage

    section = (
        SectionPage.objects.filter(reporting_org__identifier__startswith="XI-EXAMPLE")
        .order_by("pk")
        .first()
    )
    site = section.get_site() if section is not None else None
    return site or Site.objects.get(is_default_site=True)


def step_queries(args) -> dict:
    """Return the number of SQL queries of the first address of each kind (a fresh process)."""
    django_setup(args.url)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    urls = json.loads(Path(args.urls_file).read_text())
    client = Client(SERVER_NAME="localhost")
    client.get("/en/")  # loads codelists and the site once, as a running server has
    result = {}
    for key, _label in PAGES:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            host, path = request_target(urls[key][0])
            response = client.get(path, HTTP_HOST=host)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        result[key] = {"queries": len(queries), "status": response.status_code}
    return result


STEPS = {"prepare": step_prepare, "discover": step_discover, "queries": step_queries}


def run_step(name: str, args, url: str, size: int, **extra: str) -> dict:
    command = [sys.executable, __file__, "--step", name, "--url", url, "--size", str(size)]
    command += ["--seed", str(args.seed), "--authorities", str(args.authorities)]
    command += ["--pages-for", str(args.pages_for)]
    command += ["--samples", str(args.samples)]
    for key, value in extra.items():
        command += [f"--{key.replace('_', '-')}", value]
    env = {**os.environ, "LOG_LEVEL": "ERROR", "OPENCOOP_LOG_LEVEL": "ERROR"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR, env=env)
    if result.returncode != 0:
        sys.exit(f"step {name} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# The server and the load ----------------------------------------------------------------------
class Server:
    """A gunicorn of the portal on loopback, as configured for production, bench settings."""

    def __init__(self, url: str, port: int, page_cache: bool = True) -> None:
        self.url, self.port, self.page_cache = url, port, page_cache
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_MAX_REQUESTS": "0",
            "LOG_LEVEL": "ERROR",
            "OPENCOOP_LOG_LEVEL": "ERROR",
        }
        if not self.page_cache:
            env["OPENCOOP_PAGE_CACHE_SECONDS"] = "0"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log = open(BASE_DIR / "var" / f"bench-gunicorn-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [gunicorn, "-c", "python:opencoop.operations.gunicorn_config", "opencoop.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.get("/bench/minimal/")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            self.__exit__()
            sys.exit(f"gunicorn did not answer on port {self.port}: see {self.log.name}")
        self.workers = gunicorn_settings()[0]
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def get(self, path: str, connection: HTTPConnection | None = None) -> tuple[int, float, str]:
        """Ask for ``path``; return status, seconds to the last byte, and the X-Cache header."""
        own = connection is None
        connection = connection or HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            started = time.perf_counter()
            host, target = request_target(path)
            connection.request("GET", target, headers={"Host": host})
            response = connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - started, response.getheader("X-Cache", "")
        finally:
            if own:
                connection.close()


def warm_workers(server: Server) -> None:
    """Let each worker load templates, codelists and shapes, on addresses not measured."""
    warmups = ["/en/", "/it/", "/api/v1/activities?page_size=1&page=1", "/bench/minimal/"]
    for _ in range(server.workers):
        for path in warmups:
            server.get(path)


# The headline: every answer rendered afresh (page cache off), each address asked this often.
UNCACHED_ROUNDS = 2


def measure_uncached(server: Server, urls: dict[str, list[str]], samples: int) -> dict:
    """With the page cache off, ask for each address ``UNCACHED_ROUNDS`` times; times in ms.

    The pages over all authorities have one address: it is asked ``FEW + 1`` times instead.
    """
    warm_workers(server)
    result: dict = {}
    connection = HTTPConnection("127.0.0.1", server.port, timeout=120)
    for key, _label in PAGES:
        addresses = urls[key][:samples]
        if key in FEW:
            addresses = addresses[:1] * (FEW[key] + 1)
        else:
            addresses = addresses * UNCACHED_ROUNDS
        values, statuses, hits = [], set(), 0
        for path in addresses:
            status, seconds, cache = server.get(path, connection)
            values.append(seconds)
            statuses.add(status)
            hits += cache.lower().startswith("hit")
        result[key] = {
            "p50": percentile(values, 0.50) * 1000,
            "p95": percentile(values, 0.95) * 1000,
            "p99": percentile(values, 0.99) * 1000,
            "n": len(values),
            "statuses": sorted(statuses),
            "hits": hits,  # must be 0: the page cache is off
        }
    connection.close()
    return result


def measure_latency(server: Server, urls: dict[str, list[str]], samples: int) -> dict:
    """Ask for each address once (cold), then each again (warm); return times in ms."""
    warm_workers(server)
    result: dict = {}
    connection = HTTPConnection("127.0.0.1", server.port, timeout=120)
    for key, _label in PAGES:
        addresses = urls[key][:samples]
        rounds = {"cold": [], "warm": []}
        statuses: set[int] = set()
        hits = 0
        if key in FEW:
            # One address: first request cold, then repeated ones warm.
            status, seconds, _ = server.get(addresses[0], connection)
            rounds["cold"].append(seconds)
            statuses.add(status)
            for _ in range(FEW[key]):
                status, seconds, cache = server.get(addresses[0], connection)
                rounds["warm"].append(seconds)
                statuses.add(status)
                hits += cache.lower().startswith("hit")
        else:
            for phase in ("cold", "warm"):
                for path in addresses:
                    status, seconds, cache = server.get(path, connection)
                    rounds[phase].append(seconds)
                    statuses.add(status)
                    if phase == "warm":
                        hits += cache.lower().startswith("hit")
        result[key] = {
            phase: {
                "p50": percentile(values, 0.50) * 1000,
                "p95": percentile(values, 0.95) * 1000,
                "p99": percentile(values, 0.99) * 1000,
                "n": len(values),
            }
            for phase, values in rounds.items()
        }
        result[key]["statuses"] = sorted(statuses)
        result[key]["warm_hits"] = hits
    connection.close()
    return result


def run_wrk(port: int, path: str, duration: int, connections: int) -> dict:
    """Load ``path`` for ``duration`` seconds with wrk; return requests/s and errors."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    host, target = request_target(path)
    command += ["-H", f"Host: {host}", f"http://127.0.0.1:{port}{target}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


# Throughput rounds, taken in turn: one slow moment of the shared machine then moves one round
# of each kind, not a whole figure (single runs of the same code varied by a factor of 2).
THROUGHPUT_ROUNDS = 3
# Pages whose cached throughput is shown beside their uncached time (besides catalogue, activity).
CACHED_THROUGHPUT = ("statistics_all", "map_data_all", "plans_all", "country")


def measure_throughput(server: Server, urls: dict[str, list[str]], args) -> dict:
    """Return, per kind, the median requests/s of its rounds (and the rounds themselves)."""
    paths = {
        "minimal": "/bench/minimal/",
        "catalogue": urls["catalogue"][0],
        "activity": urls["activity"][0],
        **{key: urls[key][0] for key in CACHED_THROUGHPUT},
    }
    for path in paths.values():
        # Each worker has its own local-memory cache: a short run first, so that every worker
        # has rendered the page once and the measured runs see the cached page everywhere. A
        # connection stays with the worker that accepted it: with 8 connections a worker could
        # get none and render the page (1.2 s for the catalogue at 100,000) during a measured
        # run; 4 per worker reach them all.
        run_wrk(server.port, path, 3, max(args.connections, 4 * server.workers))
    runs: dict[str, list[dict]] = {key: [] for key in paths}
    for _ in range(THROUGHPUT_ROUNDS):
        for key, path in paths.items():
            runs[key].append(run_wrk(server.port, path, args.duration, args.connections))
    return {
        key: {
            "rps": statistics.median(run["rps"] for run in key_runs),
            "rounds": [run["rps"] for run in key_runs],
            "non_2xx": sum(run["non_2xx"] for run in key_runs),
            "socket_errors": "; ".join(
                run["socket_errors"] for run in key_runs if run["socket_errors"]
            ),
        }
        for key, key_runs in runs.items()
    }


# Concurrent users: wrk rotating over mixed public pages, page cache off ----------------------------
# The kinds of page the users visit, in turn (each kind as often as the others).
USERS_PAGES = (
    ("home", "Home"),
    ("catalogue", "Catalogue, no filter"),
    ("catalogue_facets", "Catalogue, two facets"),
    ("activity", "Activity page"),
    ("statistics", "Statistics, one authority"),
    ("map", "Map page"),
    ("country", "Country page"),
    ("api_list", "API list, 20 a page"),
)
USERS_TARGETS = {"p95": 500.0, "errors": 0}  # ms, uncached, 20 users (issue 20)
USERS_SCRIPT = """
local targets = {%(targets)s}
local n = #targets
local threads = 0
function setup(thread)
  thread:set("first", threads * math.floor(n / 2))
  threads = threads + 1
end
function init(args)
  counter = first
end
function request()
  counter = counter %% n + 1
  local target = targets[counter]
  return wrk.format("GET", target[2], {Host = target[1]})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("USERS %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def users_targets(urls: dict[str, list[str]], samples: int) -> list[tuple[str, str]]:
    """Return the addresses the users visit in turn: one of each kind, then the next of each."""
    targets = []
    for index in range(samples):
        for key, _label in USERS_PAGES:
            addresses = urls[key][:samples]
            targets.append(request_target(addresses[index % len(addresses)]))
    return targets


def process_seconds(pid: int) -> float:
    """Return the processor seconds (user + system) of ``pid`` and its children, alive or ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        total += sum(int(value) for value in fields[11:15]) / ticks
    return total


def measure_users(server: Server, urls: dict[str, list[str]], args) -> dict:
    """Let ``args.users`` users ask for mixed pages at once (wrk, one connection each, every
    answer rendered afresh); return the latency percentiles (ms), errors and processor time."""
    targets = users_targets(urls, args.samples)
    script = BASE_DIR / "var" / "bench-users.lua"
    script.write_text(
        USERS_SCRIPT % {"targets": ", ".join(f'{{"{host}", "{path}"}}' for host, path in targets)}
    )
    warm_workers(server)
    command = ["wrk", "-t2", f"-c{args.users}", f"-d{args.users_duration}s", "--timeout", "30s"]
    command += ["-s", str(script), f"http://127.0.0.1:{server.port}/"]
    before, load = process_seconds(server.process.pid), load_average()
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=args.users_duration + 120
    ).stdout
    cpu = process_seconds(server.process.pid) - before
    line = next((row for row in output.splitlines() if row.startswith("USERS ")), None)
    if line is None:
        sys.exit(f"wrk gave no figures:\n{output}")
    values = [int(value) for value in line.split()[1:]]
    requests, duration_us, connect, read, write, status, timeout = values[:7]
    p50, p95, p99, worst = (value / 1000 for value in values[7:])
    return {
        "users": args.users,
        "seconds": duration_us / 1e6,
        "requests": requests,
        "rps": requests / (duration_us / 1e6) if duration_us else 0.0,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "max": worst,
        "errors": connect + read + write + status + timeout,
        "error_kinds": {
            "connect": connect,
            "read": read,
            "write": write,
            "status": status,
            "timeout": timeout,
        },
        "kinds": [key for key, _label in USERS_PAGES],
        "addresses": len(set(targets)),
        "server_cpu_seconds": cpu,
        "cpu_ms_per_request": cpu / requests * 1000 if requests else 0.0,
        "load": [load, load_average()],
    }


def users_summary(users: dict) -> str:
    return (
        f"{users['users']} users, page cache off, {users['seconds']:.0f} s: {users['requests']:,} "
        f"answers ({users['rps']:.1f}/s), p50 {users['p50']:.0f} ms, p95 {users['p95']:.0f} ms, "
        f"p99 {users['p99']:.0f} ms, max {users['max']:.0f} ms, {users['errors']} errors; server "
        f"processor {users['cpu_ms_per_request']:.0f} ms an answer; load {' / '.join(users['load'])}"
    )


def run_iati(url: str, size: int, args, *, export_only: bool = False) -> dict:
    command = [sys.executable, str(BASE_DIR / "scripts" / "bench_iati.py")]
    command += ["--database-url", url, "--activities", str(size), "--seed", str(args.seed)]
    command += ["--no-generate", "--all-authorities", "--json"]
    command += ["--export-only"] * export_only
    # The export as the export job writes it: in as many processes as the machine has.
    command += ["--processes", str(os.cpu_count() or 1)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if result.returncode != 0:
        sys.exit(f"bench_iati failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_harvest(args) -> dict:
    """Measure the harvest of changed activities (scripts/bench_harvest.py), in a database of
    its own (``<prefix>_harvest``); once, not per size."""
    command = [sys.executable, str(BASE_DIR / "scripts" / "bench_harvest.py"), "--json"]
    command += ["--database-url", f"{args.database_prefix}_harvest"]
    command += ["--activities", str(args.harvest_activities), "--seed", str(args.seed)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if result.returncode != 0:
        sys.exit(f"bench_harvest failed:\n{result.stderr[-4000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(*result.stdout.strip().splitlines()[:-1], sep="\n", flush=True)
    return figures


def harvest_lines(figures: dict | None) -> list[str]:
    """Return the Markdown section of the harvest of changed activities."""
    lines = ["## Harvest of changed activities: time to all pages correct", ""]
    if not figures:
        return [*lines, "Not measured yet."]
    first, second = figures["first"], figures["second"]
    correct = (
        figures["statistics_changed"]
        and figures["statistics_equal_afresh"]
        and not figures["activity_pages_stale"]
    )
    return [
        *lines,
        "scripts/bench_harvest.py: a fresh atlas (the demo and the fictional authority's pages, "
        "none of its activities) harvests the authority's IATI file from a loopback server, "
        "then the same file with every English title and every first budget changed. *To all "
        "pages correct* is the second harvest plus the kept figures' refresh the jobs worker "
        "then runs; after it the statistics page served to visitors (page cache on) differs "
        "from the one before and equals one computed afresh from the activities, and each "
        f"checked activity page shows its new title (measured {figures['date']}, load average "
        f"{' / '.join(figures['load'])}).",
        "",
        "| Activities | File MB | First harvest s | Changed harvest s | Processor s | Refresh s "
        "| To all pages correct s | Activities/s | Pages checked |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {figures['activities']:,} | {figures['file_bytes'] / 1e6:.1f} | "
        f"{first['seconds']:.1f} | {second['seconds']:.1f} | {second['cpu']:.1f} | "
        f"{figures['second_refresh']['seconds']:.1f} | {figures['seconds_to_correct']:.1f} | "
        f"{second['changed'] / second['seconds']:.1f} | "
        f"{figures['activity_pages_checked'] - figures['activity_pages_stale']}/"
        f"{figures['activity_pages_checked']} activity pages and the statistics page "
        f"{'correct' if correct else 'NOT correct'} |",
    ]


def users_lines(sizes: list[dict]) -> list[str]:
    """Return the Markdown section of the concurrent users."""
    lines = ["## Concurrent users on uncached mixed pages", ""]
    rows = [result for result in sizes if result.get("users")]
    if not rows:
        return [*lines, "Not measured yet."]
    kinds = "; ".join(label.lower() for _key, label in USERS_PAGES)
    users = rows[0]["users"]
    lines += [
        f"wrk, {users['users']} connections (one per user, each asking as soon as its last "
        f"answer came), 2 threads, {users['seconds']:.0f} s, rotating over: {kinds} (the "
        "addresses of the table above), against the gunicorn with the page cache off: every "
        "answer rendered afresh. Latency is wrk's, from sending the request to the last byte, "
        "waiting for a free worker included. Server processor: the gunicorn processes' user and "
        "system time during the run (the database's not included), divided by the answers.",
        "",
        "| Activities | Users | Answers | Answers/s | p50 ms | p95 ms | p99 ms | Max ms | Errors "
        "| Server processor ms an answer | Load average before / after | Target (p95 < "
        f"{USERS_TARGETS['p95']:.0f} ms, no error) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in rows:
        u = result["users"]
        met = u["p95"] < USERS_TARGETS["p95"] and u["errors"] <= USERS_TARGETS["errors"]
        lines.append(
            f"| {result['size']:,} | {u['users']} | {u['requests']:,} | {u['rps']:.1f} | "
            f"{ms(u['p50'])} | {ms(u['p95'])} | {ms(u['p99'])} | {ms(u['max'])} | "
            f"{u['errors']} | {u['cpu_ms_per_request']:.0f} | {' / '.join(u['load'])} | "
            f"{'met' if met else 'missed'} |"
        )
    return lines


def run_iati_publishers(url: str, size: int) -> dict:
    """Import, activity by activity, ``size`` activities repeated from the real publishers."""
    command = [sys.executable, str(BASE_DIR / "scripts" / "bench_iati.py")]
    command += ["--database-url", url, "--activities", str(size), "--source", "publishers"]
    command += ["--mode", "per-activity", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if result.returncode != 0:
        sys.exit(f"bench_iati --source publishers failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_edit_page(args) -> dict:
    """Measure the admin's edit page of an activity with 20 parts (scripts/bench_edit_page.py).

    Its own process, on an in-memory SQLite database with the demo: the page's weight and
    server time do not depend on how many activities the database holds.
    """
    command = [sys.executable, str(BASE_DIR / "scripts" / "bench_edit_page.py"), "--json"]
    command += ["--samples", str(min(args.samples, 10))]
    before = load_average()
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if result.returncode != 0:
        sys.exit(f"bench_edit_page failed:\n{result.stderr[-4000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    figures["load"] = [before, load_average()]
    print(edit_page_summary(figures), flush=True)
    return figures


def edit_page_summary(figures: dict) -> str:
    return (
        f"edit page, activity of {figures['parts']} parts: {figures['bytes']:,} bytes of HTML, "
        f"{figures['options']:,} <option>s, server time median {figures['median_ms']:.0f} ms, "
        f"worst {figures['worst_ms']:.0f} ms, processor time median "
        f"{figures.get('processor_median_ms', 0):.0f} ms over {figures['samples']} requests"
    )


def edit_page_lines(figures: dict | None) -> list[str]:
    """Return the Markdown section of the admin's edit page."""
    lines = ["## Admin edit page, an activity with 20 parts", ""]
    if not figures:
        return [*lines, "Not measured yet."]
    return [
        *lines,
        "scripts/bench_edit_page.py: Django's test client, a superuser in Italian, in-memory "
        "SQLite with the demo; one warm-up request, then the median and worst of "
        f"{figures['samples']} (measured {figures['date']}, load average "
        f"{' / '.join(figures['load'])}).",
        "",
        "| HTML bytes | `<option>`s | Server time p50 (ms) | Worst (ms) | Processor p50 (ms) |",
        "|---|---|---|---|---|",
        f"| {figures['bytes']:,} | {figures['options']:,} | {figures['median_ms']:.0f} | "
        f"{figures['worst_ms']:.0f} | {figures.get('processor_median_ms', 0):.0f} |",
        "",
        f"- HTML ≤ 200 KB: {'met' if figures['bytes'] <= 200_000 else 'missed'}; server time "
        f"≤ 500 ms: {'met' if figures['median_ms'] <= 500 else 'missed'} (processor time: "
        f"{'met' if figures.get('processor_median_ms', 1e9) <= 500 else 'missed'}; on a loaded "
        "machine the wall time counts other processes' turns).",
    ]


def measure_iati(url: str, size: int, args) -> dict:
    """Run the IATI step; keep its date and the load around it (it may run apart from the rest)."""
    before = load_average()
    iati = run_iati(url, size, args)
    iati["publishers"] = run_iati_publishers(url, size)
    iati["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    iati["load"] = [before, load_average()]
    print(iati_summary(iati), flush=True)
    return iati


def measure_iati_export(url: str, size: int, args, previous: dict | None) -> dict:
    """Run the IATI export alone; keep the import figures of ``previous`` (an earlier run),
    each with its own date: the table says which run each comes from."""
    before = load_average()
    export = run_iati(url, size, args, export_only=True)
    measured = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": [before, load_average()],
    }
    print(
        f"IATI export {export['export']['activities']:,} activities in "
        f"{export['export']['seconds']:.1f} s, peak {export['export']['peak_mb']:.0f} MB",
        flush=True,
    )
    if not previous or "import" not in previous:
        sys.exit(f"--only-iati-export: no IATI import figures yet at {size:,} activities")
    kept = {key: value for key, value in previous.items() if key != "export"}
    kept.setdefault("import_measured", {k: previous[k] for k in ("date", "load") if k in previous})
    return {**kept, "export": export["export"], "export_measured": measured}


# One size -----------------------------------------------------------------------------------
def bench_size(size: int, args) -> dict:
    url = database_url(args.database_prefix, size)
    ensure_database(url)
    print(f"\n== {size:,} activities ({url})", flush=True)
    prepared = run_step("prepare", args, url, size)
    if prepared["generated_now"]:
        print(
            f"generated {prepared['rows']:,} rows in {prepared['seconds']:.0f} s "
            f"({prepared['rows_per_second']:,.0f} rows/s)",
            flush=True,
        )
    if "kept_figures" in prepared:
        print(
            f"kept figures of {prepared['kept_figures']['authorities']} authorities computed "
            f"in {prepared['kept_figures']['seconds']:.1f} s",
            flush=True,
        )
    if "catalogue_rows" in prepared:
        print(
            f"catalogue rows ({prepared['catalogue_rows']['rows']:,}) written in "
            f"{prepared['catalogue_rows']['seconds']:.1f} s",
            flush=True,
        )
    urls = run_step("discover", args, url, size)
    urls_file = BASE_DIR / "var" / f"bench-urls-{size_label(size)}.json"
    urls_file.write_text(json.dumps(urls, indent=1))
    queries = run_step("queries", args, url, size, urls_file=str(urls_file))
    loads = [load_average()]
    with Server(url, args.port, page_cache=False) as server:
        uncached = measure_uncached(server, urls, args.samples)
        users = measure_users(server, urls, args)
    print(users_summary(users), flush=True)
    loads.append(load_average())
    with Server(url, args.port) as server:
        latency = measure_latency(server, urls, args.samples)
        loads.append(load_average())
        throughput = measure_throughput(server, urls, args)
        loads.append(load_average())
    partial = {
        "load": loads,
        "uncached": uncached,
        "latency": latency,
        "throughput": throughput,
        "queries": queries,
    }
    print_size({**partial, "iati": None})
    iati = measure_iati(url, size, args) if not args.skip_iati else None
    loads.append(load_average())
    result = {
        "size": size,
        "authorities": args.authorities,
        "activities_in_database": prepared["activities"],
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": loads,
        "samples": args.samples,
        "duration": args.duration,
        "connections": args.connections,
        "uncached": uncached,
        "users": users,
        "latency": latency,
        "throughput": throughput,
        "queries": queries,
        "iati": iati,
        "example_urls": {key: values[0] for key, values in urls.items()},
    }
    if prepared["generated_now"]:
        result["generation"] = {
            k: prepared[k] for k in ("seconds", "rows", "rows_per_second") if k in prepared
        }
    return result


def bench_users(size: int, args) -> dict:
    """Measure the concurrent users alone at ``size`` (the addresses chosen afresh)."""
    url = database_url(args.database_prefix, size)
    ensure_database(url)
    print(f"\n== Concurrent users at {size:,} activities ({url})", flush=True)
    run_step("prepare", args, url, size)
    urls = run_step("discover", args, url, size)
    with Server(url, args.port, page_cache=False) as server:
        users = measure_users(server, urls, args)
    print(users_summary(users), flush=True)
    return users


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# Reporting ----------------------------------------------------------------------------------
def print_size(result: dict) -> None:
    print(f"load average during the run: {' / '.join(result['load'])}", flush=True)
    print(f"{'page (page cache off)':<32}{'p50/p95/p99 ms':>24}")
    for key, label in PAGES:
        row = result["uncached"][key]
        print(f"{label:<32}{row['p50']:>8.0f}{row['p95']:>8.0f}{row['p99']:>8.0f}")
    print(f"{'page':<32}{'cold p50/p95/p99 ms':>24}{'warm p50/p95/p99 ms':>24}{'queries':>9}")
    for key, label in PAGES:
        row = result["latency"][key]
        cold, warm = row["cold"], row["warm"]
        print(
            f"{label:<32}{cold['p50']:>8.0f}{cold['p95']:>8.0f}{cold['p99']:>8.0f}"
            f"{warm['p50']:>8.0f}{warm['p95']:>8.0f}{warm['p99']:>8.0f}"
            f"{result['queries'][key]['queries']:>9}"
        )
    minimal = result["throughput"]["minimal"]["rps"]
    for key, value in result["throughput"].items():
        share = f" ({value['rps'] / minimal:.0%} of the minimal view)" if minimal else ""
        rounds = " / ".join(f"{rps:.0f}" for rps in value.get("rounds", []))
        print(
            f"throughput {key}: {value['rps']:.0f} requests/s{share}; rounds {rounds}", flush=True
        )
    if result["iati"]:
        print(iati_summary(result["iati"]))


def iati_summary(iati: dict) -> str:
    export, parse, first = iati["export"], iati["parse"], iati["import"]
    return (
        f"IATI export {export['activities']:,} activities in {export['seconds']:.1f} s, peak "
        f"{export['peak_mb']:.0f} MB; import {first['rate']:.1f} activities/s, peak "
        f"{first['peak_mb']:.0f} MB; lxml alone {parse['seconds']:.2f} s "
        f"(import takes {first['seconds'] / parse['seconds']:.0f}× lxml's time)"
        + publishers_summary(iati.get("publishers"))
    )


def publishers_summary(publishers: dict | None) -> str:
    if not publishers:
        return ""
    run = publishers["import"]
    return (
        f"; real publishers' activities, per activity: {run['read']:,} read, "
        f"{run['skipped']:,} skipped, {run['rate']:.1f} activities/s, peak {run['peak_mb']:.0f} MB"
    )


def read_previous(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    content = path.read_text()
    start = content.find(DATA_MARK)
    if start < 0:
        return {}
    block = content[start + len(DATA_MARK) : content.rindex("-->")]
    return json.loads(block)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} processors ({cpu}){memory}, {platform.system()} {platform.release()}"


def postgres_version(url: str) -> str:
    import psycopg

    # The server's administrative database: the size's own may not exist on this machine.
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def write_markdown(path: Path, results: dict[str, dict], args, notes: str) -> None:
    sizes = sorted(
        (result for key, result in results.items() if key not in (EDIT_PAGE, HARVEST)),
        key=lambda r: r["size"],
    )
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); do not edit by hand: the notes below the",
        "tables come from the script too. Figures are of one run; run again to compare.",
        "",
        "## Machine and method",
        "",
        f"- Machine: {machine()}; PostgreSQL "
        f"{postgres_version(database_url(args.database_prefix, sizes[0]['size']))} on the same "
        "machine; Python " + platform.python_version() + "; no external cache (Django's "
        "local-memory cache, one per worker).",
        "- Command: `make bench` (`.venv/bin/python scripts/bench.py`), options "
        f"`--samples {args.samples} --duration {args.duration} --connections {args.connections}`.",
        "- Data: the Florence demo plus fictional authorities of `manage.py generate_authority "
        f"--activities N/{args.authorities} --authorities {args.authorities} --seed {args.seed} "
        f"--pages-for {args.pages_for}` (pages, so activity and statistics pages, for the first "
        f"{args.pages_for} authorities).",
        "- Server: gunicorn with opencoop/operations/gunicorn_config.py ({} workers, {} "
        "thread(s) each), settings `opencoop.settings.bench` (local settings, DEBUG off, plus "
        "a minimal view), on loopback.".format(*gunicorn_settings()),
        "- Server time: the time to the last byte of each answer, measured by a client on "
        "loopback, one request at a time. *Cold*: the first request for each address since the "
        "server started (each worker had first served a few other pages, so imports and "
        "codelists are loaded); *warm*: the same addresses again. PostgreSQL's buffers and the "
        "system's file cache are not emptied (the database server is shared). For the pages "
        "over all authorities there is one address: cold is its first request, warm the next "
        "ones. *Hits* counts warm answers served from the page cache (X-Cache header).",
        "- Throughput: wrk, 2 threads, the given connections and seconds, on one address each, "
        "after a 3-second wrk run on it with 4 connections per worker (each worker caches the "
        f"page in its own memory); the median of {THROUGHPUT_ROUNDS} rounds taken in turn "
        "(minimal view, catalogue, activity page, and again). The minimal view answers a few "
        "bytes through the same server, "
        "middleware and settings without the database.",
        "- Queries: SQL queries of the first address of each kind, in a fresh process, with the "
        "cache cleared.",
        "- IATI: scripts/bench_iati.py, export of every public activity to one file (written by "
        "as many processes as the machine has processors, as the export job writes it), import "
        "of that file into an empty database, lxml alone reading it; peak memory is the maximum "
        "resident set size of the process doing it (of the export: the first process's plus, "
        "for each other, the largest of theirs; its processor time counts them all).",
        "- The machine is shared with other work: the load average (1, 5, 15 minutes) is given "
        "at the start of each size, after the page timings, after wrk and at the end. A load "
        "above the number of processors means other processes took part of the processors "
        "during the run.",
        "",
    ]
    lines += ["## Uncached server time (ms, page cache off): the headline", ""]
    lines += [
        "Every answer rendered afresh: a gunicorn with `OPENCOOP_PAGE_CACHE_SECONDS=0`, each "
        f"address asked {UNCACHED_ROUNDS} times (the pages over all authorities, their one "
        "address 4 times). Beside it, the same page's throughput from the page cache (wrk, "
        "the server below, page cache on).",
        "",
        "| Activities | Page | p50 | p95 | p99 | n | Queries | Cached throughput (req/s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in sizes:
        uncached = result.get("uncached")
        if not uncached:
            continue
        for key, label in PAGES:
            row = uncached.get(key)
            if row is None:
                continue
            statuses = row["statuses"]
            note = "" if statuses == [200] else f" (HTTP {', '.join(map(str, statuses))})"
            rate = result["throughput"].get(key, {}).get("rps")
            queries = result["queries"].get(key, {}).get("queries", "")
            lines.append(
                f"| {result['size']:,} | {label}{note} | {ms(row['p50'])} | {ms(row['p95'])} | "
                f"{ms(row['p99'])} | {row['n']} | {queries} | "
                f"{f'{rate:.0f}' if rate else '–'} |"
            )
    lines += ["", *users_lines(sizes)]
    lines += ["", "## Server time with the page cache (ms)", ""]
    header = (
        "| Activities | Page | Cold p50 | Cold p95 | Cold p99 | Warm p50 | Warm p95 | Warm p99 "
    )
    header += "| Hits | Queries |"
    lines += [header, "|" + "---|" * 10]
    for result in sizes:
        for key, label in PAGES:
            row = result["latency"].get(key)
            if row is None:
                continue
            cold, warm = row["cold"], row["warm"]
            statuses = row["statuses"]
            note = "" if statuses == [200] else f" (HTTP {', '.join(map(str, statuses))})"
            lines.append(
                f"| {result['size']:,} | {label}{note} | {ms(cold['p50'])} | {ms(cold['p95'])} | "
                f"{ms(cold['p99'])} | {ms(warm['p50'])} | {ms(warm['p95'])} | {ms(warm['p99'])} "
                f"| {row['warm_hits']}/{warm['n']} | {result['queries'][key]['queries']} |"
            )
    lines += ["", "## Throughput (requests/s, wrk)", ""]
    lines += [
        "| Activities | Minimal view | Catalogue | Share | Activity page | Share | Errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in sizes:
        t = result["throughput"]
        minimal = t["minimal"]["rps"] or 1
        errors = sum(v["non_2xx"] for v in t.values())
        lines.append(
            f"| {result['size']:,} | {t['minimal']['rps']:.0f} | {t['catalogue']['rps']:.0f} | "
            f"{t['catalogue']['rps'] / minimal:.0%} | {t['activity']['rps']:.0f} | "
            f"{t['activity']['rps'] / minimal:.0%} | {errors} non-2xx |"
        )
    lines += ["", "## IATI export and import", ""]
    lines += [
        "| Activities | Export s | Export processor s | Export peak MB | File MB | "
        "Import activities/s | Import processor s | Import peak MB | lxml alone s | "
        "Import ÷ lxml |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in sizes:
        iati = result.get("iati")
        if not iati:
            continue
        e, p, i = iati["export"], iati["parse"], iati["import"]
        # Processor seconds of the process alone: on a shared machine the elapsed time also
        # counts the time other work held the processors (the database's time is not in it).
        cpu = {k: f"{v['cpu']:.1f}" if "cpu" in v else "–" for k, v in (("e", e), ("i", i))}
        lines.append(
            f"| {e['activities']:,} | {e['seconds']:.1f} | {cpu['e']} | {e['peak_mb']:.0f} | "
            f"{e['bytes'] / 1e6:.1f} | {ms(i['rate'])} | {cpu['i']} | {i['peak_mb']:.0f} | "
            f"{p['seconds']:.2f} | {i['seconds'] / p['seconds']:.0f}× |"
        )
    lines += [
        "",
        "### Import of the real publishers' activities, per activity",
        "",
        "The activities of the tests' publishers' files of version 2.03 (tests/data/iati/"
        "publishers), repeated and renumbered to the size, imported activity by activity "
        "(`scripts/bench_iati.py --source publishers --mode per-activity`).",
        "",
        "| Activities | File MB | Skipped | Import activities/s | Import processor s | "
        "Import peak MB | Again (unchanged) activities/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in sizes:
        publishers = (result.get("iati") or {}).get("publishers")
        if not publishers:
            continue
        f, i, again = publishers["file"], publishers["import"], publishers["import_again"]
        lines.append(
            f"| {f['activities']:,} | {f['bytes'] / 1e6:.1f} | {i['skipped']:,} | "
            f"{ms(i['rate'])} | {i['cpu']:.1f} | {i['peak_mb']:.0f} | {ms(again['rate'])} |"
        )
    lines += ["", "## Runs", ""]
    for result in sizes:
        generation = result.get("generation")
        made = (
            f"; generated in this run: {generation['rows']:,} rows in "
            f"{generation['seconds']:.0f} s ({generation['rows_per_second']:,.0f} rows/s)"
            if generation
            else ""
        )
        iati = result.get("iati") or {}
        iati_run = (
            f"; IATI measured {iati['date']}, load average {' / '.join(iati['load'])}"
            if "date" in iati and "export_measured" not in iati
            else ""
        )
        if "export_measured" in iati:  # the export measured alone, after the import
            export_run, import_run = iati["export_measured"], iati["import_measured"]
            iati_run = (
                f"; IATI export measured {export_run['date']}, load average "
                f"{' / '.join(export_run['load'])}; IATI import and lxml measured "
                f"{import_run['date']}, load average {' / '.join(import_run['load'])}"
            )
        lines.append(
            f"- {result['size']:,} activities ({result['activities_in_database']:,} in the "
            f"database with the demo's), {result['date']}, load average "
            f"{' / '.join(result['load'])}{made}{iati_run}."
        )
    lines += ["", "## Targets at 100,000 activities", ""]
    lines += target_lines(results)
    lines += ["", *harvest_lines(results.get(HARVEST))]
    lines += ["", *edit_page_lines(results.get(EDIT_PAGE))]
    if notes:
        lines += ["", "## Notes", "", notes.strip()]
    lines += ["", DATA_MARK, json.dumps(results, indent=1, sort_keys=True), "-->", ""]
    path.write_text("\n".join(lines))


def target_lines(results: dict[str, dict]) -> list[str]:
    result = results.get("100000")
    if result is None:
        return ["Not measured yet at 100,000 activities."]
    lines = []

    def verdict(value: float, limit: float, higher_is_better: bool = False) -> str:
        met = value >= limit if higher_is_better else value <= limit
        if met:
            return "met"
        return f"missed by {abs(value - limit) / limit:.0%}"

    for key, limit in TARGETS.items():
        if "uncached" in result:
            value = result["uncached"][key]["p95"]
        elif key in result["latency"]:  # runs before the page cache could be turned off
            value = result["latency"][key]["cold"]["p95"]
        else:
            lines.append(f"- {dict(PAGES)[key]}: not measured at 100,000 activities yet.")
            continue
        label = dict(PAGES)[key]
        # One decimal near a limit: 39.6 ms is under 40, which "40 ms, met" would not show.
        shown = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
        lines.append(
            f"- {label}, p95 uncached < {limit:.0f} ms: {shown} ms, {verdict(value, limit)}."
        )
    users = result.get("users")
    if users:
        lines.append(
            f"- {users['users']} concurrent users on uncached mixed pages, p95 < "
            f"{USERS_TARGETS['p95']:.0f} ms: {users['p95']:,.0f} ms, "
            f"{verdict(users['p95'], USERS_TARGETS['p95'])}; errors: {users['errors']}, "
            f"{'met' if users['errors'] <= USERS_TARGETS['errors'] else 'missed'}."
        )
    t = result["throughput"]
    minimal = t["minimal"]["rps"] or 1
    labels = dict(PAGES)
    for key, value in t.items():
        if key == "minimal" or key not in labels:
            continue
        share = value["rps"] / minimal
        lines.append(
            f"- {labels[key]} (cached) ≥ {CACHED_SHARE:.0%} of the minimal view's throughput: "
            f"{share:.0%}, {verdict(share, CACHED_SHARE, higher_is_better=True)}."
        )
    iati = result.get("iati")
    if iati:
        e, i = iati["export"], iati["import"]
        lines.append(f"- Export ≤ 60 s: {e['seconds']:.0f} s, {verdict(e['seconds'], 60)}.")
        # Processes forked share what they inherit: their PSS counts it once (bench_iati.py);
        # runs older than that give the sum of the processes' peaks alone.
        if "pss_peak_mb" in e:
            lines.append(
                f"- Export ≤ 300 MB (PSS summed over its processes): {e['pss_peak_mb']:.0f} MB, "
                f"{verdict(e['pss_peak_mb'], 300)} (RSS summed {e['rss_sum_peak_mb']:.0f} MB)."
            )
        else:
            lines.append(f"- Export ≤ 300 MB: {e['peak_mb']:.0f} MB, {verdict(e['peak_mb'], 300)}.")
        lines.append(
            f"- Import ≥ 1,000 activities/s: {i['rate']:.0f}/s, "
            f"{verdict(i['rate'], 1000, higher_is_better=True)}."
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="activities, comma-separated")
    parser.add_argument("--authorities", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pages-for", type=int, default=10, help="authorities given pages when generating"
    )
    parser.add_argument(
        "--database-prefix", default="postgres://postgres@127.0.0.1:5432/opencoop_bench"
    )
    parser.add_argument("--port", type=int, default=8111)
    parser.add_argument("--samples", type=int, default=30, help="addresses per kind of page")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (wrk connections)")
    parser.add_argument(
        "--users-duration", type=int, default=30, help="seconds of the concurrent users' run"
    )
    parser.add_argument(
        "--harvest-activities",
        type=int,
        default=10_000,
        help="activities of the harvest measure (changed, then harvested again)",
    )
    parser.add_argument(
        "--skip-harvest", action="store_true", help="keep the harvest figures of the previous run"
    )
    parser.add_argument(
        "--skip-iati", action="store_true", help="keep the IATI figures of the previous run"
    )
    parser.add_argument(
        "--only-iati",
        action="store_true",
        help="measure the IATI export and import only; keep the other figures",
    )
    parser.add_argument(
        "--only-iati-export",
        action="store_true",
        help="measure the IATI export only; keep the import and the other figures",
    )
    parser.add_argument(
        "--only-users",
        action="store_true",
        help="measure the concurrent users only; keep the other figures",
    )
    parser.add_argument(
        "--only-harvest",
        action="store_true",
        help="measure the harvest of changed activities only; keep the other figures",
    )
    parser.add_argument(
        "--only-edit-page",
        action="store_true",
        help="measure the admin's edit page only (needs no wrk); keep the other figures",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the output from the figures it holds, measuring nothing",
    )
    parser.add_argument("--output", default=str(BASE_DIR / "BENCHMARKS.md"))
    parser.add_argument(
        "--notes",
        default=str(BASE_DIR / "scripts" / "bench_notes.md"),
        help="Markdown notes for BENCHMARKS.md (why a target is missed)",
    )
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--urls-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return
    if shutil.which("wrk") is None and not args.only_edit_page:
        sys.exit("wrk is missing: apt-get install -y wrk")
    (BASE_DIR / "var").mkdir(exist_ok=True)
    output = Path(args.output)
    results = read_previous(output)
    notes_path = Path(args.notes)
    if args.only_edit_page:
        print(f"load average at the start: {load_average()} ({os.cpu_count()} processors)")
        results[EDIT_PAGE] = measure_edit_page(args)
        notes = notes_path.read_text() if notes_path.is_file() else ""
        write_markdown(output, results, args, notes)
        print(f"wrote {output}")
        return
    if args.report_only:
        notes = notes_path.read_text() if notes_path.is_file() else ""
        write_markdown(output, results, args, notes)
        print(f"wrote {output}")
        return
    print(f"load average at the start: {load_average()} ({os.cpu_count()} processors)")
    only = args.only_iati or args.only_iati_export or args.only_users or args.only_harvest
    if not only:
        results[EDIT_PAGE] = measure_edit_page(args)
    if args.only_harvest or not (only or args.skip_harvest):
        results[HARVEST] = measure_harvest(args)
        notes = notes_path.read_text() if notes_path.is_file() else ""
        write_markdown(output, results, args, notes)
        if args.only_harvest:
            print(f"wrote {output}")
            return
    for size in (int(s) for s in args.sizes.split(",")):
        previous = results.get(str(size), {})
        if args.only_users:
            if "latency" not in previous:
                sys.exit(f"--only-users: no page figures yet at {size:,} activities")
            results[str(size)] = {**previous, "users": bench_users(size, args)}
        elif args.only_iati:
            if "latency" not in previous:
                sys.exit(f"--only-iati: no page figures yet at {size:,} activities")
            url = database_url(args.database_prefix, size)
            ensure_database(url)
            print(f"\n== IATI at {size:,} activities ({url})", flush=True)
            # A new database (another machine, another prefix) gets its activities first.
            prepared = run_step("prepare", args, url, size)
            if prepared["generated_now"]:
                print(f"generated {prepared['rows']:,} rows in {prepared['seconds']:.0f} s")
            results[str(size)] = {**previous, "iati": measure_iati(url, size, args)}
        elif args.only_iati_export:
            url = database_url(args.database_prefix, size)
            print(f"\n== IATI export at {size:,} activities ({url})", flush=True)
            iati = measure_iati_export(url, size, args, previous.get("iati"))
            results[str(size)] = {**previous, "iati": iati}
        else:
            results[str(size)] = bench_size(size, args)
            if args.skip_iati and previous.get("iati"):
                results[str(size)]["iati"] = previous["iati"]
        notes = notes_path.read_text() if notes_path.is_file() else ""
        write_markdown(output, results, args, notes)
        print(f"wrote {output}")


if __name__ == "__main__":
    main()
