"""Time the figure pages with their kept figures and computed afresh, in turns, in one process.

    DATABASE_URL=postgres://…/opencoop_bench_10k .venv/bin/python scripts/bench_kept.py

A loaded, shared machine moves separate runs of ``scripts/bench.py`` by more than the change
being measured; taking the two ways in turns, request after request, exposes both to the same
load. "Afresh" marks every authority's figures dirty (an ``update``, which sends no signal, so the
page cache's remembered values stay) inside a transaction that is rolled back: the pages then
compute every figure from the activities, as before the figures were kept.
Uses the addresses ``scripts/bench.py`` chose (``var/bench-urls-10k.json``), page cache off.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
KINDS = ("statistics_all", "map_data_all", "plans_all", "country")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", default=str(BASE_DIR / "var" / "bench-urls-10k.json"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.bench")
    os.environ["OPENCOOP_PAGE_CACHE_SECONDS"] = "0"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import transaction
    from django.test import Client

    from opencoop.stats.figure_models import FigureState

    urls = json.loads(Path(args.urls).read_text())
    client = Client(SERVER_NAME="localhost")
    client.get("/en/")  # codelists, site and templates loaded, as in a running server

    def timed(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - started) * 1000

    def afresh(path: str) -> float:
        with transaction.atomic():
            FigureState.objects.update(dirty=True)
            try:
                return timed(path)
            finally:
                transaction.set_rollback(True)

    print(f"{'page':<16}{'kept p50':>10}{'afresh p50':>12}{'kept max':>10}{'afresh max':>12}  n")
    for kind in KINDS:
        paths = urls[kind][:5]
        kept_ms, afresh_ms = [], []
        for _ in range(args.rounds):
            for path in paths:
                afresh_ms.append(afresh(path))
                kept_ms.append(timed(path))
        print(
            f"{kind:<16}{statistics.median(kept_ms):>10.0f}{statistics.median(afresh_ms):>12.0f}"
            f"{max(kept_ms):>10.0f}{max(afresh_ms):>12.0f}  {len(kept_ms)}"
        )
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
