"""Measure the admin's activity edit page for an activity with 20 parts: HTML size and server time.

    .venv/bin/python scripts/bench_edit_page.py [--samples 10]

Runs on a throwaway in-memory SQLite database (the test settings) with the Florence demo and
one activity of it given 20 repeated parts (countries, sectors, SDGs, partners, budgets,
transactions, results), edited by a superuser in Italian through Django's test client.
Prints the HTML bytes, how many <option> elements it holds, and the median and worst server
time of ``--samples`` requests after one warm-up. Not part of the tests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def build_activity():
    """Give one demo activity 20 parts and return it."""
    from opencoop.activities.models import (
        Activity,
        Budget,
        ParticipatingOrg,
        RecipientCountry,
        Result,
        SdgTag,
        Sector,
        Transaction,
    )
    from opencoop.organisations.models import Organisation

    activity = Activity.objects.order_by("pk").first()
    for model in (RecipientCountry, Sector, SdgTag, ParticipatingOrg, Budget, Transaction, Result):
        model.objects.filter(activity=activity).delete()
    organisations = list(Organisation.objects.order_by("pk")[:3])
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
    Result.objects.create(activity=activity, title={"it": "Pozzi"}, indicator={"it": "Pozzi"})
    activity.save_revision()
    return activity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from wagtail.users.models import UserProfile

    from opencoop.demo.loader import load_demo

    setup_test_environment()
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
    times = []
    for _ in range(args.samples):
        started = time.perf_counter()
        page = client.get(address)
        times.append((time.perf_counter() - started) * 1000)
    html = page.content
    print(f"activity parts: {parts}")
    print(f"HTML: {len(html):,} bytes, {html.count(b'<option'):,} <option> elements")
    print(
        f"server time over {args.samples} requests: median {statistics.median(times):.0f} ms, "
        f"worst {max(times):.0f} ms"
    )


if __name__ == "__main__":
    main()
