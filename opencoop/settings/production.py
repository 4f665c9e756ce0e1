"""Production settings: secrets only from the environment, fail fast when one is missing.

Every variable is described in docs/deploy.md.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *


def required(name: str) -> str:
    """Return environment variable ``name`` or stop with a message that names it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment for production (see docs/deploy.md)."
        )
    return value


SECRET_KEY = required("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 varied characters long.")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in required("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# PostgreSQL only. Health checks reopen a connection that died with a database restart, so the
# site recovers by itself; a short connect timeout turns an outage into a quick 503.
DATABASES = {
    "default": dj_database_url.parse(
        required("DATABASE_URL"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
    os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
)
DATABASES.update(replica_databases(DATABASES["default"]))

# A cache shared by every app server (sessions stay in the database); the site works without
# it, slower (docs/deploy.md, “Faults”).
REDIS_URL = required("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "opencoop.operations.resilientcache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "opencoop"),
        # Short timeouts, errors logged and ignored, a breaker: see base.py and docs/deploy.md.
        "OPTIONS": CACHE_OPTIONS,
    }
}
# The progress of background jobs (see base.py), in the same Redis under its own prefix.
CACHES["jobs"] = {**CACHES["default"], "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + "-jobs"}

# Media on local disk (MEDIA_ROOT) by default; OPENCOOP_MEDIA_STORAGE=s3 puts it in an
# S3-compatible bucket through django-storages. Documents are still served by Django
# (WAGTAILDOCS_SERVE_METHOD), so privacy settings and safe headers apply.
OPENCOOP_MEDIA_STORAGE = os.environ.get("OPENCOOP_MEDIA_STORAGE", "local")
if OPENCOOP_MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": required("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": os.environ.get("AWS_LOCATION", "media"),
        },
    }
elif OPENCOOP_MEDIA_STORAGE != "local":
    raise ImproperlyConfigured("OPENCOOP_MEDIA_STORAGE must be “local” or “s3”.")

# Search: OPENCOOP_SEARCH_URL (read in base.py) switches to OpenSearch; see docs/deploy.md.

# HTTPS everywhere: the reverse proxy terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The health endpoint is probed over plain HTTP by load balancers on the private network.
SECURE_REDIRECT_EXEMPT = [r"^operations/health/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# "__Host-" makes browsers refuse the cookie unless it is Secure, host-only and for path "/".
SESSION_COOKIE_NAME = "__Host-opencoop-session"

# Every editor must set up two-factor sign-in unless the operator turns it off (docs/deploy.md).
OPENCOOP_2FA_REQUIRED = env_bool("OPENCOOP_2FA_REQUIRED", True)
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
