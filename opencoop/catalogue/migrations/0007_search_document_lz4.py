"""Search documents compressed with lz4 rather than pglz (PostgreSQL 14 and later).

A word search that PostgreSQL answers by reading the rows (a word found in many of them, as the
planner prices its index) decompresses every row's document: pglz took more than half of that
time at 10,000 rows, lz4 decompresses several times faster. Documents already written are
written again, as their text, so that they are stored the new way; a server built without lz4
keeps pglz (same answers, slower).
"""

from django.db import migrations

TABLE = "catalogue_cataloguerow"


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:  # a server built without lz4
            return
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_document SET COMPRESSION lz4")
    schema_editor.execute(
        f"UPDATE {TABLE} SET search_document = search_document::text::tsvector "
        "WHERE pg_column_compression(search_document) = 'pglz'"
    )


def use_pglz(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql" and connection.pg_version >= 140000:
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN search_document SET COMPRESSION pglz"
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0006_catalogue_row_newest_covering")]

    operations = [migrations.RunPython(use_lz4, use_pglz)]
