"""Back up and restore the database and the media files as one archive.

The archive is a plain tar file holding:

- ``manifest.json``: when and from what it was made, the format, row counts per model;
- ``database.pgdump`` (PostgreSQL's custom format, made with ``pg_dump``) or ``database.json.gz``
  (Django's ``dumpdata`` with natural keys, for SQLite or when ``pg_dump`` is missing);
- ``media.tar.gz``: every file under ``MEDIA_ROOT``.

A restore goes into an empty database only, so that it can never mix two sites' data.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction

from .pagecache import bump_generation

FORMAT_VERSION = 1
PG_DUMP_NAME = "database.pgdump"
JSON_DUMP_NAME = "database.json.gz"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"

# Rows that Django or Wagtail rebuild by themselves, or that only describe past sessions.
JSON_EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "wagtailsearch.indexentry",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
]


def _rebuilt(label: str) -> bool:
    """Say whether rows of model ``label`` are left out of JSON dumps (and so not compared)."""
    return label in JSON_EXCLUDE or label.split(".")[0] in JSON_EXCLUDE


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    archive: Path
    database_format: str
    media_files: int
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _is_postgresql(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql"


def _pg_env_and_args(alias: str = "default") -> tuple[dict[str, str], list[str]]:
    """Return the environment and connection arguments for pg_dump / pg_restore."""
    db = connections[alias].settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    return env, [*args, "--dbname", str(db["NAME"])]


def model_counts(alias: str = "default") -> dict[str, int]:
    """Count the rows of every model whose table exists, by ``app_label.model_name``."""
    tables = set(connections[alias].introspection.table_names())
    counts = {}
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table not in tables:
            continue
        counts[opts.label_lower] = model._base_manager.using(alias).count()
    return counts


def choose_format(requested: str = "auto", alias: str = "default") -> str:
    """Return "pgdump" or "json" for ``requested`` ("auto", "pgdump" or "json")."""
    if requested == "json":
        return "json"
    available = _is_postgresql(alias) and shutil.which("pg_dump") is not None
    if requested == "pgdump" and not available:
        raise BackupError("pg_dump format needs PostgreSQL and the pg_dump program on the PATH.")
    return "pgdump" if available else "json"


def _dump_database(fmt: str, directory: Path, alias: str) -> Path:
    if fmt == "pgdump":
        target = directory / PG_DUMP_NAME
        env, args = _pg_env_and_args(alias)
        result = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                target,
                *args,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target
    target = directory / JSON_DUMP_NAME
    installed = {m._meta.label_lower for m in apps.get_models()} | {
        c.label for c in apps.get_app_configs()
    }
    exclude = [label for label in JSON_EXCLUDE if label in installed]
    buffer = io.StringIO()
    call_command(
        "dumpdata",
        natural_foreign=True,
        exclude=exclude,
        database=alias,
        stdout=buffer,
        verbosity=0,
    )
    with gzip.open(target, "wt", encoding="utf-8") as out:
        out.write(buffer.getvalue())
    return target


def _pack_media(directory: Path) -> tuple[Path, int]:
    target = directory / MEDIA_NAME
    media_root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media_root)))
                    count += 1
    return target, count


def create_backup(
    *, destination: Path, database_format: str = "auto", alias: str = "default"
) -> Path:
    """Write a backup archive of the database and the media files; return its path.

    ``destination`` is a directory (the archive is named after the time) or a ``.tar`` file.
    """
    fmt = choose_format(database_format, alias)
    if destination.suffix != ".tar":
        destination.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"opencoop-backup-{stamp}.tar"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump = _dump_database(fmt, work, alias)
        media, media_files = _pack_media(work)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database_format": fmt,
            "database_vendor": connections[alias].vendor,
            "media_storage": settings.STORAGES["default"]["BACKEND"],
            "media_files": media_files,
            "counts": model_counts(alias),
        }
        (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = destination.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as archive:
            for path in (work / MANIFEST_NAME, dump, media):
                archive.add(path, arcname=path.name)
        partial.replace(destination)
    return destination


def read_manifest(archive_path: Path) -> dict:
    """Return the manifest of a backup archive, or say why the file is not one."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile(MANIFEST_NAME)
            if member is None:
                raise KeyError(MANIFEST_NAME)
            manifest = json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive_path} is not an OpenCoop backup archive ({exc}).") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{archive_path} has backup format {manifest.get('format_version')}.")
    return manifest


def _database_is_empty(alias: str) -> bool:
    tables = connections[alias].introspection.table_names()
    if not tables:
        return True
    # A database that only went through ``migrate`` holds no content of its own yet.
    return model_counts(alias).get("activities.activity", 0) == 0 and (
        model_counts(alias).get("wagtailcore.page", 0) <= 2
    )


def _restore_database(manifest: dict, work: Path, alias: str) -> None:
    if manifest["database_format"] == "pgdump":
        if not _is_postgresql(alias):
            raise BackupError("This archive holds a PostgreSQL dump: restore it into PostgreSQL.")
        if connections[alias].introspection.table_names():
            raise BackupError(
                "The target database has tables: a pg_dump archive goes into an empty database "
                "(createdb a new one and point DATABASE_URL to it)."
            )
        connections[alias].close()
        env, args = _pg_env_and_args(alias)
        result = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *args,
                work / PG_DUMP_NAME,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    # JSON: build the schema, empty what migrations filled in (keeping content types and
    # permissions, which the dump refers to by natural key), then load the rows.
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    _empty_tables(alias, keep={"django_content_type", "auth_permission", "django_migrations"})
    # loaddata finds fixtures by name: a directory of its own keeps "database.json.gz" apart.
    fixture = work / "rows" / "restored-rows.json"
    fixture.parent.mkdir()
    with gzip.open(work / JSON_DUMP_NAME, "rt", encoding="utf-8") as source:
        fixture.write_text(source.read(), encoding="utf-8")
    call_command("loaddata", str(fixture), database=alias, verbosity=0)


def _empty_tables(alias: str, keep: set[str]) -> None:
    db = connections[alias]
    tables = [t for t in db.introspection.django_table_names(only_existing=True) if t not in keep]
    statements = db.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with transaction.atomic(using=alias):
        db.ops.execute_sql_flush(statements)


def _restore_media(work: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    count = 0
    with tarfile.open(work / MEDIA_NAME, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        # The "data" filter refuses absolute paths, "..", links and device files.
        archive.extractall(media_root, members=members, filter="data")
        count = len(members)
    return count


def restore_backup(*, archive_path: Path, alias: str = "default") -> RestoreReport:
    """Restore ``archive_path`` into the empty database and ``MEDIA_ROOT``; compare the counts."""
    manifest = read_manifest(archive_path)
    if not _database_is_empty(alias):
        raise BackupError(
            "The target database already holds content: restore only into an empty database."
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(work, filter="data")
        _restore_database(manifest, work, alias)
        media_files = _restore_media(work)
    # pg_restore writes rows without Django's signals: pages cached before are stale now.
    bump_generation()
    restored = model_counts(alias)
    mismatches = {
        label: (expected, restored.get(label, 0))
        for label, expected in manifest["counts"].items()
        if restored.get(label, 0) != expected and not _rebuilt(label)
    }
    return RestoreReport(archive_path, manifest["database_format"], media_files, mismatches)
