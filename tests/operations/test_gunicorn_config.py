"""How gunicorn serves the portal: what a worker does before its first request, and which
connections it takes."""

from __future__ import annotations

import gc
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest
from gunicorn.app.base import Application
from gunicorn.config import Config
from gunicorn.workers.gthread import ThreadWorker

from opencoop.operations import gunicorn_config

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_worker_sets_what_it_loaded_aside_from_the_garbage_collector():
    threshold = gc.get_threshold()
    try:
        gunicorn_config.post_worker_init(None)
        # The portal's modules, URL patterns and API schemas: left out of every later pass.
        assert gc.get_freeze_count() > 50_000
        assert gc.get_threshold()[0] == 20_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.parametrize("age, warmed", [(1, True), (3, True), (4, False), (250, False)])
def test_only_the_workers_the_server_starts_with_warm_up_with_pages(monkeypatch, age, warmed):
    from types import SimpleNamespace

    from opencoop.operations import warmup

    asked = []
    monkeypatch.setattr(warmup, "warm_up", dict)

    def warm_up_pages(between=None):
        asked.append(between)
        return {"answers": {}, "seconds": 0.0}

    monkeypatch.setattr(warmup, "warm_up_pages", warm_up_pages)
    worker = SimpleNamespace(age=age, cfg=SimpleNamespace(workers=3), notify=object())
    threshold = gc.get_threshold()
    try:
        gunicorn_config.post_worker_init(worker)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    # A replacement (``max_requests``) starts while the others serve: it does not.
    assert asked == ([worker.notify] if warmed else [])


class _ConfigOnly(Application):
    """Gunicorn's own reading of the config file, as ``gunicorn -c`` does, without serving.

    Read from the file each time (not the imported module), so that it sees the environment.
    """

    def load_config(self) -> None:
        self.load_config_from_file(f"file:{gunicorn_config.__file__}")

    def load(self):  # pragma: no cover - never served
        raise NotImplementedError


class _Log:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str, *args) -> None:
        self.warnings.append(message % args if args else message)


@pytest.mark.parametrize("threads", ["1", "2", "4"])
def test_a_worker_takes_no_more_connections_than_its_threads_can_serve(monkeypatch, threads):
    monkeypatch.setenv("GUNICORN_THREADS", threads)
    cfg: Config = _ConfigOnly().cfg
    assert cfg.worker_class_str == "gthread"
    assert cfg.threads == int(threads)
    # A busy worker leaves new connections in the listening queue for a free one.
    assert cfg.worker_connections == cfg.threads
    assert cfg.keepalive == 0
    log = _Log()
    ThreadWorker.check_config(cfg, log)
    assert log.warnings == []


def test_one_worker_a_processor_and_one_more_each_one_request_at_a_time(monkeypatch):
    """The defaults the 20 users' figures were measured with (scripts/bench_notes.md)."""
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    cfg: Config = _ConfigOnly().cfg
    assert (cfg.workers, cfg.threads) == (multiprocessing.cpu_count() + 1, 1)
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    assert _ConfigOnly().cfg.workers == 7


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_closes_each_connection_after_its_answer(tmp_path):
    """A client's next request goes through a new connection, to whichever worker is free."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opencoop.settings.bench",  # its minimal view reads no data
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "LOG_LEVEL": "ERROR",
        "OPENCOOP_LOG_LEVEL": "ERROR",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [gunicorn, "-c", "python:opencoop.operations.gunicorn_config", "opencoop.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            connection = HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", "/bench/minimal/", headers={"Host": "localhost"})
                response = connection.getresponse()
                body = response.read()
                break
            except OSError:
                connection.close()
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert (response.status, body) == (200, b"ok\n")
        assert response.getheader("Connection") == "close"
        # The server closed its end: the connection gives nothing more.
        assert connection.sock is None or connection.sock.recv(1) == b""
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
