"""Gunicorn settings: ``gunicorn -c python:opencoop.operations.gunicorn_config opencoop.wsgi``.

Each value can be changed through the environment (see docs/deploy.md).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per processor and one more, each answering one request at a time. Rendering a page
# is processor work: more requests at once than processors only share them, so every answer
# waits longer, the longest most, and two threads of one worker also wait for each other's
# interpreter lock. 20 users on uncached pages at 100,000 activities, 2 processors, runs in
# turns (scripts/bench_notes.md): p95 5 workers x 2 threads 594-867 ms (6 runs, median 699),
# 3 x 2 526-586 (4 runs), 3 x 1 436-734 (15 runs, median 524). A request that streams a large
# download holds its worker until the end: a site whose visitors download whole catalogues at
# once raises GUNICORN_THREADS or GUNICORN_WORKERS.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread"
# A worker takes a connection only when one of its threads is free; the others wait in the
# listening socket's queue for the first worker that is. By default a gthread worker accepts up
# to 1,000 connections and queues them behind its own threads, and a kept-alive connection stays
# with the worker that took it: under 20 concurrent clients one of the five workers held 10 to
# all 20 connections while others idled (scripts/bench_notes.md, issue 20).
worker_connections = threads
# Each connection is closed after its answer, so that the next request goes to a free worker
# (nginx opens a connection a request to gunicorn anyway): a kept-alive idle connection would
# hold a thread's place. Gunicorn closes them by itself once worker_connections is threads.
keepalive = 0
# A worker whose main loop stalls this long is restarted. Requests run on its threads, so a
# slow request itself is not cut off here: nginx's proxy_read_timeout gives up on it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Restart workers now and then, so that a slow leak never grows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The access log as JSON lines too, with the request id the app put on the response.
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s, '
    '"request_id": "%({x-request-id}o)s"}'
)


def post_worker_init(worker) -> None:
    """Load what first requests would (``warmup``), then keep the collector's passes short.

    A full collection visited every object the process holds (Django, Wagtail, the URL patterns
    and the API's schemas: about 260,000 once loaded), 230–270 ms of processor, about one API
    list in twenty. What is loaded now lives as long as the worker: frozen, passes visit only
    what requests made since. The first generation is collected after 20,000 new objects
    rather than 700, so that a request's short-lived objects are mostly gone before a pass
    and are not promoted to be visited again (83 API pages: 1.3 s of collection, 0.3–0.4 s).
    """
    import gc
    import logging

    from django.db import connections

    from opencoop.operations.warmup import warm_up, warm_up_pages

    warm_up()  # URL conf, API schemas, templates, search words: loaded before any request
    # One page of each kind, as a visitor would ask: what pages remember, Python's first calls.
    # Only in the workers the server starts with (a deploy): one that ``max_requests`` replaces
    # starts while the others serve, and at cached-page rates (2,000 answers a second, three
    # workers) that is every few seconds; its first page of each kind costs it 20-100 ms more.
    if worker is None or worker.age <= worker.cfg.workers:
        warmed = warm_up_pages(between=getattr(worker, "notify", None))
        connections.close_all()  # requests run on the worker's threads, each with its own
        logging.getLogger("opencoop.operations.warmup").info(
            "warmed up with %d pages in %.1f s", len(warmed["answers"]), warmed["seconds"]
        )
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
