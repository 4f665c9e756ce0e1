"""Settings shared by every environment; environment variables are read only in this package."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "opencoop"
VAR_DIR = Path(os.environ.get("OPENCOOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,.localhost").split(",") if h
]

INSTALLED_APPS = [
    "opencoop.core",
    "opencoop.access",
    "opencoop.codelists",
    "opencoop.organisations",
    "opencoop.activities",
    "opencoop.initiatives",
    "opencoop.exchanges",
    "opencoop.partnerships",
    "opencoop.plans",
    "opencoop.pages",
    "opencoop.suggestions",
    "opencoop.iati",
    "opencoop.opendata",
    "opencoop.catalogue",
    "opencoop.stats",
    "opencoop.geography",
    "opencoop.atlas",
    "opencoop.operations",
    "opencoop.editorial",
    "opencoop.imports",
    "opencoop.jobs",
    "opencoop.harvest",
    "opencoop.demo",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # django-ninja's templates and Swagger UI files: the API docs load nothing from a CDN.
    "ninja",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "opencoop.editorial.users_app.UsersAppConfig",  # wagtail.users, roles named in Italian
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Wagtail says how long ago with humanize's naturaltime; its Italian ("22 secondi fa") is
    # loaded only with the app installed.
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First, so that every log line of the request carries its id.
    "opencoop.operations.middleware.RequestIdMiddleware",
    # Before anything reads the request: NUL bytes and broken UTF-8 get a 400.
    "opencoop.operations.middleware.RequestHygieneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "opencoop.operations.middleware.ContentSecurityPolicyMiddleware",
    "opencoop.operations.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opencoop.operations.middleware.DatabaseUnavailableMiddleware",
    # Before anything reads the database: public reads go to a replica when there is one.
    "opencoop.operations.replicas.ReplicaReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Once the language is known and before anything reads the body: an upload over the limit
    # is refused in the user's language without being read.
    "opencoop.operations.uploads.UploadLimitMiddleware",
    # After the language is known, before CSRF, sign-in and messages: see its docstring.
    "opencoop.operations.pagecache.PageCacheMiddleware",
    # An address in a language the site does not offer is redirected. After the page cache: a
    # hit costs nothing more, and a change of a site's languages starts a new cache generation.
    "opencoop.pages.languages.SiteLanguageMiddleware",
    # Pages the cache did not answer: their Wagtail site, remembered until content changes.
    "opencoop.pages.published.RememberedSiteMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: django-otp marks verified users; ours asks for the code in the admin.
    "django_otp.middleware.OTPMiddleware",
    "opencoop.operations.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opencoop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "opencoop.core.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "opencoop.wsgi.application"

# SQLite needs no set-up; DATABASE_URL (postgres://…) selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'opencoop.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the catalogue's and statistics' aggregates anew for each request
    # (measured: 2.4 s of a 2.8 s query at 10,000 activities); plain execution is faster here.
    # Random reads cost little on SSD or from memory: with the default cost (4) the planner
    # hashes whole child tables to count the facets of a few hundred matches (208 ms, not 93).
    # Statements PostgreSQL prepares (``core.queries.prepared_cursor``: the activity page's one
    # query for all its parts) are planned once, generically: custom plans re-planned it on every
    # execution, 2.0 ms of planning for 0.8 ms of work. Django's own statements are bound on
    # the client and never prepared, so this setting touches nothing else.
    #
    # No parallel workers by default (OPENCOOP_DB_PARALLEL_WORKERS): a portal answers many short
    # requests at once, and a worker helps one of them with processors the others are waiting
    # for. At 100,000 activities the catalogue's counts with two facets took 4.1 s for 100
    # queries by 4 clients with 2 workers each, 2.6-3.0 s with none (and no slower one at a
    # time); 20 concurrent users were served 41-42 answers/s with workers, 44-47 without.
    parallel = int(os.environ.get("OPENCOOP_DB_PARALLEL_WORKERS", "0"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "options": "-c jit=off -c random_page_cost=1.1 -c plan_cache_mode=force_generic_plan"
            f" -c max_parallel_workers_per_gather={parallel}",
            "prepare_threshold": 0,  # prepared on first use (psycopg; server-side binding only)
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` serves the admin while the jobs worker imports in one long transaction: with
    # write-ahead logging the web process still reads (a write of its own waits for the import).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL", "timeout": 20}
    )


def replica_databases(primary: dict) -> dict[str, dict]:
    """Return DATABASE_REPLICA_URL's streaming replicas of ``primary``: "replica", "replica_2"…

    Each is connected as the primary is (options, timeouts) and, in tests, mirrors it.
    """
    urls = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URL", "").split(",") if u.strip()]
    if urls and "postgresql" not in primary["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is set but DATABASE_URL is not PostgreSQL: replicas are "
            "PostgreSQL streaming replicas of a PostgreSQL primary."
        )
    replicas = {}
    for number, url in enumerate(urls, start=1):
        replica = dj_database_url.parse(url)
        if "postgresql" not in replica["ENGINE"]:
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URL: URL {number} of {len(urls)} ({url.split(':', 1)[0]}:…) "
                "is not PostgreSQL; each replica is a postgres://… streaming replica."
            )
        for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
            replica[key] = primary.get(key, replica[key])
        replica["OPTIONS"] = dict(primary.get("OPTIONS", {}))
        replica["TEST"] = {"MIRROR": "default"}
        replicas["replica" if number == 1 else f"replica_{number}"] = replica
    return replicas


# Public reads go to the replicas, everything else to the primary (docs/deploy.md, "Read replicas").
DATABASES.update(replica_databases(DATABASES["default"]))
DATABASE_ROUTERS = ["opencoop.operations.replicas.ReplicaRouter"]
# How long a client that wrote keeps reading from the primary: longer than any replica lags.
OPENCOOP_READ_YOUR_WRITES_SECONDS = int(os.environ.get("OPENCOOP_READ_YOUR_WRITES_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# A cache outage degrades the site, never breaks it (opencoop.operations.resilientcache): each
# call waits at most CACHE_TIMEOUT_MS, an error is logged and answered as by an empty cache, and
# Redis is not asked again for CACHE_RETRY_SECONDS.
CACHE_OPTIONS = {
    "socket_connect_timeout": int(os.environ.get("CACHE_TIMEOUT_MS", "300")) / 1000,
    "socket_timeout": int(os.environ.get("CACHE_TIMEOUT_MS", "300")) / 1000,
    "retry_after": float(os.environ.get("CACHE_RETRY_SECONDS", "5")),
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "opencoop.operations.resilientcache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The progress of background jobs, written by the worker while its transaction is still open
# (the job's own row cannot show it before the commit): shared by the web and worker processes.
CACHES["jobs"] = (
    {**CACHES["default"], "KEY_PREFIX": "jobs"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "job-progress"),
    }
)
# Public pages served to anonymous visitors from the cache (opencoop.operations.pagecache): an
# entry lives this many seconds unless a publication empties the cache first; 0 turns it off.
# The local-memory cache belongs to one process: with several workers use Redis (REDIS_URL).
OPENCOOP_PAGE_CACHE_SECONDS = int(os.environ.get("OPENCOOP_PAGE_CACHE_SECONDS", "600"))

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out username and address may try again after 15 min
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "opencoop.operations.network.client_ip"
AXES_LOCKOUT_CALLABLE = "opencoop.operations.views.login_locked_out"
# Two-factor sign-in (TOTP): asked of every editor who set up a device; OPENCOOP_2FA_REQUIRED
# makes every editor set one up before using the admin.
OPENCOOP_2FA_REQUIRED = env_bool("OPENCOOP_2FA_REQUIRED")
OTP_TOTP_ISSUER = os.environ.get("OPENCOOP_2FA_ISSUER", "OpenCoop")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Italian is the default language; URLs carry the language (/it/…, /en/…).
# More languages: OPENCOOP_LANGUAGES="it:Italiano,en:English,fr:Français" (the first is the default).
LANGUAGES = [
    tuple(item.split(":", 1))
    for item in os.environ.get("OPENCOOP_LANGUAGES", "it:Italiano,en:English").split(",")
]
LANGUAGE_CODE = LANGUAGES[0][0]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Images under MEDIA_ROOT served by the application when no front server does (docs/deploy.md).
OPENCOOP_SERVE_MEDIA = env_bool("OPENCOOP_SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "OpenCoop"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Full-text search: the database backend (PostgreSQL full-text search, SQLite FTS5). The
# "simple" configuration adds no stemming of its own: opencoop.catalogue.indexing stems each
# language's words. OPENCOOP_SEARCH_URL=https://host:9200 selects OpenSearch instead, for a
# national-scale atlas (it needs requirements/opensearch.txt; see docs/catalogue.md).
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
}
if os.environ.get("OPENCOOP_SEARCH_URL"):
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.opensearch3",
        "URLS": [os.environ["OPENCOOP_SEARCH_URL"]],
        "INDEX": os.environ.get("OPENCOOP_SEARCH_INDEX", "opencoop"),
    }
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "docx", "xlsx", "csv", "txt"]
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No Gravatar: avatars would send a hash of each staff e-mail address to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "opencoop@localhost")
# Review workflow e-mails (submitted, approved, changes requested) use Django's mail backend.
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# Anonymous visitors get no cookie: sessions and CSRF cookies exist only for forms and the admin.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions are the editors': they end when the browser closes, and after 8 hours at most.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 60 * 60

# Uploads: type checked by content, size capped, documents always downloaded (never rendered).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "opencoop.operations.uploads.DocumentForm"
WAGTAILIMAGES_IMAGE_FORM_BASE = "opencoop.operations.uploads.ImageForm"
OPENCOOP_MAX_DOCUMENT_SIZE = 20 * 1024 * 1024
# The largest request body the portal accepts, in MB: the admin upload forms (IATI and
# spreadsheet imports) refuse a larger file, in the browser before it is sent and on the server;
# UploadLimitMiddleware refuses a larger request by its Content-Length. docs/deploy.md gives
# nginx the same client_max_body_size (a test compares them).
OPENCOOP_MAX_UPLOAD_MB = 64
# Imports of larger uploads run as background jobs (opencoop.jobs); smaller ones in the request.
OPENCOOP_JOB_THRESHOLD_MB = 2
# Spreadsheet imports of more rows are applied by a background job.
OPENCOOP_JOB_THRESHOLD_ROWS = 500
# Larger uploads are written to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = OPENCOOP_JOB_THRESHOLD_MB * 1024 * 1024
# Long work (large imports, exports of a whole authority, re-indexing) is queued in the database
# and run by ``manage.py db_worker --backend jobs``; no broker. Wagtail's own small tasks
# (search and reference index updates on save) stay in the request, as before.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "jobs": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# Processes that write an authority's whole IATI file at once (the export job, ``iati_export``);
# a download streamed to a visitor is written by its own request alone.
OPENCOOP_EXPORT_PROCESSES = int(os.environ.get("OPENCOOP_EXPORT_PROCESSES", os.cpu_count() or 1))
# OECD DAC CRS export: the donor (country) and agency codes the national agency assigns.
OPENCOOP_CRS_DONOR_CODE = os.environ.get("OPENCOOP_CRS_DONOR_CODE", "")
OPENCOOP_CRS_AGENCY_CODE = os.environ.get("OPENCOOP_CRS_AGENCY_CODE", "")
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Pixels, not bytes, decide a thumbnail's memory: a 470 KB PNG of 121 megapixels held 680 MB.
# Pillow gets the same cap in every process (opencoop.operations.uploads.bound_image_decoding).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []

# Headers: a strict policy for public pages; see opencoop.operations.middleware for the others.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
OPENCOOP_ADMIN_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
OPENCOOP_DOCUMENT_CSP = {"default-src": ["'none'"], "sandbox": True}
OPENCOOP_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
OPENCOOP_CLIENT_IP_HEADER = os.environ.get("OPENCOOP_CLIENT_IP_HEADER", "")

# One JSON object per line on standard output, each with the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "opencoop.operations.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "opencoop.operations.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"opencoop": {"level": os.environ.get("OPENCOOP_LOG_LEVEL", "INFO")}},
}
