"""Measure the catalogue's cases and the API list alone, page cache off: uncached p50/p95 in ms.

    .venv/bin/python scripts/bench_catalogue.py --database postgres://…/opencoop_bench_10k
    .venv/bin/python scripts/bench_catalogue.py --tree /path/to/another/checkout …
    .venv/bin/python scripts/bench_catalogue.py --pages …   # the figure pages instead


The same addresses as ``scripts/bench.py`` (its seed and its choice of catalogue pages, two
facets, and words with a country), plus the API's ``/activities`` list by page number and, where
the tree has it, by cursor; all on the site of the generated authorities (``bench.bench_site``:
the atlas, whose scope covers every authority; the default site shows Florence's records only). The server is ``bench.py``'s (gunicorn, bench settings, page cache
off); each address is asked twice, one after the other. ``--tree`` runs another checkout's code
(its ``scripts/bench.py`` and portal) on the same database, for a before/after comparison.
A database without catalogue rows gets them first (``rows.rebuild``). Prints figures; asserts
nothing.

``--pages`` measures the figure pages of ``bench.py`` instead (statistics and map data over every
authority, the plans overview, the atlas's comparison by authority, country pages, activity
pages, one authority's statistics), at the addresses ``bench.step_discover`` picks, each asked
``--rounds`` times; with the SQL queries of each kind's first address (Django's test client,
page cache off, as ``bench.step_queries``) and the portal's processor time per page in that
process (less moved by a loaded machine). A tree whose ``bench.py`` does not pick the atlas's
comparison has it picked here, so that before and after measure the same pages.
``--countries SN,AL`` asks for those countries' pages instead of the discovered ones (a big and a
small country); ``--explain`` prints, for each kind's first address, its slowest queries and
PostgreSQL's EXPLAIN ANALYZE of the slowest one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROUNDS = 2


def discover(bench, seed: int, samples: int) -> dict[str, list[str]]:
    """Return the addresses to ask for (the catalogue's as ``bench.step_discover`` picks them)."""
    from opencoop.activities.models import Activity
    from opencoop.catalogue.models import CataloguePage
    from opencoop.core.sites import in_site

    rng = random.Random(seed)
    site = bench.bench_site()
    catalogue = (
        in_site(CataloguePage.objects.live().filter(locale__language_code="en"), site).first().url
    )
    pages = max(1, min(Activity.objects.filter(live=True).count() // 20, 500))
    urls: dict[str, list[str]] = {}
    urls["catalogue"] = [catalogue] + [
        f"{catalogue}?page={p}"
        for p in rng.sample(range(2, pages + 1), min(samples - 1, pages - 1))
    ]
    countries = ["SN", "BF", "PS", "MZ", "ET", "BR", "AL", "TN", "LB", "MA"]
    groups = ["140", "122", "112", "311", "151", "430", "410", "160", "250", "720"]
    combos = [(c, g) for c in countries for g in groups]
    urls["catalogue_facets"] = [
        f"{catalogue}?{urlencode({'country': c, 'sector_group': g})}"
        for c, g in rng.sample(combos, min(samples, len(combos)))
    ]
    words = ["water", "school", "health", "gardens", "women", "waste", "acqua", "scuole", "rifiuti"]
    combos = [(w, c) for w in words for c in countries]
    urls["catalogue_text"] = [
        f"{catalogue}?{urlencode({'q': w, 'country': c})}"
        for w, c in rng.sample(combos, min(samples, len(combos)))
    ]
    try:
        from opencoop.catalogue.filters import CatalogueFilters
        from opencoop.catalogue.selectors import make_cursor
        from opencoop.opendata.records import select_catalogue
    except ImportError:  # a tree without keyset pages
        return urls
    selection = select_catalogue(CatalogueFilters(), lang="en")
    positions = rng.sample(range(20, min(selection.count(), 10_000)), samples - 1)
    cursors = [make_cursor(selection.rows[n - 1], selection.keys) for n in positions]
    urls["api_cursor"] = [f"{api_origin(bench)}/api/v1/activities?cursor="] + [
        f"{api_origin(bench)}/api/v1/activities?{urlencode({'cursor': c})}" for c in cursors
    ]
    return urls


def timed(bench, server, connection, paths: list[str]) -> dict:
    """Ask for each path in turn; return p50/p95 in ms, the count and the statuses seen."""
    values, statuses = [], set()
    for path in paths:
        status, seconds, _cache = server.get(path, connection)
        values.append(seconds * 1000)
        statuses.add(status)
    return {
        "p50": round(bench.percentile(values, 0.50)),
        "p95": round(bench.percentile(values, 0.95)),
        "n": len(values),
        "statuses": sorted(statuses),
    }


def api_origin(bench) -> str:
    """Return the root address of the bench site ("" for the default site)."""
    site = bench.bench_site()
    return "" if site.is_default_site else site.root_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/opencoop_bench_10k"
    )
    parser.add_argument("--tree", default=str(HERE.parent), help="checkout whose code is run")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--pages", action="store_true", help="the figure pages, not the catalogue")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only", default="", help="comma-separated kinds of page (--pages)")
    parser.add_argument("--countries", default="", help="country codes whose pages (--pages)")
    parser.add_argument("--explain", action="store_true", help="slowest queries' plans (--pages)")
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree / "scripts"))
    bench = importlib.import_module("bench")
    if args.pages:
        measure_pages(bench, tree, args)
        return
    bench.django_setup(args.database)
    try:
        from opencoop.catalogue import rows
        from opencoop.catalogue.row_models import CatalogueRow
    except ImportError:
        rows = None
    if rows is not None and not CatalogueRow.objects.exists():
        started = time.perf_counter()
        written = rows.rebuild()
        print(f"catalogue rows written: {written} in {time.perf_counter() - started:.1f} s")
    urls = discover(bench, args.seed, args.samples)
    origin = api_origin(bench)
    from django.db import connections

    connections.close_all()
    print(f"tree {tree}, load average before: {bench.load_average()}", flush=True)
    (tree / "var").mkdir(exist_ok=True)
    figures = {}
    with bench.Server(args.database, args.port, page_cache=False) as server:
        bench.warm_workers(server)
        connection = HTTPConnection("127.0.0.1", server.port, timeout=120)
        # The API's pages that exist on this site (its authorities only).
        host, target = bench.request_target(f"{origin}/api/v1/activities?page=1")
        connection.request("GET", target, headers={"Host": host})
        last = json.loads(connection.getresponse().read())["num_pages"]
        rng = random.Random(args.seed)
        urls["api_page"] = [f"{origin}/api/v1/activities?page=1"] + [
            f"{origin}/api/v1/activities?page={p}"
            for p in rng.sample(range(2, last + 1), min(args.samples - 1, last - 1))
        ]
        for key, addresses in urls.items():
            figures[key] = timed(bench, server, connection, addresses * ROUNDS)
            print(
                f"{key:<18} p50 {figures[key]['p50']:>6} ms  p95 {figures[key]['p95']:>6} ms  "
                f"n={figures[key]['n']} statuses={figures[key]['statuses']}",
                flush=True,
            )
        connection.close()
    print(f"load average after: {bench.load_average()}")
    print(json.dumps({"load": os.getloadavg(), "figures": figures}))


# The figure pages of ``bench.PAGES`` (``--pages``).
FIGURE_PAGES = (
    "statistics_all",
    "map_data_all",
    "plans_all",
    "comparison",
    "country",
    "activity",
    "statistics",
)


def page_queries(bench, urls: dict[str, list[str]], explain: bool = False) -> dict[str, dict]:
    """Return each kind's SQL queries (first address, cold then warm) and its process time.

    The processor time of the portal's own Python (median over the addresses, each asked once
    after a first request): unlike the time to the last byte, it hardly moves with the machine's
    load. PostgreSQL's time is not in it. ``explain``: print the slowest queries of the first
    address asked again (per-publication values remembered, as a running server has them), and
    the plan of the slowest.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost")
    client.get("/en/")  # codelists and the site loaded once, as a running server has them
    # Set up as a server's worker is, where the tree says how (the garbage collector's tuning).
    from opencoop.operations import gunicorn_config

    worker_init = getattr(gunicorn_config, "post_worker_init", None)
    if worker_init is not None:
        worker_init(None)
    result = {}
    for key, addresses in urls.items():
        cache.clear()
        host, path = bench.request_target(addresses[0])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_HOST=host)
        # Counted now: the captured list is read from the connection's log, which moves on.
        count = len(queries) if response.status_code == 200 else -response.status_code
        # And again once what a running server remembers between requests is remembered.
        with CaptureQueriesContext(connection) as again:
            client.get(path, HTTP_HOST=host)
        warm = len(again)
        if explain:
            print_slowest(key, path, again.captured_queries)
        cpu = []
        for address in addresses:
            host, path = bench.request_target(address)
            client.get(path, HTTP_HOST=host)
            started = time.process_time()
            client.get(path, HTTP_HOST=host)
            cpu.append((time.process_time() - started) * 1000)
        result[key] = {
            "queries": count,
            "queries_warm": warm,
            "cpu_p50": round(bench.percentile(cpu, 0.50)),
            "cpu_p95": round(bench.percentile(cpu, 0.95)),
            "cpu_max": round(max(cpu)),
        }
    return result


def print_slowest(key: str, path: str, captured: list[dict], shown: int = 5) -> None:
    """Print the slowest of a page's queries, and PostgreSQL's plan of the slowest one."""
    from django.db import connection

    slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:shown]
    total = sum(float(q["time"]) for q in captured) * 1000
    print(f"--- {key} {path}: {len(captured)} queries, {total:.0f} ms in the database", flush=True)
    for query in slowest:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    if slowest and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0]["sql"])
            print("\n".join(f"    {line}" for (line,) in cursor.fetchall()), flush=True)


def bench_comparison_urls() -> list[str]:
    """Return ``bench.comparison_urls()`` for a tree whose ``bench.py`` does not pick it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_of_this_tree", HERE / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.comparison_urls()


def measure_pages(bench, tree: Path, args) -> None:
    """Measure the figure pages uncached: p50/p95 in ms, and queries a page."""
    from types import SimpleNamespace

    os.environ["OPENCOOP_PAGE_CACHE_SECONDS"] = "0"
    found = bench.step_discover(
        SimpleNamespace(url=args.database, seed=args.seed, samples=args.samples)
    )
    if "comparison" not in found:
        found["comparison"] = bench_comparison_urls()
    if args.countries:
        from opencoop.geography.countries import country_url

        site = bench.bench_site()
        origin = "" if site.is_default_site else site.root_url
        found["country"] = [
            f"{origin}{country_url(code.strip().upper(), 'en')}"
            for code in args.countries.split(",")
        ]
    # ``--only`` may name any kind ``bench.step_discover`` picks (``api_list``, too).
    kinds = args.only.split(",") if args.only else list(FIGURE_PAGES)
    urls = {key: found[key][: args.samples] for key in kinds}
    queries = page_queries(bench, urls, explain=args.explain)
    from django.db import connections

    connections.close_all()
    print(f"tree {tree}, load average before: {bench.load_average()}", flush=True)
    (tree / "var").mkdir(exist_ok=True)
    figures = {}
    with bench.Server(args.database, args.port, page_cache=False) as server:
        bench.warm_workers(server)
        connection = HTTPConnection("127.0.0.1", server.port, timeout=120)
        for key, addresses in urls.items():
            # A page over every authority has one address: asked more often.
            rounds = args.rounds if len(addresses) > 1 else max(args.rounds, 5)
            figures[key] = {**timed(bench, server, connection, addresses * rounds), **queries[key]}
            print(
                f"{key:<16} p50 {figures[key]['p50']:>6} ms  p95 {figures[key]['p95']:>6} ms  "
                f"queries {queries[key]['queries']:>4} (warm {queries[key]['queries_warm']:>3})  "
                f"process p50 {queries[key]['cpu_p50']:>5} ms p95 {queries[key]['cpu_p95']:>5} ms "
                f"max {queries[key]['cpu_max']:>5} ms  n={figures[key]['n']} statuses={figures[key]['statuses']}",
                flush=True,
            )
        connection.close()
    print(f"load average after: {bench.load_average()}")
    print(json.dumps({"load": os.getloadavg(), "figures": figures}))


if __name__ == "__main__":
    main()
