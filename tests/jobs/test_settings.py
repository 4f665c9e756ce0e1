"""Production settings give the jobs their database queue and a progress cache in Redis."""

from __future__ import annotations

from tests.security.test_production_settings import GOOD_ENV, run_python


def test_production_queues_jobs_in_the_database_and_keeps_progress_in_redis():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s;"
        "from django.core.cache import caches;"
        "print(s.TASKS['jobs']['BACKEND'], s.CACHES['jobs']['BACKEND'],"
        " s.CACHES['jobs']['LOCATION'] == s.CACHES['default']['LOCATION'],"
        " s.CACHES['jobs']['KEY_PREFIX'] != s.CACHES['default']['KEY_PREFIX'],"
        " type(caches['jobs']).__name__)",
        **GOOD_ENV,
    )
    assert result.stdout.split() == [
        "django_tasks_db.DatabaseBackend",
        "opencoop.operations.resilientcache.ResilientRedisCache",
        "True",
        "True",
        "ResilientRedisCache",
    ], result.stderr
