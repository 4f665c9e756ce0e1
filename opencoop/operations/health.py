"""Health checks of the services the portal depends on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.db import connection


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str = ""


def check_database() -> None:
    """Run a trivial query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("unexpected answer to SELECT 1")


def check_cache() -> None:
    """Write, read back and delete a key in the default cache; raise if it does not answer.

    The resilient backend hides errors from every other caller; its ``health_check`` does not.
    """
    if hasattr(cache, "health_check"):
        cache.health_check()
        return
    key = f"opencoop:health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return what was written")
    finally:
        cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}
# Services without which the portal cannot answer: only these make the server "unavailable"
# (503, taken out of a load balancer). Without the cache it answers, slower: "degraded", 200.
ESSENTIAL = frozenset({"database"})


def run_check(name: str, check: Callable[[], None]) -> CheckResult:
    """Run one check; name the kind of failure but not its message, which may hold addresses."""
    started = time.monotonic()
    try:
        check()
    except Exception as exc:
        return CheckResult(name, False, _ms(started), type(exc).__name__)
    return CheckResult(name, True, _ms(started))


def health_report() -> dict:
    """Run every check and say which service is down, if any.

    ``status`` is "ok", "degraded" (only services the portal can do without are down) or
    "unavailable" (an essential one is down).
    """
    results = [run_check(name, check) for name, check in CHECKS.items()]
    down = {r.name for r in results if not r.ok}
    return {
        "status": "unavailable" if down & ESSENTIAL else "degraded" if down else "ok",
        "checks": {r.name: {k: v for k, v in asdict(r).items() if k != "name"} for r in results},
        "down": [r.name for r in results if not r.ok],
    }


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
