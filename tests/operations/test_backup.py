"""A backup restored into an empty database holds the same content and the same files."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from wagtail.documents import get_document_model
from wagtail.models import Page

from opencoop.activities.models import Activity
from opencoop.operations.backup import BackupError, read_manifest, restore_backup

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% backup test\n%%EOF\n"


@pytest.fixture
def empty_database(tmp_path):
    """Return the DATABASE_URL of a new, empty database, dropped afterwards."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{db['NAME']}_restored"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def query(url: str, sql: str, *params):
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute(sql, params).fetchall()


def restore_in_another_process(
    archive: Path, database_url: str, var_dir: Path, *options: str
) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencoop.settings.test",
        "DATABASE_URL": database_url,
        "OPENCOOP_VAR_DIR": str(var_dir),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def expected_content() -> dict:
    return {
        "activities": Activity.objects.count(),
        "pages": Page.objects.count(),
        "documents": get_document_model().objects.count(),
        "agata": Activity.objects.get(slug="agata-smeralda-salvador-bahia").title,
        "section": Page.objects.get(url_path__endswith="/decentralized-cooperation/").title,
    }


def assert_same_content(url: str, expected: dict) -> None:
    assert query(url, "SELECT count(*) FROM activities_activity")[0][0] == expected["activities"]
    assert query(url, "SELECT count(*) FROM wagtailcore_page")[0][0] == expected["pages"]
    assert query(url, "SELECT count(*) FROM wagtaildocs_document")[0][0] == expected["documents"]
    (title,) = query(
        url,
        "SELECT title FROM activities_activity WHERE slug = %s",
        "agata-smeralda-salvador-bahia",
    )[0]
    assert (json.loads(title) if isinstance(title, str) else title) == expected["agata"]
    sql = "SELECT count(*) FROM wagtailcore_page WHERE title = %s"
    assert query(url, sql, expected["section"])[0][0] >= 1


@pytest.mark.django_db
def test_json_backup_restores_activities_pages_and_documents(tmp_path, empty_database):
    document = get_document_model().objects.create(
        title="Backup test report", file=ContentFile(PDF, name="backup-test.pdf")
    )
    expected = expected_content()
    archive = tmp_path / "site.tar"
    # JSON is read through this test's own connection, so it sees the new document.
    call_command("backup", str(archive), "--format", "json", verbosity=0)
    manifest = read_manifest(archive)
    assert manifest["database_format"] == "json"
    assert manifest["counts"]["activities.activity"] == expected["activities"]

    restored_var = tmp_path / "restored-var"
    output = restore_in_another_process(archive, empty_database, restored_var)
    assert "every model's row count matches the backup" in output
    assert_same_content(empty_database, expected)
    (file_name,) = query(
        empty_database,
        "SELECT file FROM wagtaildocs_document WHERE title = %s",
        "Backup test report",
    )[0]
    assert (restored_var / "test-media" / file_name).read_bytes() == PDF
    document.file.delete(save=False)


@pytest.mark.django_db
def test_pg_dump_backup_restores_into_an_empty_postgresql_database(tmp_path, empty_database):
    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("pg_dump format needs PostgreSQL and pg_dump")
    # pg_dump reads from another process: it sees the committed demo, not this test's rows.
    expected = expected_content()
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive), verbosity=0)
    assert read_manifest(archive)["database_format"] == "pgdump"
    output = restore_in_another_process(archive, empty_database, tmp_path / "restored-var")
    assert "every model's row count matches the backup" in output
    assert_same_content(empty_database, expected)


@pytest.mark.django_db
def test_restore_refuses_a_database_that_has_content(tmp_path):
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive), "--format", "json", verbosity=0)
    with pytest.raises(BackupError, match="already holds content"):
        restore_backup(archive_path=archive)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(BackupError, match="is not an OpenCoop backup archive"):
        read_manifest(bogus)


def test_media_root_is_where_the_test_settings_say(tmp_path):
    # The restore above writes into OPENCOOP_VAR_DIR/test-media: keep the two in step.
    assert Path(settings.MEDIA_ROOT).name == "test-media"
