"""A Redis cache that the site can lose: short timeouts, errors ignored and logged, no waiting.

Django's ``RedisCache`` raises every Redis error to its caller, and redis-py retries a dead or
frozen server three times with a back-off of up to 10 s: with Redis away, every page answered
500 (Wagtail reads its site root paths from the cache), and with Redis frozen every request
waited up to 11 s. This backend is Django's own with three changes:

* short socket timeouts (a few hundred milliseconds) and no retries by redis-py;
* a Redis error is logged (once per outage, and a reminder once a minute while it lasts) and the
  call is answered by a small cache in this process's memory instead, whose entries live at
  most ``fallback_seconds`` (30 by default). Callers see a cache that was emptied: Wagtail
  reads its site root paths from the database once, pages are rendered once per process and
  then served from memory (a publication meanwhile shows within 30 s on the other servers),
  rate limits and single-use checks count per process;
* a circuit breaker: after an error the cache is not asked again for ``retry_after`` seconds
  (5 by default) in this process, so a frozen Redis costs one timeout per process every few
  seconds instead of one per call.

When the cache answers again after an outage, ``cache_recovered`` is sent; the page cache's
generation is bumped on it, because a publication during the outage could not bump it (its
pages would otherwise be served stale until they expire).

django-redis (``IGNORE_EXCEPTIONS``) ignores errors too, but waits for the socket timeout on
every call while Redis is frozen (several calls per page) and has no breaker; hence this class.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.dispatch import Signal
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("opencoop.operations.cache")

#: Sent (sender: the backend class) when the cache answers again after an outage.
cache_recovered = Signal()

DEFAULT_SOCKET_TIMEOUT = 0.3
DEFAULT_RETRY_AFTER = 5.0
DEFAULT_FALLBACK_SECONDS = 30.0
DEFAULT_FALLBACK_ENTRIES = 500
REMINDER_SECONDS = 60.0


@dataclass
class _Outage:
    """Breaker state of one Redis location in this process (shared by every thread)."""

    down_since: float | None = None  # monotonic time of the first failure of this outage
    retry_at: float = 0.0  # monotonic time before which the cache is not asked
    last_logged: float = 0.0
    failures: int = 0


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


def reset_state() -> None:
    """Forget every outage (tests that start and stop Redis servers use it)."""
    with _outages_lock:
        _outages.clear()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that answers from this process's memory while Redis is away.

    ``OPTIONS`` are those of Django's backend (passed to redis-py's connection pool), plus
    ``retry_after`` (seconds without asking Redis after an error, 5 by default),
    ``fallback_seconds`` (the longest an entry lives in memory meanwhile, 30) and
    ``fallback_entries`` (how many entries memory holds, 500).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        self.fallback_seconds = float(options.pop("fallback_seconds", DEFAULT_FALLBACK_SECONDS))
        fallback_entries = int(options.pop("fallback_entries", DEFAULT_FALLBACK_ENTRIES))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        # redis-py's default retries with back-off turn one lost call into seconds of waiting.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(self._location)
        # Shared by the threads of this process (local-memory caches are named stores).
        self._local = LocMemCache(
            f"opencoop-cache-fallback:{self._location}",
            {
                "TIMEOUT": self.fallback_seconds,
                "OPTIONS": {"MAX_ENTRIES": fallback_entries, "CULL_FREQUENCY": 3},
            },
        )

    # State ---------------------------------------------------------------------------------

    def is_available(self) -> bool:
        """Say whether the last call succeeded (or the breaker allows a new try)."""
        return self._outage.down_since is None or time.monotonic() >= self._outage.retry_at

    def _skipping(self) -> bool:
        outage = self._outage
        return outage.down_since is not None and time.monotonic() < outage.retry_at

    def _failed(self, operation: str, exc: Exception) -> None:
        outage = self._outage
        now = time.monotonic()
        outage.retry_at = now + self.retry_after
        outage.failures += 1
        if outage.down_since is None:
            outage.down_since = now
            outage.last_logged = now
            logger.warning(
                "Cache unavailable (%s on %s): pages, downloads and forms go on without it; "
                "asking again every %.0f s",
                type(exc).__name__,
                operation,
                self.retry_after,
            )
        elif now - outage.last_logged >= REMINDER_SECONDS:
            outage.last_logged = now
            logger.warning(
                "Cache still unavailable after %.0f s (%d failed calls, last %s)",
                now - outage.down_since,
                outage.failures,
                type(exc).__name__,
            )

    def _succeeded(self) -> None:
        outage = self._outage
        if outage.down_since is None:
            return
        lasted = time.monotonic() - outage.down_since
        outage.down_since = None
        outage.failures = 0
        self._local.clear()
        logger.warning("Cache available again after %.1f s", lasted)
        cache_recovered.send(sender=type(self))

    def _call(self, operation: str, args: tuple, local: Callable[[], Any]) -> Any:
        """Run ``operation`` on Redis; on an error, or while the breaker is open, ``local()``."""
        if self._outage.down_since is not None:
            if self._skipping():
                return local()
            # After an outage, a ping first: recovery (and the page cache bump it sends) comes
            # before this call, whose answer may then depend on it (the generation).
            try:
                self._cache.get_client(write=True).ping()
            except RedisError as exc:
                self._failed("ping", exc)
                return local()
            self._succeeded()
        try:
            return getattr(super(), operation)(*args)
        except RedisError as exc:
            self._failed(operation, exc)
            return local()

    def _cap(self, timeout: Any) -> float:
        """Return how long the fallback keeps an entry: never more than ``fallback_seconds``."""
        seconds = self.get_backend_timeout(timeout)
        return self.fallback_seconds if seconds is None else min(seconds, self.fallback_seconds)

    def health_check(self) -> None:
        """Write, read back and delete a key; raise the Redis error if any (breaker ignored)."""
        key = "opencoop:health"
        try:
            RedisCache.set(self, key, "ok", 10)
            if RedisCache.get(self, key) != "ok":
                raise RuntimeError("the cache did not return what was written")
            RedisCache.delete(self, key)
        except RedisError as exc:
            self._failed("health check", exc)
            raise
        self._succeeded()

    # Cache operations: those of RedisCache, each answered by the fallback on an error --------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local
        return self._call(
            "add",
            (key, value, timeout, version),
            lambda: local.add(key, value, self._cap(timeout), version),
        )

    def get(self, key, default=None, version=None):
        return self._call(
            "get", (key, default, version), lambda: self._local.get(key, default, version)
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local
        return self._call(
            "set",
            (key, value, timeout, version),
            lambda: local.set(key, value, self._cap(timeout), version),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local
        return self._call(
            "touch", (key, timeout, version), lambda: local.touch(key, self._cap(timeout), version)
        )

    def delete(self, key, version=None):
        return self._call("delete", (key, version), lambda: self._local.delete(key, version))

    def get_many(self, keys, version=None):
        return self._call("get_many", (keys, version), lambda: self._local.get_many(keys, version))

    def has_key(self, key, version=None):
        return self._call("has_key", (key, version), lambda: self._local.has_key(key, version))

    def incr(self, key, delta=1, version=None):
        # The fallback raises ValueError for a key it does not hold, as Redis does.
        return self._call(
            "incr", (key, delta, version), lambda: self._local.incr(key, delta, version)
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        local = self._local
        return self._call(
            "set_many",
            (data, timeout, version),
            lambda: local.set_many(data, self._cap(timeout), version),
        )

    def delete_many(self, keys, version=None):
        return self._call(
            "delete_many", (keys, version), lambda: self._local.delete_many(keys, version)
        )

    def clear(self):
        return self._call("clear", (), self._local.clear)


def cache_is_available(alias: str = "default") -> bool:
    """Say whether the cache ``alias`` is believed to answer (always true for other backends)."""
    from django.core.cache import caches

    backend = caches[alias]
    return backend.is_available() if isinstance(backend, ResilientRedisCache) else True


def _bump_page_cache(**kwargs: Any) -> None:
    from .pagecache import bump_generation

    bump_generation()


cache_recovered.connect(_bump_page_cache, dispatch_uid="opencoop-pagecache-after-outage")
