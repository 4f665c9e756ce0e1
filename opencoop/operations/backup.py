"""Back up and restore the database and the media files as one archive.

The archive is a tar file holding:

- ``manifest.json``: when and from what it was made, the format, row counts per model;
- ``database.pgdump`` (PostgreSQL's custom format, made with ``pg_dump``) or ``database.json.gz``
  (Django's ``dumpdata`` with natural keys, for SQLite or when ``pg_dump`` is missing);
- ``media.tar.gz``: every file under ``MEDIA_ROOT``.

It holds secrets (password hashes, two-factor seeds), so it is written readable by its owner
only, sessions (live sign-ins) are left out unless asked for, and it can be encrypted for a
recipient with gpg or age as it is written: the clear tar never reaches the disk then.

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
from typing import IO

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
SESSION_TABLE = "django_session"

# What each encryption tool writes first, to recognise an encrypted archive at restore.
AGE_MAGIC = b"age-encryption.org/"
GPG_ARMOR_MAGIC = b"-----BEGIN PGP MESSAGE-----"
DEBIAN_PACKAGES = {"gpg": "gnupg", "age": "age"}

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


def _dump_database(fmt: str, directory: Path, alias: str, with_sessions: bool) -> Path:
    if fmt == "pgdump":
        target = directory / PG_DUMP_NAME
        env, args = _pg_env_and_args(alias)
        # The table stays (so the restored site works); its rows are live sign-ins.
        sessions = [] if with_sessions else [f"--exclude-table-data={SESSION_TABLE}"]
        result = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *sessions,
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
    exclude = [
        label
        for label in JSON_EXCLUDE
        if label in installed and not (with_sessions and label == "sessions")
    ]
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


def encryption_tool(recipient: str) -> str:
    """Return the tool that encrypts for ``recipient``: "age" for age or SSH keys, else "gpg"."""
    return "age" if recipient.startswith(("age1", "ssh-ed25519 ", "ssh-rsa ")) else "gpg"


def _require(tool: str, purpose: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{purpose} needs the {tool} program, which is not installed here "
            f"(Debian: apt-get install {DEBIAN_PACKAGES[tool]})."
        )
    return path


def _private_file(path: Path) -> IO[bytes]:
    """Open ``path`` for writing, readable by its owner only whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # A file left by an earlier, failed run would otherwise keep its old mode.
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def _archive_path(destination: Path, tool: str | None) -> Path:
    """Return the archive's path for ``destination``, a folder or a ``.tar`` file name."""
    suffix = f".tar.{tool}" if tool else ".tar"
    name = destination.name
    for encrypted in (".tar.gpg", ".tar.age"):
        if name.endswith(encrypted):
            name = name.removesuffix(encrypted) + ".tar"
    if not name.endswith(".tar"):
        destination.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        return destination / f"opencoop-backup-{stamp}{suffix}"
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return destination.with_name(name.removesuffix(".tar") + suffix)


def _write_tar(out: IO[bytes], members: list[Path]) -> None:
    # "w|" writes a stream: it can go straight into an encryption tool's input.
    with tarfile.open(fileobj=out, mode="w|") as archive:
        for path in members:
            archive.add(path, arcname=path.name)


def _write_encrypted(target: IO[bytes], members: list[Path], recipient: str, tool: str) -> None:
    if tool == "gpg":
        # The operator names the recipient on the command line: that is the trust decision,
        # so gpg need not ask for a signed key (it cannot ask anyway in batch mode).
        command = ["gpg", "--batch", "--trust-model", "always", "--encrypt", "-r", recipient]
    else:
        command = ["age", "--encrypt", "--recipient", recipient]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=target, stderr=errors)
        assert process.stdin is not None
        try:
            _write_tar(process.stdin, members)
            process.stdin.close()
        except BrokenPipeError:
            pass  # the tool stopped early; its message is read below
        returncode = process.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
    if returncode != 0:
        raise BackupError(f"{tool} could not encrypt the backup for {recipient!r}: {message}")


def create_backup(
    *,
    destination: Path,
    database_format: str = "auto",
    alias: str = "default",
    with_sessions: bool = False,
    encrypt_to: str | None = None,
) -> tuple[Path, dict]:
    """Write a backup archive of the database and the media files; return its path and manifest.

    ``destination`` is a directory (the archive is named after the time) or a ``.tar`` file.
    The archive is mode 0600. Sessions are left out unless ``with_sessions``: they are live
    sign-ins, and a restored site only asks editors to sign in again. With ``encrypt_to`` the
    archive is encrypted for that gpg key (id, fingerprint or e-mail) or age recipient
    (``age1…``, an SSH public key) and named ``.tar.gpg`` or ``.tar.age``.
    """
    fmt = choose_format(database_format, alias)
    tool = encryption_tool(encrypt_to) if encrypt_to else None
    if tool:
        _require(tool, "Encrypting a backup")
    destination = _archive_path(destination, tool)
    # mkdtemp makes the folder 0700: the clear dump inside is for this user only.
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump = _dump_database(fmt, work, alias, with_sessions)
        media, media_files = _pack_media(work)
        counts = model_counts(alias)
        if not with_sessions:
            counts["sessions.session"] = 0
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database_format": fmt,
            "database_vendor": connections[alias].vendor,
            "media_storage": settings.STORAGES["default"]["BACKEND"],
            "media_files": media_files,
            "sessions": "included" if with_sessions else "left out",
            "encrypted_with": tool,
            "counts": counts,
        }
        (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        members = [work / MANIFEST_NAME, dump, media]
        partial = destination.with_name(destination.name + ".partial")
        try:
            with _private_file(partial) as out:
                if tool and encrypt_to:
                    _write_encrypted(out, members, encrypt_to, tool)
                else:
                    _write_tar(out, members)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(destination)
    return destination, manifest


def encryption_of(archive_path: Path) -> str | None:
    """Return "gpg" or "age" when ``archive_path`` is encrypted, None for a plain tar."""
    with archive_path.open("rb") as file:
        head = file.read(64)
    if head.startswith(AGE_MAGIC):
        return "age"
    if head.startswith(GPG_ARMOR_MAGIC) or (head and head[0] & 0x80):
        # An OpenPGP packet's first byte has its high bit set; a tar starts with a file name.
        return "gpg"
    return None


def _decrypt_command(archive_path: Path, identity: Path | None) -> list[str] | None:
    """Return the command that decrypts ``archive_path`` (None: not encrypted) or say what's missing."""
    tool = encryption_of(archive_path)
    if tool is None:
        return None
    _require(tool, "Restoring an encrypted backup")
    if tool == "gpg":
        return ["gpg", "--batch", "--quiet", "--decrypt", str(archive_path)]
    if identity is None:
        raise BackupError(
            f"{archive_path} is encrypted with age: give the private key file with "
            "--identity KEYFILE."
        )
    return ["age", "--decrypt", "--identity", str(identity), str(archive_path)]


def decrypt_archive(archive_path: Path, directory: Path, identity: Path | None = None) -> Path:
    """Decrypt ``archive_path`` into ``directory`` (mode 0600) and return the clear tar's path.

    gpg finds the private key in the keyring of the user (or ``GNUPGHOME``) and asks its agent
    for a passphrase; age needs ``identity``, the file holding the private key. A plain archive
    is returned as it is.
    """
    command = _decrypt_command(archive_path, identity)
    if command is None:
        return archive_path
    target = directory / "decrypted.tar"
    with _private_file(target) as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise BackupError(f"{command[0]} could not decrypt {archive_path}: {message}")
    return target


def read_manifest(archive_path: Path) -> dict:
    """Return the manifest of a backup archive, or say why the file is not one."""
    tool = encryption_of(archive_path) if archive_path.is_file() else None
    if tool:
        raise BackupError(
            f"{archive_path} is encrypted with {tool}: restore decrypts it (see docs/backup.md)."
        )
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


def restore_backup(
    *, archive_path: Path, alias: str = "default", identity: Path | None = None
) -> RestoreReport:
    """Restore ``archive_path`` into the empty database and ``MEDIA_ROOT``; compare the counts.

    An encrypted archive is decrypted first (``identity``: age's private key file).
    """
    _decrypt_command(archive_path, identity)  # a missing tool or key is said before anything
    if not _database_is_empty(alias):
        raise BackupError(
            "The target database already holds content: restore only into an empty database."
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clear = decrypt_archive(archive_path, work, identity)
        manifest = read_manifest(clear)
        with tarfile.open(clear, "r") as archive:
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
