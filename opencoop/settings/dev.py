"""Settings for a local run: SQLite and the local-memory cache unless told otherwise."""

from .base import *

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

# The SQLite file and media live in var/: create it on the first run of a fresh clone.
VAR_DIR.mkdir(parents=True, exist_ok=True)
