"""Backups hold secrets: owner-only files, no live sessions, and encryption with gpg or age."""

import gzip
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from opencoop.operations import backup
from opencoop.operations.backup import BackupError, read_manifest

from . import test_backup
from .test_backup import assert_same_content, expected_content, restore_in_another_process

empty_database = test_backup.empty_database  # the fixture: a new, empty database

pytestmark = pytest.mark.django_db


@pytest.fixture
def usual_umask():
    """Write files as a default system would (0644), whatever this process was started with."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def live_session():
    session = SessionStore()
    session["canary"] = "live-sign-in"
    session.create()
    return session.session_key


def json_rows(archive: Path) -> list[dict]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("database.json.gz")
        return json.loads(gzip.decompress(member.read()))


def test_the_archive_is_readable_by_its_owner_only(tmp_path, usual_umask):
    call_command("backup", str(tmp_path / "site.tar"), "--format", "json", verbosity=0)
    assert (tmp_path / "site.tar").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.tar"]  # no partial file left


def test_an_archive_named_by_the_folder_is_owner_only_too(tmp_path, usual_umask):
    call_command("backup", str(tmp_path / "nightly"), "--format", "json", verbosity=0)
    (archive,) = (tmp_path / "nightly").iterdir()
    assert archive.name.startswith("opencoop-backup-") and archive.suffix == ".tar"
    assert archive.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "nightly").stat().st_mode & 0o777 == 0o700


def test_sessions_are_left_out_unless_asked_for(tmp_path, live_session):
    call_command("backup", str(tmp_path / "plain.tar"), "--format", "json", verbosity=0)
    rows = json_rows(tmp_path / "plain.tar")
    assert not [r for r in rows if r["model"] == "sessions.session"]
    assert read_manifest(tmp_path / "plain.tar")["sessions"] == "left out"

    call_command(
        "backup", str(tmp_path / "kept.tar"), "--format", "json", "--with-sessions", verbosity=0
    )
    kept = [r["pk"] for r in json_rows(tmp_path / "kept.tar") if r["model"] == "sessions.session"]
    assert live_session in kept


def test_pg_dump_leaves_the_session_rows_out(tmp_path):
    if connection.vendor != "postgresql" or shutil.which("pg_restore") is None:
        pytest.skip("the pg_dump format needs PostgreSQL and pg_dump")
    # pg_dump reads committed rows from another process: commit a session through another
    # connection, and remove it afterwards the same way.
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"],
        autocommit=True,
    )  # fmt: skip
    other.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('canarysessionkey0000000000000000', 'x', now() + interval '1 hour')"
    )
    try:
        call_command("backup", str(tmp_path / "site.tar"), "--without-sessions", verbosity=0)
        with tarfile.open(tmp_path / "site.tar") as tar:
            tar.extract("database.pgdump", tmp_path, filter="data")
        dump = str(tmp_path / "database.pgdump")
        listing = subprocess.run(
            ["pg_restore", "--list", dump], capture_output=True, text=True, check=True
        ).stdout
        assert "TABLE public django_session" in listing  # the table stays, empty
        assert "TABLE DATA public django_session" not in listing
        assert "TABLE DATA public activities_activity" in listing
        sql = subprocess.run(
            ["pg_restore", "--data-only", "--file", "-", dump],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "canarysessionkey" not in sql
    finally:
        other.execute("DELETE FROM django_session WHERE session_key LIKE 'canary%'")
        other.close()


@pytest.fixture(scope="module")
def gpg_home(tmp_path_factory):
    """A keyring of its own holding a new key for backup@example.org, without passphrase."""
    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed (Debian: apt-get install gnupg)")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key"]
        + ["OpenCoop backups <backup@example.org>", "future-default", "default", "never"],
        env=env,
        check=True,
        capture_output=True,
    )
    yield home
    # Stop the agent gpg started for this keyring (and only that one).
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False)


def assert_not_readable(archive: Path) -> None:
    assert not tarfile.is_tarfile(archive)
    assert not zipfile.is_zipfile(archive)
    content = archive.read_bytes()
    assert b"manifest.json" not in content
    assert b"database_format" not in content
    with pytest.raises(BackupError, match="is encrypted with"):
        read_manifest(archive)


def test_a_gpg_encrypted_backup_is_unreadable_and_restores(
    tmp_path, empty_database, gpg_home, monkeypatch, usual_umask
):
    monkeypatch.setenv("GNUPGHOME", str(gpg_home))
    expected = expected_content()
    call_command(
        "backup", str(tmp_path / "site.tar"), "--format", "json",
        "--encrypt-to", "backup@example.org", verbosity=0,
    )  # fmt: skip
    archive = tmp_path / "site.tar.gpg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.tar.gpg"]
    assert archive.stat().st_mode & 0o777 == 0o600
    assert_not_readable(archive)

    output = restore_in_another_process(archive, empty_database, tmp_path / "restored-var")
    assert "every model's row count matches the backup" in output
    assert_same_content(empty_database, expected)


def test_an_encrypted_backup_without_the_key_is_refused_clearly(tmp_path, gpg_home, monkeypatch):
    monkeypatch.setenv("GNUPGHOME", str(gpg_home))
    call_command(
        "backup", str(tmp_path), "--format", "json", "--encrypt-to", "backup@example.org",
        verbosity=0,
    )  # fmt: skip
    (archive,) = tmp_path.glob("*.tar.gpg")
    stranger = tmp_path / "stranger-gnupg"
    stranger.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(stranger))
    with pytest.raises(BackupError, match="gpg could not decrypt"):
        backup.decrypt_archive(archive, tmp_path)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], check=False)


def test_an_age_encrypted_backup_restores_with_its_identity(tmp_path, empty_database):
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        pytest.skip("age is not installed (Debian: apt-get install age)")
    identity = tmp_path / "backup-key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    expected = expected_content()
    call_command(
        "backup", str(tmp_path / "site.tar"), "--format", "json", "--encrypt-to", recipient,
        verbosity=0,
    )  # fmt: skip
    archive = tmp_path / "site.tar.age"
    assert archive.stat().st_mode & 0o777 == 0o600
    assert_not_readable(archive)
    with pytest.raises(CommandError, match="--identity KEYFILE"):
        call_command("restore", str(archive), verbosity=0)

    restored = restore_in_another_process(
        archive, empty_database, tmp_path / "restored-var", "--identity", str(identity)
    )
    assert "every model's row count matches the backup" in restored
    assert_same_content(empty_database, expected)


def test_encrypting_without_the_tool_says_what_to_install(tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(
        backup.shutil, "which", lambda name: None if name == "gpg" else real_which(name)
    )
    with pytest.raises(CommandError, match=r"needs the gpg program.*apt-get install gnupg"):
        call_command(
            "backup", str(tmp_path / "site.tar"), "--encrypt-to", "backup@example.org",
            verbosity=0,
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
