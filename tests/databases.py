"""SQL on the test cluster outside Django's connections, for tests that make databases of their own."""

from __future__ import annotations

import psycopg
from django.conf import settings


def primary_sql(sql: str, dbname: str = "postgres") -> object:
    """Run ``sql`` on the primary's ``dbname`` in autocommit; return its first value, if any."""
    primary = settings.DATABASES["default"]
    dsn = f"host={primary['HOST']} port={primary['PORT'] or 5432} user={primary['USER']}"
    with psycopg.connect(f"{dsn} dbname={dbname}", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None
