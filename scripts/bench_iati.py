"""Measure the IATI export and import on a generated authority: seconds, activities/s, memory.

    .venv/bin/python scripts/bench_iati.py \\
        --database-url postgres://postgres@127.0.0.1:5432/opencoop_imp_bench --activities 10000

The source database (created and migrated when missing) gets the fictional authority of
``manage.py generate_authority --activities N --seed S`` once; its activity file is then written
with ``iati_export``. A second database, ``<name>_import``, is created empty for every run and
the file is imported into it with ``import_activity_file``, twice (the second time nothing
changes). Each step runs in a process of its own, so that its peak memory (maximum resident set
size) is its own; the figure of a bare Django process is printed for comparison. The time lxml
alone takes to read the file (``iterparse`` with the reader's settings, elements cleared) gives
the share of the import spent in parsing. Prints a table; writes nothing but the databases and
a temporary file.

With ``--profile`` the file is imported once more, into an empty database, under cProfile, and
the seconds of each stage of the import (``STAGES``: parse, schema, normalise, read, not-kept
check, checks, rows, revisions, editorial status, reference index, kept figures, search index)
are printed; ``--profile-out`` keeps the profile for ``python -m pstats``. The profiler slows
every Python call: compare stages with each other and runs with runs, not with the figures above.
With ``--export-only --profile`` the export itself runs under cProfile instead, and the seconds of
its stages (``EXPORT_STAGES``: reading rows, rules, writing elements, streaming) are printed.

With ``--source publishers`` the file is not exported from a generated authority but built from
the real publishers' files of the tests (``tests/data/iati/publishers``, those of version 2.03):
their activities repeated, each copy renumbered (``<identifier>-R<n>``), up to ``--activities``;
it is imported the same way, by default activity by activity (``--mode per-activity``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PUBLISHERS = BASE_DIR / "tests" / "data" / "iati" / "publishers"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def publishers_activities() -> list:
    """Return the activities of the publishers' files of version 2.03, each with its language."""
    from lxml import etree

    activities = []
    for path in sorted(PUBLISHERS.glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        if root.get("version") != "2.03":
            continue
        for activity in root.iterfind("iati-activity"):
            if activity.get(XML_LANG) is None and root.get(XML_LANG):
                activity.set(XML_LANG, root.get(XML_LANG))
            activities.append(activity)
    return activities


def write_publishers_file(path: str, count: int) -> dict:
    """Write ``count`` activities of the real publishers, repeated and renumbered, to ``path``."""
    from lxml import etree

    sources = publishers_activities()
    started = time.perf_counter()
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for number in range(count):
            activity = sources[number % len(sources)]
            identifier = activity.find("iati-identifier")
            original = identifier.text
            identifier.text = f"{original.strip()}-R{number // len(sources) + 1}"
            handle.write(etree.tostring(activity, encoding="utf-8") + b"\n")
            identifier.text = original
        handle.write(b"</iati-activities>\n")
    return {
        "seconds": time.perf_counter() - started,
        "activities": count,
        "sources": len(sources),
        "bytes": os.path.getsize(path),
    }


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """Return the processor time this process and the processes it waited for have used (the
    database's is not counted): an export written by several processes counts them all."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def writers_peak_mb(processes: int) -> float:
    """Return this process's peak memory plus ``processes`` times the largest peak of the
    processes it waited for: an upper bound of what an export by several processes held."""
    if processes <= 1:
        return peak_rss_mb()
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return peak_rss_mb() + processes * child


def process_tree(pid: int) -> list[int]:
    """Return ``pid`` and the processes it started, and theirs (Linux: /proc/…/children)."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*"):
            try:
                tree.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:  # the process or thread ended meanwhile
                pass
        index += 1
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """Return (RSS, PSS) of ``pid`` in kB from /proc/<pid>/smaps_rollup, (0, 0) once it ended.

    PSS counts a page shared by n processes as 1/n in each: summed over the processes of an
    export, the pages they share after a fork are counted once.
    """
    figures = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                name, _, rest = line.partition(":")
                if name in ("Rss", "Pss"):
                    figures[name] = int(rest.split()[0])
    except OSError:
        return 0, 0
    return figures.get("Rss", 0), figures.get("Pss", 0)


class TreeMemory(threading.Thread):
    """Sample the memory of a process and its children every ``interval`` seconds, from outside.

    Keeps the largest sum over the processes of RSS (pages shared after a fork counted in each)
    and of PSS (counted once, split among those that share them), each of one same moment, and
    the most processes seen. A peak between two samples is missed: the sums are lower bounds.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.rss_kb = self.pss_kb = self.processes = self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            figures = [memory_kb(pid) for pid in process_tree(self.pid)]
            self.rss_kb = max(self.rss_kb, sum(rss for rss, _pss in figures))
            self.pss_kb = max(self.pss_kb, sum(pss for _rss, pss in figures))
            self.processes = max(self.processes, sum(1 for rss, _pss in figures if rss))
            self.samples += 1

    def stop(self) -> dict:
        self._done.set()
        self.join()
        return {
            "rss_sum_peak_mb": self.rss_kb / 1024,
            "pss_peak_mb": self.pss_kb / 1024,
            "sampled_processes": self.processes,
            "memory_samples": self.samples,
        }


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.dev")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings

    # As in production: with DEBUG on, Django keeps the last 9,000 queries (revisions included).
    settings.DEBUG = False


# Steps, each run in its own process --------------------------------------------------------------
def step_baseline(args) -> dict:
    django_setup(args.database_url)
    from opencoop.activities.models import Activity

    Activity.objects.exists()
    return {"peak_mb": peak_rss_mb()}


def step_generate(args) -> dict:
    django_setup(args.database_url)
    from django.core.management import call_command

    from opencoop.activities.models import Activity

    if not args.no_generate:  # else the database is read as it is (a shared one: not migrated)
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    existing = Activity.objects.filter(iati_identifier__startswith="XI-EXAMPLE").count()
    if existing != args.activities and not args.no_generate:
        call_command(
            "generate_authority",
            activities=args.activities,
            seed=args.seed,
            no_pages=True,
            no_index=True,
            stdout=io.StringIO(),
        )
    return {"seconds": time.perf_counter() - started, "generated": existing != args.activities}


def step_export(args) -> dict:
    django_setup(args.database_url)
    from django.db import connection

    from opencoop.activities.disclosure import public_activities
    from opencoop.iati.export import iter_activities_xml, reporting_org_activities
    from opencoop.organisations.models import Organisation

    if args.all_authorities:
        organisation = None
        activities = public_activities()
    else:
        organisation = Organisation.objects.reporting().get(identifier__startswith="XI-EXAMPLE")
        activities = reporting_org_activities(organisation)
    if args.limit:
        # The first ``limit`` activities of the file: the same code at a smaller size.
        first = activities.order_by("iati_identifier").values_list("pk", flat=True)[: args.limit]
        activities = activities.filter(pk__in=list(first))
    left_out = []
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    profile = None
    if args.profile and args.export_only:
        profile = (
            cProfile.Profile(time.process_time)
            if args.profile_clock == "cpu"
            else cProfile.Profile()
        )
    started, cpu_before = time.perf_counter(), cpu_seconds()
    size = 0
    with connection.execute_wrapper(count), open(args.file, "wb") as handle:
        if profile is not None:
            profile.enable()
        chunks = iter_activities_xml(
            activities,
            base_url="https://bench.example.org/",
            left_out=lambda activity, missing: left_out.append(activity.iati_identifier),
            processes=args.processes,
        )
        for chunk in chunks:
            handle.write(chunk)
            size += len(chunk)
        if profile is not None:
            profile.disable()
    seconds = time.perf_counter() - started
    written = activities.count() - len(left_out)
    if profile is not None and args.profile_out:
        profile.dump_stats(args.profile_out)
    return {
        "stages": stage_seconds(profile, EXPORT_STAGES) if profile is not None else {},
        "clock": args.profile_clock,
        "seconds": seconds,
        "activities": written,
        "left_out": len(left_out),
        "bytes": size,
        "peak_mb": writers_peak_mb(args.processes),
        "processes": args.processes,
        "cpu": cpu_seconds(),
        # The export alone, without starting Django.
        "export_cpu": cpu_seconds() - cpu_before,
        "queries": queries,
        "organisation": organisation.identifier if organisation else "every authority",
    }


def step_parse(args) -> dict:
    from lxml import etree

    started = time.perf_counter()
    count = 0
    with open(args.file, "rb") as handle:
        events = etree.iterparse(
            handle,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        root = None
        for event, element in events:
            if root is None:
                root = element
                continue
            if event == "end" and element.getparent() is root:
                count += 1
                element.clear()
                while element.getprevious() is not None:
                    del root[0]
    return {
        "seconds": time.perf_counter() - started,
        "activities": count,
        "peak_mb": peak_rss_mb(),
        "cpu": cpu_seconds(),
    }


def step_import(args) -> dict:
    django_setup(args.target_url)
    from django.db import connection

    from opencoop.activities.models import Activity
    from opencoop.iati.importer import import_activity_file

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with open(args.file, "rb") as stream, connection.execute_wrapper(count):
        report = import_activity_file(
            stream=stream,
            file_name=Path(args.file).name,
            base_url="https://bench.example.org/",
            index_at_end=True,
            mode=args.mode,
        )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "read": report.read,
        "created": len(report.created),
        "changed": len(report.changed),
        "unchanged": len(report.unchanged),
        "skipped": len(report.skipped),
        "errors": [str(error) for error in report.errors[:5]],
        "applied": report.applied,
        "queries": queries,
        "activities_in_db": Activity.objects.count(),
        "peak_mb": peak_rss_mb(),
        "cpu": cpu_seconds(),
    }


# Stages of an import, each the time spent in some functions (module suffix, function name,
# and the caller it is counted under, or "" for every caller). "own" counts a function's own time
# (what lxml does inside the reader's loop is counted there: iterparse is C code, not profiled).
STAGES: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("parse (lxml iterparse)", (("iati/reader.py", "__iter__", "", "own"),)),
    (
        "XSD validation",
        (
            ("iati/incoming.py", "activity_problems", "", "cum"),
            ("iati/incoming.py", "batch_problems", "", "cum"),
        ),
    ),
    ("normalise", (("iati/normalise.py", "normalise_activity", "", "cum"),)),
    ("read (ActivityReader)", (("iati/reader.py", "read", "", "cum"),)),
    ("kept: source paths", (("iati/kept.py", "source_paths", "read_activity", "cum"),)),
    ("kept: compare (export)", (("iati/importer.py", "report_not_kept", "", "cum"),)),
    ("compare with existing", (("iati/importer.py", "activity_state", "", "cum"),)),
    (
        "organisations",
        (
            ("iati/importer.py", "reporting_organisation", "", "cum"),
            ("iati/importer.py", "resolve", "", "cum"),
        ),
    ),
    ("build parts", (("iati/importer.py", "parts", "", "cum"),)),
    ("validate (clean_fields)", (("iati/importer.py", "validate", "", "cum"),)),
    (
        "write rows",
        (
            ("core/bulk.py", "insert_rows", "_write_batch", "cum"),
            ("core/writes.py", "_write_parts", "", "cum"),
            ("django/db/models/query.py", "bulk_update", "_write_batch", "cum"),
        ),
    ),
    (
        "revisions and history",
        (
            ("core/writes.py", "_write_revisions", "", "cum"),
            ("core/writes.py", "_previous_versions", "", "cum"),
        ),
    ),
    ("editorial status", (("core/writes.py", "_refresh_editorial_status", "", "cum"),)),
    ("reference index", (("core/writes.py", "update_reference_index", "", "cum"),)),
    ("kept figures (records_written)", (("core/writes.py", "_announce", "", "cum"),)),
    ("page cache", (("operations/pagecache.py", "content_changed", "_write_batch", "cum"),)),
    (
        "search index",
        (
            ("core/writes.py", "index_records", "", "cum"),
            ("core/writes.py", "_index_written", "", "cum"),
        ),
    ),
    # What ``records_written`` refreshes once the import's batches are in (catalogue rows).
    (
        "catalogue rows (announce_once)",
        (("django/dispatch/dispatcher.py", "send", "announce_once", "cum"),),
    ),
    ("link parents", (("iati/importer.py", "link_parents", "", "cum"),)),
)


# Stages of an export (``--export-only --profile``), counted as those of an import are.
EXPORT_STAGES: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("read activities and parts", (("iati/export.py", "iter_with_parts", "", "cum"),)),
    ("rules (missing_mandatory)", (("iati/rules.py", "missing_mandatory", "", "cum"),)),
    ("write elements (writer)", (("iati/writer.py", "activity_xml", "", "cum"),)),
    ("stream the file", (("iati/export.py", "stream_document", "", "own"),)),
)


def stage_seconds(profile: cProfile.Profile, stages=STAGES) -> dict[str, float]:
    """Return the seconds of each stage of ``stages`` in ``profile`` (the rest as "other")."""
    import pstats

    stats = pstats.Stats(profile).stats
    figures = {}
    for stage, functions in stages:
        seconds = 0.0
        for suffix, name, caller, kind in functions:
            for (file, _line, function), (_cc, _nc, own, cumulative, callers) in stats.items():
                if function != name or not file.endswith(suffix):
                    continue
                if caller:
                    seconds += sum(
                        figures_of[3]
                        for (_f, _l, caller_name), figures_of in callers.items()
                        if caller_name == caller
                    )
                else:
                    seconds += own if kind == "own" else cumulative
        figures[stage] = seconds
    return figures


def step_profile(args) -> dict:
    """Import the file into an empty database under cProfile; return the seconds by stage."""
    django_setup(args.target_url)
    from opencoop.iati.importer import import_activity_file

    # Processor time is steadier than elapsed time on a shared machine, but leaves out waiting
    # for PostgreSQL.
    profile = (
        cProfile.Profile(time.process_time) if args.profile_clock == "cpu" else cProfile.Profile()
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    with open(args.file, "rb") as stream:
        profile.enable()
        report = import_activity_file(
            stream=stream,
            file_name=Path(args.file).name,
            base_url="https://bench.example.org/",
            mode=args.mode,
        )
        profile.disable()
    seconds = time.perf_counter() - started
    if args.profile_out:
        profile.dump_stats(args.profile_out)
    return {
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu,
        "read": report.read,
        "created": len(report.created),
        "errors": [str(error) for error in report.errors[:5]],
        "stages": stage_seconds(profile),
        "clock": args.profile_clock,
        "peak_mb": peak_rss_mb(),
    }


STEPS = {
    "profile": step_profile,
    "baseline": step_baseline,
    "generate": step_generate,
    "export": step_export,
    "parse": step_parse,
    "import": step_import,
}


# Orchestration -----------------------------------------------------------------------------------
def run_step(name: str, args, **extra: str) -> dict:
    command = [sys.executable, __file__, "--step", name, "--database-url", args.database_url]
    command += ["--activities", str(args.activities), "--seed", str(args.seed)]
    command += ["--mode", args.mode, "--limit", str(args.limit), "--processes", str(args.processes)]
    if args.profile_out:
        command += ["--profile-out", args.profile_out]
    command += ["--profile-clock", args.profile_clock, "--source", args.source]
    command += ["--no-generate"] * args.no_generate + ["--all-authorities"] * args.all_authorities
    command += ["--profile"] * args.profile + ["--export-only"] * args.export_only
    for key, value in extra.items():
        command += [f"--{key.replace('_', '-')}", value]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=BASE_DIR
    ) as step:
        # Sampled from here, not in the step: its processes do nothing but their work.
        memory = TreeMemory(step.pid)
        memory.start()
        stdout, stderr = step.communicate()
        sampled = memory.stop()
    if step.returncode != 0:
        sys.exit(f"step {name} failed:\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), **sampled}


def recreate_database(url: str) -> None:
    """Drop and create the (empty) database at ``url``, then migrate it.

    Migrating an empty database takes minutes on a busy machine: the first time, the migrated
    empty database is kept as ``<name>_empty`` and later ones are copied from it (and migrated,
    which applies only what is new).
    """
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    empty = f"{name}_empty"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        has_empty = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [empty]
        ).fetchone()
        template = f' TEMPLATE "{empty}"' if has_empty else ""
        connection.execute(f'CREATE DATABASE "{name}"{template}')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "opencoop.settings.dev"},
        check=True,
    )
    if not has_empty:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{empty}" TEMPLATE "{name}"')


def ensure_database(url: str) -> None:
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


def export_line(export: dict, baseline: dict) -> str:
    return (
        f"Export: {export['activities']} activities ({export['left_out']} left out), "
        f"{export['bytes'] / 1e6:.1f} MB in {export['seconds']:.1f} s = "
        f"{export['activities'] / export['seconds']:.0f} activities/s, peak {export['peak_mb']:.0f} MB "
        f"(a bare Django process: {baseline['peak_mb']:.0f} MB; processor {export['cpu']:.1f} s, "
        f"{export['export_cpu']:.1f} s of it exporting), "
        f"{export['queries']} queries ({export['queries'] / max(export['activities'], 1):.3f} "
        "an activity)\n"
        f"Memory of the export's processes ({export['processes']} writing): "
        f"peak {export['peak_mb']:.0f} MB counted as the largest RSS of each process (the first's "
        "plus the others' largest times their number: pages shared after the fork counted in "
        f"each); sampled every 0.2 s, largest sum at one moment of RSS "
        f"{export['rss_sum_peak_mb']:.0f} MB and of PSS {export['pss_peak_mb']:.0f} MB "
        f"(shared pages counted once; {export['memory_samples']} samples, "
        f"up to {export['sampled_processes']} processes)"
    )


def print_stages(profiled: dict) -> None:
    """Print the seconds of each stage of a profiled import (the profiler slows every call)."""
    # Stages timed by processor time are shares of the process's processor time.
    total = profiled["cpu"] if profiled.get("clock") == "cpu" else profiled["seconds"]
    print(
        f"Profiled import (cProfile, {profiled.get('clock', 'wall')} clock, empty database): "
        f"{profiled['read']} read, "
        f"{profiled['created']} created in {profiled['seconds']:.1f} s (processor {profiled['cpu']:.1f} s)"
    )
    print_stage_lines(profiled["stages"], total, profiled["read"])


def print_export_stages(export: dict) -> None:
    """Print the seconds of each stage of a profiled export (the profiler slows every call)."""
    total = export["export_cpu"] if export.get("clock") == "cpu" else export["seconds"]
    print(f"Profiled export (cProfile, {export.get('clock', 'wall')} clock):")
    print_stage_lines(export["stages"], total, export["activities"])


def print_stage_lines(stages: dict[str, float], total: float, activities: int) -> None:
    counted = 0.0
    for stage, seconds in stages.items():
        counted += seconds
        per = seconds / activities * 1000 if activities else 0
        print(f"  {stage:<32} {seconds:7.2f} s {seconds / total:6.1%}  {per:6.2f} ms/activity")
    print(f"  {'other':<32} {total - counted:7.2f} s {(total - counted) / total:6.1%}")


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def bench_publishers(args, target: str) -> None:
    """Import a file of the real publishers' activities into an empty database, twice."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "publishers.xml")
        built = write_publishers_file(path, args.activities)
        parse = run_step("parse", args, file=path)
        recreate_database(target)
        first = run_step("import", args, file=path, target_url=target)
        second = run_step("import", args, file=path, target_url=target)
    print(f"Load average at the end: {load_average()} ({os.cpu_count()} processors)")
    print(
        f"File: {built['activities']} activities repeated from the {built['sources']} of the "
        f"publishers' 2.03 files, {built['bytes'] / 1e6:.1f} MB; import mode {args.mode}"
    )
    print(f"lxml alone: {parse['activities']} activities read in {parse['seconds']:.2f} s")
    runs = (("Import (empty database)", first), ("Import again (unchanged)", second))
    for label, run in runs:
        rate = run["read"] / run["seconds"] if run["seconds"] else 0
        print(
            f"{label}: {run['read']} read, {run['created']} created, {run['changed']} changed, "
            f"{run['unchanged']} unchanged, {run['skipped']} skipped in {run['seconds']:.1f} s "
            f"= {rate:.0f} activities/s, peak {run['peak_mb']:.0f} MB "
            f"(processor {run['cpu']:.0f} s)"
        )
        if run["errors"]:
            print("  errors:", *run["errors"], sep="\n  ")
    if args.json:
        for _label, run in runs:
            run["rate"] = run["read"] / run["seconds"] if run["seconds"] else 0
        figures = {"file": built, "parse": parse, "import": first, "import_again": second}
        print(json.dumps({**figures, "mode": args.mode, "load": load_average()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL database of the source")
    parser.add_argument("--activities", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-generate", action="store_true", help="use the activities already in the database"
    )
    parser.add_argument(
        "--all-authorities",
        action="store_true",
        help="export every public activity (else the one generated authority's)",
    )
    parser.add_argument(
        "--mode",
        choices=("strict", "per-activity"),
        default="strict",
        help="the import's mode (see importer.MODES)",
    )
    parser.add_argument(
        "--limit", type=int, default=0, help="export the first N activities of the file only"
    )
    parser.add_argument(
        "--export-only", action="store_true", help="measure the export alone (no import)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processes writing the export (as OPENCOOP_EXPORT_PROCESSES); 1: this one alone",
    )
    parser.add_argument(
        "--source",
        choices=("generated", "publishers"),
        default="generated",
        help="export a generated authority, or repeat the real publishers' activities",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="import once more into an empty database under cProfile (with --export-only: "
        "export under cProfile); print seconds by stage",
    )
    parser.add_argument("--profile-out", default="", help="write the profile there (pstats)")
    parser.add_argument(
        "--profile-clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time the stages by elapsed time (wall) or by this process's processor time (cpu)",
    )
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--target-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return

    parts = urlsplit(args.database_url)
    target = urlunsplit(parts._replace(path=parts.path + "_import"))
    if args.source == "publishers":
        bench_publishers(args, target)
        return
    ensure_database(args.database_url)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "activities.xml")
        generated = run_step("generate", args)
        baseline = run_step("baseline", args)
        export = run_step("export", args, file=path)
        parse = run_step("parse", args, file=path)
        if args.export_only:
            print(f"Load average at the end: {load_average()} ({os.cpu_count()} processors)")
            print(export_line(export, baseline))
            if args.profile:
                print_export_stages(export)
            if args.json:
                print(json.dumps({"export": export, "parse": parse, "baseline": baseline}))
            return
        recreate_database(target)
        first = run_step("import", args, file=path, target_url=target)
        second = run_step("import", args, file=path, target_url=target)
        profiled = None
        if args.profile:
            recreate_database(target)
            profiled = run_step("profile", args, file=path, target_url=target)

    print(f"Load average at the end: {load_average()} ({os.cpu_count()} processors)")
    print(f"Generated authority {export['organisation']} (fictional), seed {args.seed}", end="")
    print(f" ({'generated now' if generated['generated'] else 'already there'}).")
    print(export_line(export, baseline))
    print(
        f"lxml alone: {parse['activities']} activities read in {parse['seconds']:.2f} s, "
        f"peak {parse['peak_mb']:.0f} MB"
    )
    for label, run in (("Import (empty database)", first), ("Import again (unchanged)", second)):
        rate = run["read"] / run["seconds"] if run["seconds"] else 0
        print(
            f"{label}: {run['read']} read, {run['created']} created, {run['changed']} changed, "
            f"{run['unchanged']} unchanged in {run['seconds']:.1f} s = {rate:.0f} activities/s, "
            f"peak {run['peak_mb']:.0f} MB (processor {run['cpu']:.1f} s, "
            f"{run['read'] / run['cpu']:.0f} activities per processor second; "
            f"{run.get('queries', 0) / max(run['read'], 1):.3f} queries an activity); parsing is "
            f"{parse['seconds'] / run['seconds']:.1%} of it (import takes "
            f"{run['seconds'] / parse['seconds']:.0f}× lxml's time)"
        )
        if run["errors"]:
            print("  errors:", *run["errors"], sep="\n  ")
    if profiled:
        print_stages(profiled)
    if args.json:
        for run in (first, second):
            run["rate"] = run["read"] / run["seconds"] if run["seconds"] else 0
        figures = {"export": export, "parse": parse, "import": first, "import_again": second}
        print(json.dumps({**figures, "baseline": baseline, "load": load_average()}))


if __name__ == "__main__":
    main()
