"""Public reads from a streaming replica; editors and whoever just wrote read the primary.

The replica is real: the test cluster copied with pg_basebackup, started on another loopback
port and streaming from the primary. Its replay is paused to stand for a replica that lags, so
what a page shows says which database served it. PostgreSQL only; on a cluster that refuses
replication connections (see .ci/allow-replication) the tests skip and say why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opencoop.activities.models import Activity
from opencoop.operations.replicas import READ_YOUR_WRITES_COOKIE
from opencoop.pages.models import RecordIndexPage
from tests.databases import primary_sql
from tests.editorial.helpers import form_data, messages_text, url

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the replica tests need PostgreSQL (DATABASE_URL)",
    ),
    # No transaction around a test: its writes must be committed to stream to the replica.
    # "__all__": the replica alias, added by the fixture below, is one of them.
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

SLUG = "baan-unrak-house-of-joy"
SAVED_TITLE = "House of Joy, as the editor just saved it"
API_LIST = "/api/v1/activities?lang=en&page_size=100"
# Longest wait for the replica to start or to replay what the primary wrote (it replays the
# whole cluster's changes, other databases' included).
PATIENCE_SECONDS = 300


@dataclass
class Replica:
    """A streaming replica of the test cluster, on its own port and data directory."""

    dsn: str
    database: str  # the copy the tests use
    template: str  # the test database it is copied from
    log: Path

    def query(self, sql: str) -> object:
        with psycopg.connect(f"{self.dsn} dbname=postgres", autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]

    def wait_for(self, condition: str, what: str) -> None:
        """Poll ``condition`` (SQL on the replica) until true; fail naming ``what`` if never."""
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline:
            try:
                if self.query(condition):
                    return
            except psycopg.OperationalError:
                pass  # still starting
            time.sleep(0.1)
        log = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        news = [line for line in log if "not yet accepting connections" not in line][-8:]
        # A hot standby opens only once the primary's transactions that were running at the
        # copy end, if any had many subtransactions: name the long ones.
        long = primary_sql(
            "SELECT string_agg(format('pid %s on %s for %s', pid, datname,"
            " date_trunc('second', now() - xact_start)), '; ') FROM pg_stat_activity"
            " WHERE xact_start < now() - interval '1 minute'"
        )
        pytest.fail(
            f"the replica did not {what} within {PATIENCE_SECONDS} s. Transactions open on "
            f"the primary for over a minute: {long or 'none'}. The replica's log ends:\n"
            + "\n".join(news)
        )

    def catch_up(self, primary_lsn: str) -> None:
        self.wait_for(
            f"SELECT pg_last_wal_replay_lsn() >= '{primary_lsn}'::pg_lsn", f"replay {primary_lsn}"
        )


def replication_refused() -> str:
    """Return why the primary cannot feed a replica, or "" when it can."""
    if primary_sql("SHOW wal_level") not in ("replica", "logical"):
        return "the primary's wal_level is minimal: no streaming replica possible"
    if int(primary_sql("SHOW max_wal_senders")) == 0:
        return "the primary's max_wal_senders is 0: no streaming replica possible"
    rules = primary_sql(
        "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
        " AND error IS NULL"
    )
    if not rules:
        return "the primary's pg_hba.conf allows no replication connection (.ci/allow-replication)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to run the replica's server"
    return ""


def free_port(start: int = 5433) -> int:
    for port in range(start, start + 100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {start}-{start + 99} for the replica")


def postgres_bin(program: str) -> str:
    """Return ``program`` of the primary's major version, else the one on the PATH."""
    major = int(primary_sql("SHOW server_version_num")) // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{program}")
    return str(candidate) if candidate.exists() else (shutil.which(program) or program)


def as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: CI runs the tests as root, the server as postgres.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def run(command: list[str]) -> None:
    """Run ``command``; fail with its error output if it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")


def start_replica(workdir: Path, port: int) -> Path:
    """Copy the primary's cluster into ``workdir`` and start it as a streaming replica."""
    primary = settings.DATABASES["default"]
    data = workdir / "data"
    run(
        as_server_user(
            [
                postgres_bin("pg_basebackup"),
                *("-h", primary["HOST"], "-p", str(primary["PORT"] or 5432)),
                *("-U", primary["USER"], "-D", str(data)),
                *("-R", "-X", "stream", "-c", "fast"),
            ]
        )
    )
    # Debian keeps postgresql.conf and pg_hba.conf outside the data directory: write them. A
    # standby needs at least the primary's connection, worker and lock limits.
    limits = [
        "max_connections",
        "max_worker_processes",
        "max_wal_senders",
        "max_prepared_transactions",
        "max_locks_per_transaction",
    ]
    conf = [f"{name} = {primary_sql(f'SHOW {name}')}" for name in limits]
    conf += [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{workdir}'",
        "hot_standby = on",
        "fsync = off",
    ]
    (data / "postgresql.conf").write_text("\n".join(conf) + "\n")
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            os.chown(data / name, owner.pw_uid, owner.pw_gid)
    # No waiting here: the caller waits (longer than pg_ctl would) until it answers as a standby.
    run(
        as_server_user(
            [postgres_bin("pg_ctl"), "-D", str(data), "-l", str(workdir / "log"), "-W", "start"]
        )
    )
    return data


@pytest.fixture(scope="module")
def streaming(django_db_setup, django_db_blocker) -> Iterator[Replica]:
    """Start a streaming replica of the test cluster; point ``default`` at a copy of the test
    database and the ``replica`` alias at the same copy on the replica.

    The copy takes the writes of this module's tests and their flushes, so the other tests find
    the test database as they left it.
    """
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        reason = replication_refused()
        if reason:
            pytest.skip(reason)
        default = connections["default"]
        test_name = default.settings_dict["NAME"]
        copy_name = f"{test_name}_replicated"
        workdir = Path(tempfile.mkdtemp(prefix="opencoop-replica-"))
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres", "postgres")
        port = free_port()
        data = None
        try:
            data = start_replica(workdir, port)
            connections.close_all()
            patch.setitem(default.settings_dict, "NAME", copy_name)
            patch.setitem(
                settings.DATABASES,
                "replica",
                {**default.settings_dict, "PORT": str(port), "TEST": {"MIRROR": "default"}},
            )
            running = Replica(
                dsn=f"host=127.0.0.1 port={port} user={default.settings_dict['USER']}",
                database=copy_name,
                template=test_name,
                log=workdir / "log",
            )
            running.wait_for("SELECT pg_is_in_recovery()", "start as a standby")
            yield running
        finally:
            if "replica" in connections:
                connections["replica"].close()
                del connections["replica"]
            if data is not None:
                subprocess.run(
                    as_server_user([postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                    capture_output=True,
                )
            shutil.rmtree(workdir, ignore_errors=True)
            connections.close_all()
            primary_sql(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')


@pytest.fixture
def replica(streaming: Replica, transactional_db) -> Replica:
    """Give the test a fresh copy of the test database (demo included), replayed on the replica.

    Requested after ``transactional_db``, whose flush at the end of the test empties the copy.
    """
    connections.close_all()
    primary_sql(f'DROP DATABASE IF EXISTS "{streaming.database}" WITH (FORCE)')
    primary_sql(f'CREATE DATABASE "{streaming.database}" TEMPLATE "{streaming.template}"')
    streaming.catch_up(primary_sql("SELECT pg_current_wal_lsn()"))
    return streaming


@pytest.fixture
def paused(replica: Replica) -> Iterator[Replica]:
    """Pause the replica's replay: it lags behind the primary until the test lets it go on."""
    replica.query("SELECT pg_wal_replay_pause()")
    replica.wait_for("SELECT pg_get_wal_replay_pause_state() = 'paused'", "pause its replay")
    yield replica
    replica.query("SELECT pg_wal_replay_resume()")
    replica.catch_up(primary_sql("SELECT pg_current_wal_lsn()"))


def activity_page(activity: Activity) -> str:
    index = RecordIndexPage.objects.live().get(
        record_type="activities",
        locale__language_code="en",
        url_path__contains="/decentralized-cooperation/",
    )
    return index.record_url(activity)


def served(client: Client, path: str) -> tuple[str, int, int]:
    """GET ``path``; return its body and the queries run on the replica and on the primary."""
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode(), len(on_replica), len(on_primary)


def test_public_pages_and_the_api_are_read_from_the_replica(replica):
    activity = Activity.objects.get(slug=SLUG)
    page, page_on_replica, page_on_primary = served(Client(), activity_page(activity))
    assert activity.title["en"] in page
    api, api_on_replica, api_on_primary = served(Client(), API_LIST)
    assert activity.title["en"] in api
    assert page_on_replica > 0 and api_on_replica > 0
    assert (page_on_primary, api_on_primary) == (0, 0)


def test_an_editor_reads_their_save_before_the_replica_has_it(paused, settings):
    # With the page cache on: a page rendered from the lagging replica must not be kept.
    settings.OPENCOOP_PAGE_CACHE_SECONDS = 600
    activity = Activity.objects.get(slug=SLUG)
    before = activity.title["en"]
    editor = get_user_model().objects.create_superuser(
        "replica-editor", "replica-editor@example.org", "x-long-password-1"
    )
    editor_client = Client()
    editor_client.force_login(editor)
    data = form_data(editor_client.get(url(activity, "edit")))
    # The demo's activities lack what publication asks for: the editor completes this one.
    data.update(
        title_1=SAVED_TITLE,
        description_1="Games and lessons for the children of the house.",
        status="2",
        planned_start="2020-01-01",
    )
    data["action-publish"] = "action-publish"
    response = editor_client.post(url(activity, "edit"), data)
    assert response.status_code == 302, messages_text(response)

    mine, on_replica, _ = served(editor_client, activity_page(activity))
    assert SAVED_TITLE in mine
    assert on_replica == 0
    # A visitor is served by the replica, which has not replayed the save yet.
    theirs, on_replica, on_primary = served(Client(), activity_page(activity))
    assert before in theirs and SAVED_TITLE not in theirs
    assert on_replica > 0 and on_primary == 0

    paused.query("SELECT pg_wal_replay_resume()")
    paused.catch_up(primary_sql("SELECT pg_current_wal_lsn()"))
    theirs, _, _ = served(Client(), activity_page(activity))
    assert SAVED_TITLE in theirs


def test_a_visitor_who_posted_reads_the_primary_while_the_cookie_lasts(replica):
    visitor = Client()
    response = visitor.post("/en/suggestions/", {"message": ""})
    cookie = response.cookies[READ_YOUR_WRITES_COOKIE]
    assert cookie["max-age"] == settings.OPENCOOP_READ_YOUR_WRITES_SECONDS
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    _, on_replica, on_primary = served(visitor, API_LIST)
    assert on_replica == 0 and on_primary > 0
    visitor.cookies.pop(READ_YOUR_WRITES_COOKIE)
    _, on_replica, on_primary = served(visitor, API_LIST)
    assert on_replica > 0 and on_primary == 0
