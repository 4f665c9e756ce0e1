"""Measure a harvest of N changed activities: the time until every page shows the new values.

    .venv/bin/python scripts/bench_harvest.py \\
        --database-url postgres://postgres@127.0.0.1:5432/oc_bench_harvest --activities 1000

The atlas is a database of its own (``--database-url``, dropped and made again each run): the
demo plus the fictional authority of ``generate_authority --activities N --authorities 1`` with
its pages; that authority's activity file is written with the IATI export and its activities,
plans, initiatives and exchanges are then deleted (its partners and pages stay), so the atlas
holds the authority's section and no activity of it. The prepared database is kept as
``<name>_ready_<N>`` and the file in ``var/``, so that later runs start from a copy.

Then, in one process (Django's test client, the bench settings, the page cache on as in
production, local memory):
1. a loopback HTTP server serves the file; ``harvest_source`` harvests it (N created);
2. every activity gets a new English title and its first budget 1,000 more; the server serves
   the changed file and ``harvest_source`` runs again (N changed);
3. the kept figures are refreshed as the jobs worker would (``kept.refresh_outdated``);
4. the pages are checked: the authority's statistics page (the cached copy served to
   visitors) must differ from the one before the change and equal one rendered afresh from the
   activities with every kept figure set aside; each checked activity page must show its new
   title.

"Time to all pages correct" is the second harvest plus the refresh (the checks are not timed:
they are the proof). Prints the figures; ``--json`` prints them as JSON too. Not part of the
tests.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "opencoop.settings.bench"
# Appended to every title by the changed file: what the activity pages must show afterwards.
MARK = "REV2"
BUDGET_STEP = Decimal("1000")
# What differs between two renderings of the same figures: a nonce, a CSRF token, and when the
# figures were computed ("Figures as of…", the time of the rendering when computed afresh).
VOLATILE = re.compile(
    rb'(nonce|csrfmiddlewaretoken" value)="[^"]*"|<span class="oc-figures-as-of"[^>]*>[^<]*</span>'
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.setdefault("OPENCOOP_LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def file_path(args) -> Path:
    return BASE_DIR / "var" / f"bench-harvest-{args.activities}-seed{args.seed}.xml"


# Steps, each in a process of its own ------------------------------------------------------------
def step_prepare(args) -> dict:
    """Give the atlas the authority's section and partners, write its activity file, then
    delete its records."""
    django_setup(args.url)
    from django.core.management import call_command

    from opencoop.demo.generator import authority_spec, generate
    from opencoop.iati.export import iter_activities_xml, reporting_org_activities
    from opencoop.organisations.models import Organisation
    from opencoop.stats import kept

    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    generate(activities=args.activities, authorities=1, seed=args.seed, index=False)
    authority = Organisation.objects.get(identifier=authority_spec(0).identifier)
    with open(file_path(args), "wb") as handle:
        for chunk in iter_activities_xml(
            reporting_org_activities(authority), base_url="https://portal.example.org/"
        ):
            handle.write(chunk)
    removed = _remove_records(authority)
    kept.refresh_all()
    return {"seconds": time.perf_counter() - started, "removed": removed}


def _remove_records(authority) -> int:
    """Delete the authority's activities, plans, initiatives and exchanges (not its partners)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    from opencoop.activities.models import Activity
    from opencoop.exchanges.models import Exchange
    from opencoop.initiatives.models import Initiative
    from opencoop.plans.models import AnnualPlan, PlanAllocation

    removed = 0
    for queryset in (
        PlanAllocation.objects.filter(plan__reporting_org=authority),
        AnnualPlan.objects.filter(reporting_org=authority),
        Initiative.objects.filter(reporting_org=authority),
        Exchange.objects.filter(reporting_org=authority),
        Activity.objects.filter(reporting_org=authority),
    ):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        removed += queryset.delete()[0]
        content_type = ContentType.objects.get_for_model(queryset.model)
        ReferenceIndex.objects.filter(base_content_type=content_type, object_id__in=ids).delete()
    return removed


def changed_file(original: bytes) -> tuple[bytes, dict[str, str]]:
    """Return the file with every English title marked and every first budget 1,000 more,
    and each activity's new English title."""
    from lxml import etree

    root = etree.fromstring(original)
    titles: dict[str, str] = {}
    for activity in root.iterfind("iati-activity"):
        identifier = activity.findtext("iati-identifier").strip()
        for narrative in activity.iterfind("title/narrative"):
            language = narrative.get("{http://www.w3.org/XML/1998/namespace}lang")
            if language in (None, "en"):
                narrative.text = f"{narrative.text} {MARK}"
                titles[identifier] = narrative.text
        value = activity.find("budget/value")
        if value is not None:
            value.text = str(Decimal(value.text) + BUDGET_STEP)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), titles


class Portal:
    """Another portal on a loopback port, serving one file with an ETag."""

    def __init__(self) -> None:
        self.body = b""
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                etag = f'"{hashlib.sha256(portal.body).hexdigest()[:16]}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(portal.body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(portal.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/activities.xml"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def step_measure(args) -> dict:
    """Harvest the file, then the changed file; time them; check the pages."""
    django_setup(args.url)
    from django.db import transaction
    from django.test import Client

    from opencoop.activities.models import Activity
    from opencoop.demo.generator import authority_spec
    from opencoop.harvest.models import Harvest, HarvestSource
    from opencoop.harvest.services import harvest_source
    from opencoop.pages.models import RecordIndexPage
    from opencoop.stats import kept
    from opencoop.stats.figure_models import FigureState
    from opencoop.stats.models import StatisticsPage

    identifier = authority_spec(0).identifier
    original = file_path(args).read_bytes()
    changed, titles = changed_file(original)
    portal = Portal()
    source = HarvestSource.objects.create(
        name="Example portal (fictional)", url=portal.url, reporting_org=identifier
    )
    client = Client()

    def get(url: str, **headers) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path, HTTP_HOST=parts.netloc or "localhost", **headers)
        assert response.status_code == 200, (url, response.status_code)
        return VOLATILE.sub(b"", response.content)

    def harvest() -> tuple[dict, float]:
        started, cpu = time.perf_counter(), cpu_seconds()
        run = harvest_source(source)
        seconds = time.perf_counter() - started
        if run.outcome != Harvest.IMPORTED:
            sys.exit(f"harvest: {run.outcome}: {run.message}")
        figures = {
            "seconds": seconds,
            "cpu": cpu_seconds() - cpu,
            "created": run.created,
            "changed": run.changed,
            "unchanged": run.unchanged,
            "skipped": run.skipped,
        }
        return figures, seconds

    def refresh() -> dict:
        started = time.perf_counter()
        authorities = kept.refresh_outdated()
        return {"seconds": time.perf_counter() - started, "authorities": authorities}

    portal.body = original
    first, _ = harvest()
    first_refresh = refresh()

    statistics = (
        StatisticsPage.objects.live()
        .filter(locale__language_code="en", reporting_org__identifier=identifier)
        .first()
    )
    index = (
        RecordIndexPage.objects.live()
        .filter(locale__language_code="en", record_type="activities")
        .filter(pk__in=_descendants_of_section(identifier))
        .first()
    )
    activities = list(Activity.objects.filter(reporting_org__identifier=identifier, live=True))
    rng = random.Random(args.seed)
    checked = activities if args.check >= len(activities) else rng.sample(activities, args.check)
    statistics_before = get(statistics.full_url)  # the copy the page cache keeps
    for activity in checked[:20]:
        get(index.full_url + index.reverse_subpage("record", args=[activity.slug]))

    portal.body = changed
    second, harvest_seconds = harvest()
    second_refresh = refresh()
    correct_after = harvest_seconds + second_refresh["seconds"]

    statistics_after = get(statistics.full_url)
    with transaction.atomic():
        # Every kept figure set aside: the page computes its figures from the activities.
        FigureState.objects.update(dirty=True)
        statistics_afresh = get(statistics.full_url, HTTP_AUTHORIZATION="Bench afresh")
        transaction.set_rollback(True)
    stale = []
    for activity in checked:
        url = index.full_url + index.reverse_subpage("record", args=[activity.slug])
        if MARK.encode() not in get(url):
            stale.append(url)
    portal.close()
    return {
        "activities": args.activities,
        "file_bytes": len(changed),
        "first": first,
        "first_refresh": first_refresh,
        "second": second,
        "second_refresh": second_refresh,
        "seconds_to_correct": correct_after,
        "statistics_changed": statistics_after != statistics_before,
        "statistics_equal_afresh": statistics_after == statistics_afresh,
        "activity_pages_checked": len(checked),
        "activity_pages_stale": len(stale),
        "stale_examples": stale[:3],
        "titles_in_file": len(titles),
        "peak_mb": peak_rss_mb(),
    }


def _descendants_of_section(identifier: str):
    from opencoop.pages.models import SectionPage

    section = SectionPage.objects.get(
        reporting_org__identifier=identifier, locale__language_code="en"
    )
    return section.get_descendants().values("pk")


STEPS = {"prepare": step_prepare, "measure": step_measure}


# Orchestration -----------------------------------------------------------------------------------
def run_step(name: str, args) -> dict:
    command = [sys.executable, __file__, "--step", name, "--database-url", args.url]
    command += ["--activities", str(args.activities), "--seed", str(args.seed)]
    command += ["--check", str(args.check)]
    env = {**os.environ, "LOG_LEVEL": "ERROR", "OPENCOOP_LOG_LEVEL": "ERROR"}
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR, env=env)
    if result.returncode != 0:
        sys.exit(f"step {name} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def admin_connection(url: str):
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def database_exists(connection, name: str) -> bool:
    return bool(
        connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    )


def fresh_atlas(args) -> dict | None:
    """Make the atlas database afresh: from its prepared copy, or prepared now (returned)."""
    name = urlsplit(args.url).path.lstrip("/")
    ready = f"{name}_ready_{args.activities}"
    with admin_connection(args.url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if database_exists(connection, ready) and file_path(args).is_file():
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{ready}"')
            prepared = None
        else:
            connection.execute(f'DROP DATABASE IF EXISTS "{ready}"')
            connection.execute(f'CREATE DATABASE "{name}"')
            prepared = {}
    # Migrations apply what is new since the copy was made (nothing, usually).
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": args.url, "DJANGO_SETTINGS_MODULE": SETTINGS},
        check=True,
    )
    if prepared is None:
        return None
    prepared = run_step("prepare", args)
    with admin_connection(args.url) as connection:
        connection.execute(f'CREATE DATABASE "{ready}" TEMPLATE "{name}"')
    return prepared


def summary(figures: dict) -> str:
    first, second = figures["first"], figures["second"]
    verdict = (
        "all pages correct"
        if figures["statistics_changed"]
        and figures["statistics_equal_afresh"]
        and not figures["activity_pages_stale"]
        else "PAGES NOT CORRECT"
    )
    return (
        f"harvest of {figures['activities']:,} activities "
        f"({figures['file_bytes'] / 1e6:.1f} MB): first {first['seconds']:.1f} s "
        f"({first['created']} created, processor {first['cpu']:.1f} s), refresh "
        f"{figures['first_refresh']['seconds']:.1f} s; changed file {second['seconds']:.1f} s "
        f"({second['changed']} changed, {second['unchanged']} unchanged, {second['skipped']} "
        f"skipped, processor {second['cpu']:.1f} s), refresh "
        f"{figures['second_refresh']['seconds']:.1f} s; time to all pages correct "
        f"{figures['seconds_to_correct']:.1f} s ({verdict}: statistics changed "
        f"{figures['statistics_changed']}, equal to afresh {figures['statistics_equal_afresh']}, "
        f"{figures['activity_pages_checked'] - figures['activity_pages_stale']}/"
        f"{figures['activity_pages_checked']} activity pages show the new title); peak "
        f"{figures['peak_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        dest="url",
        default="postgres://postgres@127.0.0.1:5432/opencoop_bench_harvest",
        help="the atlas's database (dropped and made again)",
    )
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--check", type=int, default=200, help="activity pages checked after the change"
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return
    (BASE_DIR / "var").mkdir(exist_ok=True)
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    prepared = fresh_atlas(args)
    if prepared:
        print(f"atlas prepared in {prepared['seconds']:.0f} s", flush=True)
    figures = run_step("measure", args)
    figures["load"] = [load_before, " ".join(f"{v:.2f}" for v in os.getloadavg())]
    print(summary(figures))
    print(f"load average before / after: {' / '.join(figures['load'])}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
