"""What a gunicorn worker does once it has loaded the portal, before its first request."""

from __future__ import annotations

import gc

from opencoop.operations import gunicorn_config


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
