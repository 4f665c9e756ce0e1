"""Measure the catalogue's word search in one process: milliseconds, processor time, queries, plans.

    .venv/bin/python scripts/bench_words.py --database postgres://…/opencoop_bench_10k
    .venv/bin/python scripts/bench_words.py --tree /path/to/another/checkout …

For a common word, a rare one, two words and a word with a country: the whole catalogue answer
(``catalogue``: counts, facets and first page), the count of the matching rows alone, the first
page of rows by relevance alone and the site search (its group of projects says how many it
counted). Each is run ``--rounds`` times after a first run; the medians of the elapsed and of
the processor time of this process (PostgreSQL's own time is not in it), and the SQL queries of
one run. ``--explain`` prints PostgreSQL's EXPLAIN ANALYZE of the slowest query of each case's
count and first page. ``--tree`` runs another checkout's code on the same database, for a
before/after comparison. ``--writes N`` also writes the rows of N activities again
(``rows.refresh``, rolled back), to show what keeping the words costs. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "common word": {"q": "water"},
    "rare word": {"q": "civilian"},
    "two words": {"q": "water women"},
    "word + country": {"q": "water", "country": ("SN",)},
}


def run(call, rounds: int) -> dict:
    """Run ``call`` once, then ``rounds`` times: median ms, processor ms, queries, result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = call()
    elapsed, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        elapsed.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "ms": round(statistics.median(elapsed), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "queries": len(queries),
        "result": result,
        "sql": [(q["sql"], float(q["time"])) for q in queries.captured_queries],
    }


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [line for (line,) in cursor.fetchall()]


def measure_writes(n: int) -> dict:
    """Write the rows of ``n`` activities again (``rows.refresh``), rolled back: ms, processor."""
    from django.db import connection, transaction

    from opencoop.activities.models import Activity
    from opencoop.catalogue import rows

    ids = list(Activity.objects.filter(live=True).order_by("pk").values_list("pk", flat=True)[:n])
    with transaction.atomic():
        try:
            from opencoop.catalogue.row_models import CatalogueWord  # noqa: F401
        except ImportError:  # a tree before the words' table, run on a database that has it
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS catalogue_catalogueword")  # rolled back
        started, started_cpu = time.perf_counter(), time.process_time()
        written = rows.refresh(Activity, ids)
        with connection.cursor() as cursor:  # what is deferred to the commit, checked now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - started_cpu) * 1000
        transaction.set_rollback(True)
    print(f"rows written again: {written} in {elapsed:.0f} ms, processor {cpu:.0f} ms", flush=True)
    return {"rows": written, "ms": round(elapsed), "cpu_ms": round(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/opencoop_bench_10k"
    )
    parser.add_argument("--tree", default=str(HERE.parent), help="checkout whose code is run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--writes", type=int, default=0, help="also write this many rows again (rolled back)"
    )
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    os.chdir(tree)
    sys.path.insert(0, str(tree / "scripts"))
    import bench

    bench.django_setup(args.database)
    from django.conf import settings
    from wagtail.models import Locale

    from opencoop.catalogue.filters import CatalogueFilters
    from opencoop.catalogue.selectors import (
        catalogue,
        filter_rows,
        ordered_rows,
        search_readings,
        sort_keys,
    )
    from opencoop.catalogue.site_search import site_search

    settings.DEBUG = False
    locale = Locale.objects.get(language_code="en")
    print(f"tree {tree}, load average before: {bench.load_average()}", flush=True)
    figures = {}
    for name, values in CASES.items():
        filters = CatalogueFilters(**values)
        readings = search_readings(filters)
        keys = sort_keys("relevance", "en", readings)

        def rows(filters=filters, readings=readings):
            return filter_rows(filters, readings=readings)

        calls = {
            "catalogue": lambda filters=filters: catalogue(filters, lang="en").total,
            "count": lambda rows=rows: rows().filter(kind="activity").count(),
            "first page": lambda rows=rows, keys=keys: len(
                list(ordered_rows(rows().filter(kind="activity"), keys).only("pk")[:20])
            ),
            "site search": lambda q=values["q"]: {
                g.key: g.total for g in site_search(q, locale=locale, lang="en")
            }.get("activities", 0),
        }
        figures[name] = {}
        for part, call in calls.items():
            measured = run(call, args.rounds)
            sql = measured.pop("sql")
            figures[name][part] = measured
            print(
                f"{name:<15} {part:<12} {measured['ms']:>8} ms  processor {measured['cpu_ms']:>8}"
                f" ms  queries {measured['queries']:>3}  result {measured['result']}",
                flush=True,
            )
            if args.explain and part in ("count", "first page") and sql:
                slowest = max(sql, key=lambda pair: pair[1])[0]
                plan = explain(slowest)
                print("    " + "\n    ".join(plan), flush=True)
    if args.writes:
        figures["writes"] = measure_writes(args.writes)
    print(f"load average after: {bench.load_average()}")
    print(json.dumps({"tree": str(tree), "load": os.getloadavg(), "figures": figures}))


if __name__ == "__main__":
    main()
