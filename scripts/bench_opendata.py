"""Measure the catalogue downloads, the API, the feeds and the sitemap on a generated authority.

    .venv/bin/python scripts/bench_opendata.py \\
        --database-url postgres://postgres@127.0.0.1:5432/opencoop_api_bench --activities 10000

The database (created and migrated when missing) gets the Florence demo and the fictional
authority of ``manage.py generate_authority --activities N --seed S`` once. Each measurement then runs in a
process of its own, through the whole Django stack (middleware, view, streaming), reading the
answer to its end, so that its peak memory (maximum resident set size) is its own; the figure of
a bare Django process is printed for comparison. Prints a table; writes nothing but the database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.dev")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def authority_slug() -> str:
    from opencoop.organisations.models import Organisation

    return Organisation.objects.reporting().get(identifier__startswith="XI-EXAMPLE").slug


def fetch(url: str) -> tuple[float, int, int, bytes]:
    """GET ``url`` through the whole stack; return seconds, status, size and the first bytes."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    started = time.perf_counter()
    response = client.get(url)
    size, head = 0, b""
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        if len(head) < 4096:
            head += chunk[:4096]
        size += len(chunk)
    return time.perf_counter() - started, response.status_code, size, head


# Steps, each run in a process of its own ---------------------------------------------------------
def step_baseline(args) -> dict:
    django_setup(args.database_url)
    authority_slug()
    return {"peak_mb": peak_rss_mb()}


def step_generate(args) -> dict:
    django_setup(args.database_url)
    from django.core.management import call_command

    from opencoop.activities.models import Activity

    call_command("migrate", verbosity=0)
    # The generated authority's pages go under the demo's home pages.
    call_command("load_demo", stdout=io.StringIO())
    started = time.perf_counter()
    existing = Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE").count()
    if existing != args.activities:
        call_command(
            "generate_authority",
            activities=args.activities,
            seed=args.seed,
            no_index=True,
            stdout=io.StringIO(),
        )
    return {"seconds": time.perf_counter() - started, "generated": existing != args.activities}


def step_download(args) -> dict:
    django_setup(args.database_url)
    from opencoop.activities.disclosure import public_activities

    slug = authority_slug()
    rows = public_activities().filter(reporting_org__slug=slug).count()
    seconds, status, size, _head = fetch(
        f"/opendata/catalogue/activities.{args.format}?org={slug}&lang=en"
    )
    return {
        "seconds": seconds,
        "status": status,
        "rows": rows,
        "bytes": size,
        "peak_mb": peak_rss_mb(),
    }


def step_api(args) -> dict:
    django_setup(args.database_url)
    slug = authority_slug()
    times = []
    for page in range(1, 11):
        seconds, status, _size, _head = fetch(
            f"/api/v1/activities?org={slug}&page_size=100&page={page}&lang=en"
        )
        assert status == 200, status
        times.append(seconds)
    deep, status, _size, _head = fetch(f"/api/v1/activities?org={slug}&page_size=100&page=50")
    return {
        "first_page": times[0],
        "mean_page": sum(times[1:]) / len(times[1:]),
        "page_50": deep,
        "status_page_50": status,
        "peak_mb": peak_rss_mb(),
    }


def step_feed(args) -> dict:
    django_setup(args.database_url)
    slug = authority_slug()
    whole, status, _size, _ = fetch("/opendata/feeds/activities.atom?lang=en")
    filtered, status_filtered, _size, _ = fetch(
        f"/opendata/feeds/activities.atom?org={slug}&sector_group=151&lang=en"
    )
    return {
        "whole": whole,
        "filtered": filtered,
        "status": [status, status_filtered],
        "peak_mb": peak_rss_mb(),
    }


def step_sitemap(args) -> dict:
    django_setup(args.database_url)
    index, status, _size, _ = fetch("/sitemap.xml")
    section, status_section, size, _ = fetch("/sitemap-activities-en.xml")
    return {
        "index": index,
        "section": section,
        "bytes": size,
        "status": [status, status_section],
        "peak_mb": peak_rss_mb(),
    }


STEPS = {
    "baseline": step_baseline,
    "generate": step_generate,
    "download": step_download,
    "api": step_api,
    "feed": step_feed,
    "sitemap": step_sitemap,
}


# Orchestration -----------------------------------------------------------------------------------
def run_step(name: str, args, **extra: str) -> dict:
    command = [sys.executable, __file__, "--step", name, "--database-url", args.database_url]
    command += ["--activities", str(args.activities), "--seed", str(args.seed)]
    for key, value in extra.items():
        command += [f"--{key}", value]
    env = {**os.environ, "LOG_LEVEL": "ERROR", "OPENCOOP_LOG_LEVEL": "ERROR"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR, env=env)
    if result.returncode != 0:
        sys.exit(f"step {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def ensure_database(url: str) -> None:
    """Create the database at ``url`` when it does not exist."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("--format", default="csv")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return

    ensure_database(args.database_url)
    generated = run_step("generate", args)
    baseline = run_step("baseline", args)
    print(f"Generated authority: {args.activities} activities (seed {args.seed})", end="")
    print(f", {generated['seconds']:.0f} s" if generated["generated"] else ", already there")
    print(f"Bare Django process: peak {baseline['peak_mb']:.0f} MB\n")
    print(f"{'download':<10}{'rows':>8}{'seconds':>10}{'rows/s':>10}{'MB':>9}{'peak MB':>9}")
    for file_format in ("csv", "json", "xlsx"):
        result = run_step("download", args, format=file_format)
        assert result["status"] == 200, result
        print(
            f"{file_format:<10}{result['rows']:>8}{result['seconds']:>10.1f}"
            f"{result['rows'] / result['seconds']:>10.0f}{result['bytes'] / 1e6:>9.1f}"
            f"{result['peak_mb']:>9.0f}"
        )
    api = run_step("api", args)
    print(
        f"\nAPI /activities, 100 a page: first page {api['first_page'] * 1000:.0f} ms, "
        f"next pages {api['mean_page'] * 1000:.0f} ms on average, page 50 "
        f"{api['page_50'] * 1000:.0f} ms; peak {api['peak_mb']:.0f} MB"
    )
    feed = run_step("feed", args)
    print(
        f"Atom feed: whole catalogue {feed['whole'] * 1000:.0f} ms, filtered "
        f"{feed['filtered'] * 1000:.0f} ms; peak {feed['peak_mb']:.0f} MB"
    )
    sitemap = run_step("sitemap", args)
    print(
        f"Sitemap: index {sitemap['index'] * 1000:.0f} ms, English activity section "
        f"{sitemap['section'] * 1000:.0f} ms ({sitemap['bytes'] / 1e6:.1f} MB); "
        f"peak {sitemap['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
