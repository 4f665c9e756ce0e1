"""Settings of scripts/page_budget.py: the shared settings, DEBUG off, with compressed answers.

In production the reverse proxy compresses pages (nginx's ``gzip on``, docs/deploy.md) and
WhiteNoise serves the static files pre-compressed. The measured site has no proxy in front, so
Django's GZipMiddleware stands in for it: Lighthouse then rates what a visitor receives.
"""

from .base import *

DEBUG = False
# First in the list so that it compresses the answer every other middleware has finished with.
MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]
