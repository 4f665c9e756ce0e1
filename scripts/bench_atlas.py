"""Time an atlas's figures with and without counting once the activities two authorities report.

    DATABASE_URL=postgres://…/name .venv/bin/python scripts/bench_atlas.py --activities 2000

Generates fictional authorities (``generate``, no pages), links ``--links`` of their activities
to another authority's record (``participating-org/@activity-id``), refreshes the kept figures,
then times, in turns, the rule (``counted_once``) and each comparison table over every authority
with the duplicates left out and without. Everything is rolled back at the end. Prints the
median and the slowest of ``--rounds`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=2000, help="per authority")
    parser.add_argument("--authorities", type=int, default=5)
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.bench")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import transaction

    from opencoop.access import policy
    from opencoop.activities.models import Activity, ParticipatingOrg
    from opencoop.atlas.comparison import COMPARISON
    from opencoop.atlas.duplicates import atlas_scope, counted_once
    from opencoop.demo.generator import generate
    from opencoop.stats import kept
    from opencoop.stats.selectors import Scope

    def timed(work) -> float:
        started = time.perf_counter()
        work()
        return (time.perf_counter() - started) * 1000

    with transaction.atomic():
        started = time.perf_counter()
        generate(
            activities=args.activities,
            authorities=args.authorities,
            seed=1,
            pages=False,
            index=False,
        )
        public = list(
            policy.public(Activity)
            .order_by("reporting_org_id", "pk")
            .values_list("pk", "reporting_org_id", "iati_identifier")
        )
        by_authority: dict[int, list] = {}
        for row in public:
            by_authority.setdefault(row[1], []).append(row)
        authorities = sorted(by_authority)
        links = []
        for i in range(args.links):
            citing = by_authority[authorities[i % len(authorities)]]
            cited = by_authority[authorities[(i + 1) % len(authorities)]]
            activity, twin = citing[i // len(authorities)], cited[i // len(authorities)]
            links.append(
                ParticipatingOrg(
                    activity_id=activity[0],
                    organisation_id=twin[1],
                    role="1",
                    participant_activity_id=twin[2],
                )
            )
        ParticipatingOrg.objects.bulk_create(links)
        kept.refresh_all()
        print(
            f"{len(public)} public activities of {len(authorities)} authorities, "
            f"{len(links)} links; set up in {time.perf_counter() - started:.1f} s"
        )
        once = counted_once(policy.public(Activity))
        print(f"counted once: {len(once.linked)} linked, {once.same_identifier} same identifier")
        times: dict[str, list[float]] = {}
        for _round in range(args.rounds):
            times.setdefault("rule (counted_once)", []).append(
                timed(lambda: counted_once(policy.public(Activity)))
            )
            for slug, build in COMPARISON.items():
                times.setdefault(f"{slug}, counted once", []).append(
                    timed(lambda build=build: build(atlas_scope(None)[0]))
                )
                times.setdefault(f"{slug}, as reported", []).append(
                    timed(lambda build=build: build(Scope()))
                )
        for name, values in times.items():
            print(f"{name:32} median {statistics.median(values):8.1f} ms   max {max(values):8.1f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
