"""Production settings: secrets from the environment only, and `check --deploy` finds nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "opencoop.settings.production",
    "SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
    "ALLOWED_HOSTS": "coop.example.org",
    "DATABASE_URL": "postgres://opencoop@127.0.0.1:5432/opencoop",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # The nginx set-up of docs/deploy.md; left unset, `check --deploy` warns (opencoop.W001).
    "OPENCOOP_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD_ENV and k != "OPENCOOP_2FA"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing():
    result = run_python(
        "import django, sys; from django.core.management import call_command; django.setup();"
        "call_command('check', deploy=True, fail_level='WARNING')",
        **GOOD_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_a_missing_secret_stops_start_up_and_is_named(missing):
    env = {k: v for k, v in GOOD_ENV.items() if k != missing}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert f"{missing} must be set in the environment" in result.stderr


def test_sqlite_is_refused_in_production():
    result = run_python(
        "import django; django.setup()", **{**GOOD_ENV, "DATABASE_URL": "sqlite:///x"}
    )
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


def test_production_reconnects_after_a_database_restart_and_uses_redis():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.DEBUG,"
        " s.CACHES['default']['BACKEND'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.CACHES['default']['OPTIONS']['socket_timeout'])",
        **GOOD_ENV,
    )
    assert result.stdout.split() == [
        "True",
        "False",
        "opencoop.operations.resilientcache.ResilientRedisCache",
        "True",
        "True",
        "0.3",
    ]


def test_s3_media_storage_is_configured_by_a_setting_without_network():
    env = {
        **GOOD_ENV,
        "OPENCOOP_MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "coop-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        "AWS_S3_CUSTOM_DOMAIN": "media.example.org",
        "AWS_ACCESS_KEY_ID": "id",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    result = run_python(
        "import django; django.setup(); from django.core.files.storage import storages; d = storages['default'];"
        "print(type(d).__name__, d.bucket_name, d.url('documents/report.pdf'))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    name, bucket, url = result.stdout.split()
    assert (name, bucket) == ("S3Storage", "coop-media")
    assert url == "https://media.example.org/media/documents/report.pdf"
