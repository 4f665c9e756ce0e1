"""Settings for the test suite (PostgreSQL when DATABASE_URL is set, as in CI)."""

from .base import *

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
MEDIA_ROOT = VAR_DIR / "test-media"
WAGTAILADMIN_BASE_URL = "http://testserver"
# The page cache is off, so that a test reading a page after a change needs no cache handling;
# tests/operations/test_pagecache.py turns it on.
OPENCOOP_PAGE_CACHE_SECONDS = 0
# The progress of jobs in this process's memory; the jobs themselves still go through the
# database backend, and tests run the worker (tests/jobs).
CACHES["jobs"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jobs"}
