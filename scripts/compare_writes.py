"""Show that a change to the write path leaves the same rows and files behind.

    .venv/bin/python scripts/compare_writes.py \\
        --database-url postgres://postgres@127.0.0.1:5432/oc_compare \\
        --file activities.xml --out /tmp/before

Imports ``--file`` into an empty database (published), then a changed copy of it (titles of
every second activity changed, the last transaction of every third dropped, every fifth left
out), then a third copy as drafts (every fourth activity's description changed); after each
import every table of the database is dumped (``<out>/<n>.json``: rows by primary key, times
masked) and the IATI file of the imported activities is exported (``<out>/<n>.xml``, its
timestamps masked). Run it with the code before and after a change, into two folders, and
compare them with ``diff -r``: anything but an empty output is a difference to explain.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "scripts"))

from bench_iati import django_setup, recreate_database  # noqa: E402

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
# Tables whose rows say when or how long rather than what (the jobs' own bookkeeping).
SKIPPED_TABLES = {"django_session"}


def changed_copies(source: Path, folder: Path) -> list[tuple[Path, bool]]:
    """Write the three files imported in turn (path, published?)."""
    from lxml import etree

    tree = etree.parse(str(source))
    root = tree.getroot()
    first = folder / "1.xml.in"
    tree.write(str(first), encoding="utf-8", xml_declaration=True)
    activities = list(root.iterfind("iati-activity"))
    for number, activity in enumerate(activities):
        if number % 5 == 4:
            root.remove(activity)
            continue
        if number % 2 == 0:
            for narrative in activity.iterfind("title/narrative"):
                narrative.text = f"{narrative.text} (changed)"
        if number % 3 == 0:
            transactions = activity.findall("transaction")
            if transactions:
                activity.remove(transactions[-1])
    second = folder / "2.xml.in"
    tree.write(str(second), encoding="utf-8", xml_declaration=True)
    for number, activity in enumerate(root.iterfind("iati-activity")):
        if number % 4 == 0:
            for narrative in activity.iterfind("description/narrative"):
                narrative.text = f"{narrative.text} (draft)"
    third = folder / "3.xml.in"
    tree.write(str(third), encoding="utf-8", xml_declaration=True)
    return [(first, True), (second, True), (third, False)]


def dump(path: Path) -> None:
    """Write every table's rows, by primary key, with times masked."""
    from django.apps import apps

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table in SKIPPED_TABLES or model._meta.proxy:
            continue
        rows = list(model._base_manager.order_by("pk").values())
        if rows:
            tables[model._meta.db_table] = rows
    text = json.dumps(tables, default=str, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(TIMESTAMP.sub("<time>", text))


def export(path: Path) -> None:
    from opencoop.activities.disclosure import public_activities
    from opencoop.iati.export import iter_activities_xml

    chunks = iter_activities_xml(
        public_activities().order_by("iati_identifier"), base_url="https://bench.example.org/"
    )
    text = b"".join(chunks).decode()
    path.write_text(TIMESTAMP.sub("<time>", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--file", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = changed_copies(args.file, args.out)
    recreate_database(args.database_url)
    django_setup(args.database_url)
    from opencoop.iati.importer import import_activity_file

    for number, (path, publish) in enumerate(files, start=1):
        with open(path, "rb") as stream:
            report = import_activity_file(
                stream=stream, base_url="https://bench.example.org/", publish=publish
            )
        print(report.summary(), f"{len(report.warnings)} warnings", flush=True)
        (args.out / f"{number}.report.txt").write_text(
            "\n".join([report.summary(), *map(str, report.errors), *map(str, report.warnings)])
        )
        dump(args.out / f"{number}.json")
        export(args.out / f"{number}.xml")


if __name__ == "__main__":
    main()
