"""Settings of scripts/bench.py: the local settings with DEBUG off, plus a minimal view.

The minimal view (``/bench/minimal/``) goes through the same middleware and server as the
portal's pages, so that a page's throughput can be given as a share of the stack's own.
"""

from .dev import *

DEBUG = False
ROOT_URLCONF = "opencoop.operations.bench_urls"
