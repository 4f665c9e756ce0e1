"""What the portal asks of PostgreSQL on each connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_connection_plans_without_parallel_workers_or_jit():
    """Many short requests at once: a query's parallel workers take the processors others
    wait for, so none are started; nor is JIT compiling the counts anew for each request."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_parallel_workers_are_a_setting_of_the_deployment():
    """A deployment with processors to spare may allow them (OPENCOOP_DB_PARALLEL_WORKERS)."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://portal@db.example.org:5432/portal",
        "OPENCOOP_DB_PARALLEL_WORKERS": "2",
        "DJANGO_SETTINGS_MODULE": "opencoop.settings.base",
    }
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS']['options'])",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-c max_parallel_workers_per_gather=2" in printed
    assert "-c jit=off" in printed
