"""Measure the admin's activity edit page for an activity with 20 parts: HTML size and server time.

    .venv/bin/python scripts/bench_edit_page.py [--samples 10]

Runs on a throwaway in-memory SQLite database (the test settings) with the Florence demo and
one activity of it given 20 repeated parts (countries, sectors, SDGs, partners, budgets,
transactions, results), edited by a superuser in Italian through Django's test client.
Prints the HTML bytes, how many <option> elements it holds, and the median and worst server
time of ``--samples`` requests after one warm-up (``--json``: one line of JSON, which
``make bench`` (scripts/bench.py) reads). The tests use ``give_twenty_parts``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def give_twenty_parts(activity, organisations: list) -> int:
    """Replace ``activity``'s parts by 20 (the tests' and the bench's case); return the count.

    ``organisations``: three partners. 3 countries, 4 sectors, 3 SDGs, 3 partners, 3 budgets,
    3 transactions and a result.
    """
    from opencoop.activities.models import (
        Budget,
        ParticipatingOrg,
        RecipientCountry,
        Result,
        ResultIndicator,
        SdgTag,
        Sector,
        Transaction,
    )

    for model in (RecipientCountry, Sector, SdgTag, ParticipatingOrg, Budget, Transaction, Result):
        model.objects.filter(activity=activity).delete()
    for code in ("SN", "BF", "TN"):
        RecipientCountry.objects.create(activity=activity, code=code, percentage=None)
    for code in ("14030", "14031", "11220", "12220"):
        Sector.objects.create(activity=activity, vocabulary="1", code=code)
    for code in ("6", "6.1", "4"):
        SdgTag.objects.create(activity=activity, vocabulary="3" if "." in code else "2", code=code)
    for organisation, role in zip(organisations, ("1", "2", "4"), strict=True):
        ParticipatingOrg.objects.create(activity=activity, organisation=organisation, role=role)
    for year in (2024, 2025, 2026):
        Budget.objects.create(
            activity=activity,
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            value=10000,
            value_date=datetime.date(year, 1, 1),
        )
    for day, kind in ((1, "2"), (2, "3"), (3, "3")):
        Transaction.objects.create(
            activity=activity,
            type=kind,
            date=datetime.date(2024, 3, day),
            value=5000,
            value_date=datetime.date(2024, 3, day),
        )
    result = Result.objects.create(activity=activity, title={"it": "Pozzi"})
    ResultIndicator.objects.create(result=result, title={"it": "Pozzi"})
    activity.save_revision()
    return 20


def build_activity():
    """Give one demo activity 20 parts and return it."""
    from opencoop.activities.models import Activity
    from opencoop.organisations.models import Organisation

    activity = Activity.objects.order_by("pk").first()
    give_twenty_parts(activity, list(Organisation.objects.order_by("pk")[:3]))
    return activity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--html", type=Path, help="write the page's HTML to this file")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from wagtail.users.models import UserProfile

    from opencoop.demo.loader import load_demo

    # Not setup_test_environment(): it instruments every template render, and the test client
    # then copies the context of each (~2,000 on this page), which is no part of server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    connection.creation.create_test_db(verbosity=0)
    load_demo()
    activity = build_activity()
    parts = sum(
        getattr(activity, name).count()
        for name in (
            "recipient_countries",
            "sectors",
            "sdg_tags",
            "participating_orgs",
            "budgets",
            "transactions",
            "results",
        )
    )
    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()
    client = Client()
    client.force_login(user)
    address = f"/admin/snippets/activities/activity/edit/{activity.pk}/"
    page = client.get(address)
    assert page.status_code == 200, page.status_code
    times, processor = [], []
    for _ in range(args.samples):
        started, started_processor = time.perf_counter(), time.process_time()
        page = client.get(address)
        times.append((time.perf_counter() - started) * 1000)
        # Server and SQLite run in this process: its processor time is the request's, whatever
        # else the machine runs (the wall time is not, on a shared machine).
        processor.append((time.process_time() - started_processor) * 1000)
    html = page.content
    if args.html:
        args.html.write_bytes(html)
    figures = {
        "parts": parts,
        "bytes": len(html),
        "options": html.count(b"<option"),
        "samples": args.samples,
        "median_ms": statistics.median(times),
        "worst_ms": max(times),
        "processor_median_ms": statistics.median(processor),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"activity parts: {parts}")
    print(f"HTML: {len(html):,} bytes, {figures['options']:,} <option> elements")
    print(
        f"server time over {args.samples} requests: median {figures['median_ms']:.0f} ms, "
        f"worst {figures['worst_ms']:.0f} ms; processor time median "
        f"{figures['processor_median_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
