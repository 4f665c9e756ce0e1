#!/usr/bin/env python
"""Steady load on public pages while PostgreSQL or Redis goes away and comes back; print what
happened.

Loopback only and bounded in time. It:

1. creates a PostgreSQL database (default ``opencoop_fault``), migrates it, loads the Florence demo
   and collects static files, all with the production settings;
2. starts its own ``redis-server`` on 127.0.0.1 (default port 6391, nothing saved to disk) as the
   cache, and gunicorn on 127.0.0.1 (default port 8013), and waits for the health endpoint;
3. drives several threads of requests at public pages for ``--duration`` seconds, and polls the
   health endpoint twice a second;
4. saves an editor's change, then at ``--outage-at`` for ``--outage`` seconds (never more than
   10) makes the ``--fault`` happen, tries a second save meanwhile, and ends the fault:

   * ``database``: PostgreSQL is stopped (the save must fail and say so), then started again;
   * ``redis-stop``: the private Redis is stopped (the save must succeed), then started again,
     empty;
   * ``redis-freeze``: the private Redis is frozen with SIGSTOP (it accepts connections and never
     answers; the save must succeed), then resumed with SIGCONT;
5. prints requests, errors by status, statuses per second, the latency of public pages during
   the fault (p50, p95) and the time to recovery, and checks that no request got a 500, that the
   saves behaved as above and, for Redis, that the health endpoint kept answering 200 and the
   p95 of pages during the fault stayed under 1 s.

Run from the repository root: ``.venv/bin/python scripts/load_and_fault.py --fault redis-freeze``.
PostgreSQL is started again and Redis resumed whatever happens (``pg_isready`` is checked at the
end); the private Redis is stopped at the end.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
SECTION = "/en/administration/international-florence/decentralized-cooperation/"
PAGES = [
    "/it/",
    "/en/",
    SECTION,
    SECTION + "projects/",
    SECTION + "projects/agata-smeralda-salvador-bahia/",
    "/it/amministrazione/firenze-internazionale/cooperazione-decentrata/progetti/",
]
EDITED_SLUG = "agata-smeralda-salvador-bahia"
DURING_TITLE = "Title typed while a service was away"
MAX_OUTAGE = 10.0
FAULTS = ("database", "redis-stop", "redis-freeze")
P95_LIMIT_MS = 1000.0


@dataclass(frozen=True)
class Result:
    at: float  # seconds since the load started
    path: str
    status: int  # 0 when no HTTP answer came back
    ms: float


def pg_cluster() -> tuple[str, str]:
    """Return the version and name of the local cluster, as pg_ctlcluster wants them."""
    versions = sorted(os.listdir("/etc/postgresql"))
    return versions[-1], "main"


def pg_ctl(action: str) -> None:
    version, name = pg_cluster()
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
    if action == "stop":
        cmd += ["-m", "fast"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", HOST, "-q"], check=False).returncode == 0


def probe_pg(start: float, stop: threading.Event, events: dict[str, float]) -> None:
    """Note when PostgreSQL first refuses connections and when it accepts them again."""
    while not stop.is_set():
        ready = pg_ready()
        now = time.monotonic() - start
        if not ready and "pg_refusing" not in events:
            events["pg_refusing"] = now
        if ready and "pg_refusing" in events:
            events["pg_accepting_again"] = now
            return
        time.sleep(0.1)


def wait_for_pg(limit: float = 30.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if pg_ready():
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not come back")


def production_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencoop.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
        "REDIS_URL": f"redis://{HOST}:{args.redis_port}/0",
        "CACHE_KEY_PREFIX": f"fault-{os.getpid()}",
        # Plain HTTP on loopback: no proxy in front to terminate TLS.
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(args.workdir / "static"),
        "MEDIA_ROOT": str(args.workdir / "media"),
        "OPENCOOP_2FA_REQUIRED": "false",
        "GUNICORN_BIND": f"{HOST}:{args.port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_ACCESS_LOG": str(args.workdir / "access.log"),
        # 0: no worker is recycled during the run, whose slow start would be counted as the
        # fault's (at 2,000 requests each, the default, workers restart every 15 s or so here).
        "GUNICORN_MAX_REQUESTS": str(args.max_requests),
    }


def manage(env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


class PrivateRedis:
    """This run's redis-server: nothing saved to disk, stopped or frozen on demand."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.log = workdir / "redis.log"
        self.process: subprocess.Popen | None = None
        self.frozen = False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", ""]
            + ["--appendonly", "no", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        while time.monotonic() - started < 10:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def resume(self) -> None:
        if self.frozen and self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.frozen = False


def probe_health(port: int, start: float, stop: threading.Event, out: list) -> None:
    """Ask the health endpoint twice a second: (time, status, its "status" field)."""
    while not stop.is_set():
        sent = time.monotonic()
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/operations/health/", headers={"Host": HOST})
            response = conn.getresponse()
            body = json.loads(response.read() or b"{}")
            out.append((sent - start, response.status, body.get("status", "")))
            conn.close()
        except (OSError, http.client.HTTPException, ValueError):
            out.append((sent - start, 0, ""))
        time.sleep(max(0.0, 0.5 - (time.monotonic() - sent)))


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Create the database afresh, migrate, load the demo, collect static files."""
    subprocess.run(
        ["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", args.database], check=True
    )
    subprocess.run(["createdb", "-h", HOST, "-U", "postgres", args.database], check=True)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput")


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path, headers={"Host": HOST})
    response = conn.getresponse()
    response.read()
    return response.status


def load_worker(port: int, offset: int, start: float, stop: threading.Event, out: list) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=15)
    n = offset
    while not stop.is_set():
        path = PAGES[n % len(PAGES)]
        n += 1
        sent = time.monotonic()
        try:
            status = get(conn, path)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=15)
        out.append(Result(sent - start, path, status, (time.monotonic() - sent) * 1000))
    conn.close()


def start_editor_save(env: dict[str, str], title: str, go: Path) -> subprocess.Popen:
    """Start an editor's save of a new English title (ORM, production settings).

    Django is set up at once; the save itself waits until ``go`` exists, so that it can be made
    to happen at a chosen moment (while the database is away) without the start-up delay.
    """
    code = (
        "import os, time\n"
        "from opencoop.activities.models import Activity\n"
        "from django.db import DatabaseError\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n"
        "try:\n"
        f"    a = Activity.objects.get(slug={EDITED_SLUG!r})\n"
        f"    a.title = {{**a.title, 'en': {title!r}}}\n"
        "    a.save(); a.save_revision().publish()\n"
        "    print('SAVED')\n"
        "except DatabaseError as exc:\n"
        "    print('FAILED: the database is unavailable, nothing was saved '\n"
        "          f'({type(exc).__name__}); try again in a minute')\n"
    )
    go.unlink(missing_ok=True)
    return subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_editor_save(process: subprocess.Popen, go: Path) -> tuple[bool, str]:
    go.touch()
    out, err = process.communicate(timeout=60)
    lines = out.strip().splitlines() or err.strip().splitlines()[-1:] or ["no output"]
    return lines[-1] == "SAVED", lines[-1]


def stored_title(env: dict[str, str]) -> str:
    code = (
        "from opencoop.activities.models import Activity\n"
        f"print(Activity.objects.get(slug={EDITED_SLUG!r}).title['en'])"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


def wait_for_health(port: int, limit: float = 60.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            if get(conn, "/operations/health/") == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not become healthy")


def summarise(
    results: list[Result], events: dict[str, float], duration: float, health: list
) -> dict:
    """Count statuses overall and per second; time the outage and the recovery from answers."""
    by_status = collections.Counter(r.status for r in results)
    per_second: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        per_second[int(r.at)][r.status] += 1
    answered = sorted(results, key=lambda r: r.at + r.ms / 1000)
    bad = [r.at + r.ms / 1000 for r in answered if r.status != 200]
    summary: dict = {
        "requests": len(results),
        "requests_per_second": round(len(results) / duration, 1),
        "by_status": dict(sorted(by_status.items())),
        "latency_ms_p50_200": percentile([r.ms for r in results if r.status == 200], 50),
        "latency_ms_p95_200": percentile([r.ms for r in results if r.status == 200], 95),
        "latency_ms_p50_503": percentile([r.ms for r in results if r.status == 503], 50),
        "events_s": {k: round(v, 2) for k, v in sorted(events.items(), key=lambda i: i[1])},
        "first_non_200_answered_s": round(bad[0], 2) if bad else None,
        "last_non_200_answered_s": round(bad[-1], 2) if bad else None,
    }
    if {"pg_refusing", "pg_accepting_again"} <= events.keys():
        back = events["pg_accepting_again"]
        summary["database_unavailable_for_s"] = round(back - events["pg_refusing"], 2)
        first_ok = next(
            (r.at + r.ms / 1000 for r in answered if r.status == 200 and r.at >= back), None
        )
        summary["first_200_after_database_back_s"] = (
            round(first_ok - back, 2) if first_ok is not None else None
        )
        summary["non_200_after_database_back_s"] = round(
            max(0.0, (bad[-1] if bad else 0) - back), 2
        )
    if {"fault_begun", "fault_ended"} <= events.keys():
        during = [r for r in results if events["fault_begun"] <= r.at < events["fault_ended"]]
        summary["during_fault"] = {
            "requests": len(during),
            "by_status": dict(sorted(collections.Counter(r.status for r in during).items())),
            "latency_ms_p50": percentile([r.ms for r in during], 50),
            "latency_ms_p95": percentile([r.ms for r in during], 95),
            "latency_ms_max": round(max((r.ms for r in during), default=0), 1),
            "health": dict(
                sorted(
                    collections.Counter(
                        f"{status} {state}"
                        for at, status, state in health
                        if events["fault_begun"] <= at < events["fault_ended"]
                    ).items()
                )
            ),
        }
    summary["health_by_status"] = dict(
        sorted(collections.Counter(f"{status} {state}" for _, status, state in health).items())
    )
    summary["per_second"] = {s: dict(sorted(c.items())) for s, c in sorted(per_second.items())}
    return summary


def percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * pct / 100))], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8013)
    parser.add_argument("--database", default="opencoop_fault")
    parser.add_argument("--redis-port", type=int, default=6391, help="the private redis-server")
    parser.add_argument("--fault", choices=FAULTS, default="database")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of load (max 120)")
    parser.add_argument("--outage-at", type=float, default=15.0)
    parser.add_argument("--outage", type=float, default=4.0, help="seconds from stop to start")
    parser.add_argument("--no-outage", action="store_true", help="load only, no restart")
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database")
    parser.add_argument("--max-requests", type=int, default=0, help="gunicorn's, 0: never")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/opencoop-fault"))
    args = parser.parse_args()
    args.duration = min(args.duration, 120.0)
    args.outage = min(args.outage, MAX_OUTAGE)
    if shutil.which("pg_ctlcluster") is None and args.fault == "database" and not args.no_outage:
        print("pg_ctlcluster not found: this script drives a local Debian PostgreSQL cluster.")
        return 2
    if shutil.which("redis-server") is None:
        print("redis-server not found: this script starts its own Redis as the cache.")
        return 2
    redis_fault = args.fault.startswith("redis")
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = production_env(args)

    cache_server = PrivateRedis(args.redis_port, args.workdir)
    cache_server.start()
    if not args.skip_setup:
        print(f"Preparing {args.database} (migrate, demo, static files)…", flush=True)
        prepare(args, env)
    else:
        manage(env, "migrate", "--noinput")
    server_log = (args.workdir / "server.log").open("w")
    server = subprocess.Popen(
        [GUNICORN, "-c", "python:opencoop.operations.gunicorn_config", "opencoop.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    results: list[Result] = []
    events: dict[str, float] = {}
    saves: dict[str, tuple[bool, str]] = {}
    health: list[tuple[float, int, str]] = []
    stop = threading.Event()
    try:
        wait_for_health(args.port)
        before_title = f"Agata Smeralda project (saved before the outage {int(time.time())})"
        go = args.workdir / "save-now"
        saves["before"] = finish_editor_save(start_editor_save(env, before_title, go), go)
        during = start_editor_save(env, DURING_TITLE, go)
        start = time.monotonic()
        threads = [
            threading.Thread(target=load_worker, args=(args.port, i, start, stop, results))
            for i in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        threading.Thread(
            target=probe_health, args=(args.port, start, stop, health), daemon=True
        ).start()
        if redis_fault and not args.no_outage:
            time.sleep(max(0.0, args.outage_at - (time.monotonic() - start)))
            events["fault_begun"] = time.monotonic() - start
            try:
                if args.fault == "redis-stop":
                    cache_server.stop()
                else:
                    cache_server.freeze()
                time.sleep(1.0)  # the save comes while the cache is away, not as it goes
                saves["during"] = finish_editor_save(during, go)
                elapsed = time.monotonic() - start - events["fault_begun"]
                time.sleep(max(0.0, args.outage - elapsed))
            finally:
                if args.fault == "redis-stop":
                    cache_server.start()
                else:
                    cache_server.resume()
                events["fault_ended"] = time.monotonic() - start
        elif not args.no_outage:
            time.sleep(max(0.0, args.outage_at - (time.monotonic() - start)))
            # A checkpoint first keeps the shutdown short (it has little left to write).
            subprocess.run(["psql", "-h", HOST, "-U", "postgres", "-qc", "CHECKPOINT"], check=False)
            threading.Thread(target=probe_pg, args=(start, stop, events), daemon=True).start()
            events["pg_stop_begun"] = events["fault_begun"] = time.monotonic() - start
            try:
                pg_ctl("stop")
                events["pg_stopped"] = time.monotonic() - start
                saves["during"] = finish_editor_save(during, go)
                elapsed = time.monotonic() - start - events["pg_stop_begun"]
                time.sleep(max(0.0, args.outage - elapsed))
            finally:
                pg_ctl("start")
                wait_for_pg()
                events["pg_ready"] = events["fault_ended"] = time.monotonic() - start
        else:
            during.kill()
        time.sleep(max(0.0, args.duration - (time.monotonic() - start)))
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        duration = time.monotonic() - start
        saves["after_title"] = (True, stored_title(env))
    finally:
        stop.set()
        cache_server.stop()
        if not pg_ready():
            pg_ctl("start")
            wait_for_pg()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server_log.close()

    summary = summarise(results, events, duration, health)
    summary["fault"] = args.fault
    log_lines = (args.workdir / "server.log").read_text().splitlines()
    outage_logs = [line for line in log_lines if "Database unavailable" in line]
    summary["logged_database_unavailable"] = len(outage_logs)
    summary["logged_cache_unavailable"] = sum("Cache unavailable" in line for line in log_lines)
    summary["logged_cache_available_again"] = sum(
        "Cache available again" in line for line in log_lines
    )
    summary["editor_save_before"] = saves["before"][1]
    if "during" in saves:
        summary["editor_save_during_outage"] = saves["during"][1]
    summary["title_after_recovery"] = saves["after_title"][1]
    summary["pg_isready_at_end"] = pg_ready()
    print(json.dumps(summary, indent=1, ensure_ascii=False))

    problems = []
    if summary["by_status"].get(500):
        problems.append(f"{summary['by_status'][500]} requests got a 500")
    if not saves["before"][0]:
        problems.append("the save before the outage failed")
    if redis_fault:
        if "during" in saves and not saves["during"][0]:
            problems.append("the save while the cache was away failed")
        if "during" in saves and saves["after_title"][1] != DURING_TITLE:
            problems.append("the title saved while the cache was away was not stored")
        fault = summary.get("during_fault", {})
        if (fault.get("latency_ms_p95") or 0) >= P95_LIMIT_MS:
            problems.append(f"p95 of pages during the fault is {fault['latency_ms_p95']} ms")
        if any(not key.startswith("200 ") for key in fault.get("health", {})):
            problems.append("the health endpoint did not answer 200 during the cache fault")
    else:
        if "during" in saves and (saves["during"][0] or "FAILED" not in saves["during"][1]):
            problems.append("the save during the outage did not fail cleanly")
        if saves["after_title"][1] != before_title:
            problems.append("the title saved before the outage was not intact")
    if (
        not redis_fault
        and not args.no_outage
        and (
            summary.get("first_200_after_database_back_s") is None
            or summary["non_200_after_database_back_s"] > 10
        )
    ):
        problems.append("the site did not recover within 10 s of the database")
    if not summary["pg_isready_at_end"]:
        problems.append("PostgreSQL is not running at the end")
    print("PROBLEMS: " + "; ".join(problems) if problems else "OK: no 500, the saves as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
