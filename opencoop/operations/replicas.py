"""Public reads from PostgreSQL streaming replicas; everything else on the primary.

With ``DATABASE_REPLICA_URL`` set (aliases ``replica``, ``replica_2``, … in settings), a request
is a *public read* when it is a ``GET`` or ``HEAD`` outside the admin, carries no session cookie
(editors always have one; anonymous visitors never get one) and no read-your-writes cookie. Its
queries go to one replica, picked at random for the whole request so that its reads agree.

Everything else reads and writes on the primary (``default``): the admin, signed-in users,
sessions, sign-in lockouts, two-factor devices, background jobs, migrations, reads inside a
transaction of the primary, and the rest of a public read once it has written something. A
client that sent a ``POST`` (or another unsafe method) gets a cookie that keeps its reads on the
primary for ``OPENCOOP_READ_YOUR_WRITES_SECONDS``, longer than any replica should lag, so it
reads its own writes. Without replicas nothing here changes anything.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

REPLICA_ALIAS = "replica"
READ_YOUR_WRITES_COOKIE = "opencoop_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# The back office, whatever the session says.
PRIMARY_PATHS = ("/admin/", "/django-admin/")
# Tables whose rows a request may have written a moment ago, or that decide who may do what:
# sessions, django-axes' lockouts, django-otp's devices, django-tasks' job queue.
PRIMARY_APPS = frozenset(
    {"sessions", "axes", "otp_totp", "otp_static", "django_otp", "django_tasks_database"}
)


@dataclass
class PublicRead:
    """The replica a public read uses, until the request writes something."""

    replica: str
    wrote: bool = False


_public_read: ContextVar[PublicRead | None] = ContextVar("opencoop_public_read", default=None)


def is_replica(alias: str) -> bool:
    return alias == REPLICA_ALIAS or alias.startswith(f"{REPLICA_ALIAS}_")


def replica_aliases() -> list[str]:
    """Return the configured replicas' aliases (none without ``DATABASE_REPLICA_URL``)."""
    return [alias for alias in settings.DATABASES if is_replica(alias)]


def is_public_read(request: HttpRequest) -> bool:
    """Say whether ``request`` may read from a replica (see the module's docstring)."""
    return (
        request.method in SAFE_METHODS
        and not request.path_info.startswith(PRIMARY_PATHS)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and READ_YOUR_WRITES_COOKIE not in request.COOKIES
    )


def reading_alias() -> str:
    """Return the alias the current request reads from: a replica or ``default``."""
    state = _public_read.get()
    if state is None or state.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return state.replica


def reads_replica() -> bool:
    """Say whether the current request's model reads go to a replica."""
    return reading_alias() != DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """Return the connection for raw SQL that only reads (what the router picks for models)."""
    return connections[reading_alias()]


class ReplicaRouter:
    """Send a public read's queries to its replica and every other query to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS
        # Explicit, so that an object read from a replica does not pull later reads there.
        return reading_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Also asked by get_or_create() and select_for_update() before they read: these reads
        # go to the primary, and only a statement that writes (see _noting_writes) moves the
        # rest of the request there.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replicas hold the primary's rows: an object read from either may point to the other.
        same_data = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if is_replica(db) else None


WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _noting_writes(state: PublicRead) -> Callable[..., Any]:
    """Return an execute wrapper of the primary that notes when ``state``'s request writes."""

    def execute(run: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not state.wrote and WRITE_RE.match(sql):
            # What it wrote is not on the replica yet: read the rest of the request on the primary.
            state.wrote = True
        return run(sql, params, many, context)

    return execute


def _streamed_on(state: PublicRead, chunks: Iterable[Any]) -> Iterator[Any]:
    """Produce each chunk of a streamed download inside the public read it belongs to."""
    iterator = iter(chunks)
    while True:
        token = _public_read.set(state)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _public_read.reset(token)
        yield chunk


class ReplicaReadMiddleware:
    """Mark public reads for the router; keep a client that just wrote on the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        replicas = replica_aliases()
        if not replicas:
            return self.get_response(request)
        if not is_public_read(request):
            response = self.get_response(request)
            if request.method not in SAFE_METHODS:
                response.set_cookie(
                    READ_YOUR_WRITES_COOKIE,
                    "1",
                    max_age=settings.OPENCOOP_READ_YOUR_WRITES_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
        state = PublicRead(replica=random.choice(replicas))
        token = _public_read.set(state)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(_noting_writes(state)):
                response = self.get_response(request)
        finally:
            _public_read.reset(token)
        # A download streamed from a generator is read after this returns: keep it on the replica.
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            response.streaming_content = _streamed_on(state, response.streaming_content)
        return response
