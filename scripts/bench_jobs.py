"""Measure the admin requests around a large IATI import run as a background job.

    .venv/bin/python scripts/bench_jobs.py --file activities.xml \\
        --database-url postgres://postgres@127.0.0.1:5432/oc_jobs

An administrator (created once) uploads ``--file`` on the IATI import screen; the upload is
over the jobs threshold, so the request only stores it and queues the check. A worker
(``manage.py db_worker --backend jobs``, a process of its own, as in production) runs it while
the page's progress endpoint is asked once a second; then "Apply" queues the import and the
same happens again. Prints the milliseconds of every admin request (upload, job page, each
progress poll, apply), the rows the polls saw, and how long each job took in the worker.
The database (created and migrated when missing) keeps what the import wrote: use a scratch
one. Without ``--file`` a file of ``--activities`` generated activities is written first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

ACTIVITY = """  <iati-activity default-currency="EUR" last-updated-datetime="2026-01-01T00:00:00Z">
    <iati-identifier>XI-EXAMPLE-BENCH-{n:06d}</iati-identifier>
    <reporting-org ref="XI-EXAMPLE-BENCH" type="11"><narrative xml:lang="en">Bench Municipality</narrative></reporting-org>
    <title><narrative xml:lang="en">Water and schools, project {n}</narrative><narrative xml:lang="it">Acqua e scuole, progetto {n}</narrative></title>
    <description type="1"><narrative xml:lang="en">{text}</narrative><narrative xml:lang="it">{text}</narrative></description>
    <description type="2"><narrative xml:lang="en">{text}</narrative></description>
    <participating-org ref="XI-EXAMPLE-BENCH" role="1" type="11"><narrative xml:lang="en">Bench Municipality</narrative></participating-org>
    <participating-org role="4" type="22"><narrative xml:lang="en">Partner association {n}</narrative></participating-org>
    <activity-status code="2"/>
    <activity-date type="1" iso-date="2024-01-01"/>
    <activity-date type="3" iso-date="2026-12-31"/>
    <recipient-country code="BF" percentage="60"/>
    <recipient-country code="NE" percentage="40"/>
    <sector vocabulary="1" code="14030" percentage="70"/>
    <sector vocabulary="1" code="11220" percentage="30"/>
    <tag vocabulary="2" code="6"/>
{budgets}{transactions}  </iati-activity>
"""
BUDGET = """    <budget type="1" status="2">
      <period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>
      <value currency="EUR" value-date="{year}-01-01">{amount}</value>
    </budget>
"""
TRANSACTION = """    <transaction>
      <transaction-type code="{kind}"/><transaction-date iso-date="{year}-0{month}-15"/>
      <value currency="EUR" value-date="{year}-0{month}-15">{amount}</value>
      <description><narrative xml:lang="en">Instalment {month} of {year}</narrative></description>
    </transaction>
"""
TEXT = "Wells, classrooms and training for the villages of the district. " * 8


def write_file(path: Path, activities: int) -> None:
    """Write an IATI 2.03 file of ``activities`` generated activities (about 6 KB each)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for n in range(activities):
            budgets = "".join(
                BUDGET.format(year=year, amount=10000 + n) for year in (2024, 2025, 2026)
            )
            transactions = "".join(
                TRANSACTION.format(kind=kind, year=year, month=month, amount=1000 + n)
                for year in (2024, 2025)
                for kind, month in (("2", 2), ("3", 5), ("3", 9))
            )
            handle.write(
                ACTIVITY.format(n=n, text=TEXT, budgets=budgets, transactions=transactions)
            )
        handle.write("</iati-activities>\n")


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # DEBUG off, in this process and the worker's, as in production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.bench")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings

    # The test client's host, as a browser's would be the site's.
    settings.ALLOWED_HOSTS = ["*"]


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def follow(client, job_id: int, worker: subprocess.Popen, polls: list[float]) -> list[int]:
    """Ask the job's progress once a second until it is over; return the rows seen."""
    from django.urls import reverse

    seen = []
    while True:
        ms, response = timed(lambda: client.get(reverse("jobs:progress", args=[job_id])))
        polls.append(ms)
        state = response.json()
        seen.append(state["rows_done"])
        if state["over"]:
            return seen
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped (exit {worker.returncode}) before the job ended")
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--file", type=Path, help="an IATI activity file to import")
    parser.add_argument("--activities", type=int, default=8020)
    args = parser.parse_args()
    django_setup(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from opencoop.jobs.models import Job

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        path = args.file
        if path is None:
            path = Path(folder) / "activities.xml"
            write_file(path, args.activities)
        size_mb = path.stat().st_size / 1024 / 1024
        user = get_user_model().objects.filter(username="bench-jobs").first()
        if user is None:
            user = get_user_model().objects.create_superuser(
                "bench-jobs", "bench@example.org", "x-bench-pw-1"
            )
        client = Client()
        client.force_login(user)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--backend", "jobs", "--no-reload"],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": args.database_url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        requests: dict[str, float] = {}
        polls: list[float] = []
        try:
            client.get("/admin/")  # the process's first request loads the admin: not counted
            requests["GET import screen"], _ = timed(lambda: client.get("/admin/iati-import/"))
            with open(path, "rb") as handle:
                requests[f"POST upload ({size_mb:.1f} MB)"], response = timed(
                    lambda: client.post(
                        "/admin/iati-import/", {"file": handle, "reporting_org": ""}
                    )
                )
            assert response.status_code == 302, response.status_code
            check = Job.objects.latest_first().first()
            requests["GET job page (queued)"], _ = timed(lambda: client.get(response.url))
            check_seen = follow(client, check.pk, worker, polls)
            check.refresh_from_db()
            requests["GET job page (report)"], _ = timed(lambda: client.get(response.url))
            requests["POST apply"], applied = timed(
                lambda: client.post(reverse("jobs:apply", args=[check.pk]))
            )
            apply = Job.objects.latest_first().first()
            apply_seen = follow(client, apply.pk, worker, polls)
            apply.refresh_from_db()
            requests["GET job page (applied)"], _ = timed(lambda: client.get(applied.url))
        finally:
            worker.terminate()
            worker.wait(timeout=60)

    print(f"IATI file: {path.name}, {size_mb:.1f} MB, {check.rows_total} activities")
    print(f"{'admin request':32} {'ms':>8}")
    for name, ms in requests.items():
        print(f"{name:32} {ms:8.0f}")
    print(
        f"{'progress polls (' + str(len(polls)) + ')':32} median {statistics.median(polls):.0f}, "
        f"max {max(polls):.0f}"
    )
    print(f"slowest admin request: {max([*requests.values(), *polls]):.0f} ms")
    for label, job, seen in (("check", check, check_seen), ("apply", apply, apply_seen)):
        seconds = (job.finished_at - job.started_at).total_seconds()
        moves = sorted(set(seen))
        sample = moves[:: max(1, len(moves) // 8)] + moves[-1:]
        print(
            f"{label} job: {job.get_status_display()} in {seconds:.1f} s in the worker; "
            f"the polls saw {len(moves)} different row counts: {', '.join(map(str, sample))}"
        )
    print(f"report: {apply.report.get('summary', apply.report.get('error'))}")


if __name__ == "__main__":
    main()
