"""Measure the writers of activities: IATI import and spreadsheet import, SQLite and PostgreSQL.

    .venv/bin/python scripts/bench_writes.py \\
        --database-url postgres://postgres@127.0.0.1:5432/oc_writes --activities 1000 10000

A generated authority (``generate_authority``, fictional) is written once into ``<name>_src``
and exported as an IATI file per size. Each file is then imported with ``import_activity_file``
into an empty PostgreSQL database (``<name>_target``) and an empty SQLite file, each in a
process of its own; a spreadsheet of ``--rows`` new projects (activities sheet, one budget row
each) is checked with ``check_upload`` and applied with ``apply_import`` the same way. Prints one line per figure: wall seconds,
the process's processor seconds (SQLite's work included, PostgreSQL's not) and the number of
queries, the last two telling more than the first on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "scripts"))

from bench_iati import (  # noqa: E402
    cpu_seconds,
    django_setup,
    ensure_database,
    recreate_database,
)


class QueryCounter:
    """Count the queries run through Django's connection (a figure the machine's load leaves alone)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measured(work) -> dict:
    """Run ``work()``; return its wall and processor seconds and its query count."""
    from django.db import connection

    counter = QueryCounter()
    started, cpu = time.perf_counter(), cpu_seconds()
    with connection.execute_wrapper(counter):
        result = work()
    figures = {"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}
    return {**figures, "queries": counter.count, "result": result}


def step_generate(args) -> dict:
    django_setup(args.database_url)
    import io

    from django.core.management import call_command

    from opencoop.activities.models import Activity

    call_command("migrate", verbosity=0)
    if Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE").count() != args.count:
        call_command(
            "generate_authority",
            activities=args.count,
            seed=1,
            no_pages=True,
            no_index=True,
            stdout=io.StringIO(),
        )
    from opencoop.iati.export import iter_activities_xml, reporting_org_activities
    from opencoop.organisations.models import Organisation

    organisation = Organisation.objects.reporting().get(identifier__startswith="XI-EXAMPLE")
    with open(args.file, "wb") as handle:
        for chunk in iter_activities_xml(
            reporting_org_activities(organisation), base_url="https://bench.example.org/"
        ):
            handle.write(chunk)
    return {"activities": args.count}


def step_import(args) -> dict:
    django_setup(args.database_url)
    from opencoop.iati.importer import import_activity_file

    def work():
        with open(args.file, "rb") as stream:
            return import_activity_file(stream=stream, base_url="https://bench.example.org/")

    figures = measured(work)
    report = figures.pop("result")
    return {
        **figures,
        "read": report.read,
        "created": len(report.created),
        "errors": [str(error) for error in report.errors[:3]],
    }


def step_spreadsheet(args) -> dict:
    django_setup(args.database_url)
    from django.contrib.auth import get_user_model

    from opencoop.activities.models import Activity
    from opencoop.imports.services import apply_import, check_upload
    from opencoop.organisations.models import Organisation
    from tests.factories import spreadsheet_projects

    authority, _created = Organisation.objects.get_or_create(
        identifier="XI-EXAMPLE-SHEET",
        defaults={"slug": "bench-sheet", "name": {"en": "Example authority (fictional)"}},
    )
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x")
    rows = spreadsheet_projects(args.count)  # the tests' files of hundreds of rows, larger
    checking = measured(
        lambda: check_upload(
            rows=rows,
            read_errors=[],
            reporting_org=authority,
            user=user,
            file_name="bench.csv",
            outcome=args.outcome,
        )
    )
    run, plan = checking.pop("result")
    if plan.errors:
        return {"errors": plan.errors[:3]}
    figures = measured(lambda: apply_import(run=run, user=user))
    figures.pop("result")
    return {
        **figures,
        "check": checking,
        "rows": len(rows),
        "activities": Activity.objects.filter(reporting_org=authority).count(),
    }


STEPS = {"generate": step_generate, "import": step_import, "spreadsheet": step_spreadsheet}


def run_step(name: str, database_url: str, **extra: str) -> dict:
    command = [sys.executable, __file__, "--step", name, "--database-url", database_url]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=BASE_DIR)
    if result.returncode != 0:
        sys.exit(f"step {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def sqlite_database(folder: Path, template: Path) -> str:
    """Return the address of a fresh migrated SQLite file (copied from a migrated template)."""
    if not template.exists():
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{template}",
                "DJANGO_SETTINGS_MODULE": "opencoop.settings.dev",
            },
            check=True,
        )
    path = folder / "target.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database name to use")
    parser.add_argument(
        "--activities",
        type=int,
        nargs="*",
        default=[1000, 10000],
        help="sizes of the IATI files (none given: the spreadsheet only)",
    )
    parser.add_argument("--rows", type=int, default=1000, help="spreadsheet projects (0: none)")
    parser.add_argument("--outcome", default="review", help="spreadsheet outcome")
    parser.add_argument("--sqlite-template", default="/tmp/bench_writes_empty.sqlite3")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return

    parts = urlsplit(args.database_url)
    source = urlunsplit(parts._replace(path=parts.path + "_src"))
    target = urlunsplit(parts._replace(path=parts.path + "_target"))
    template = Path(args.sqlite_template)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for count in args.activities:
            path = folder / f"activities-{count}.xml"
            ensure_database(source)
            run_step("generate", source, file=path, count=count)
            for label in ("SQLite", "PostgreSQL"):
                if label == "SQLite":
                    url = sqlite_database(folder, template)
                else:
                    recreate_database(target)
                    url = target
                run = run_step("import", url, file=path)
                rate = run["read"] / run["seconds"]
                print(
                    f"IATI import, {label}, {count} activities: {run['created']} created in "
                    f"{run['seconds']:.1f} s = {rate:.0f} activities/s (processor {run['cpu']:.1f} s, "
                    f"{run['queries']} queries) {run['errors'] or ''}",
                    flush=True,
                )
        for label in ("SQLite", "PostgreSQL") if args.rows else ():
            if label == "SQLite":
                url = sqlite_database(folder, template)
            else:
                recreate_database(target)
                url = target
            run = run_step("spreadsheet", url, count=args.rows, outcome=args.outcome)
            if "errors" in run:
                sys.exit(f"spreadsheet refused: {run['errors']}")
            check = run["check"]
            print(
                f"Spreadsheet import ({args.outcome}), {label}: {args.rows} projects "
                f"({run['rows']} rows) checked in {check['seconds']:.1f} s (processor "
                f"{check['cpu']:.1f} s, {check['queries']} queries), applied in "
                f"{run['seconds']:.1f} s (processor {run['cpu']:.1f} s, {run['queries']} queries)",
                flush=True,
            )


if __name__ == "__main__":
    main()
