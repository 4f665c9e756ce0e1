"""The default order's index covers what a page's rows are read for (PostgreSQL).

A page far into the list skips the rows before it in the index alone (an index-only scan),
without reading each skipped row from the table: the rows are wide (arrays, search document).
"""

from django.db import migrations

COVERING = (
    "CREATE INDEX IF NOT EXISTS catalogue_row_newest_covering ON catalogue_cataloguerow "
    "(start DESC NULLS LAST, record_id DESC, kind) INCLUDE (id, public_from, stale, authority_id)"
)
NEWEST = (
    "CREATE INDEX IF NOT EXISTS catalogue_row_newest ON catalogue_cataloguerow "
    "(start DESC NULLS LAST, record_id DESC)"
)


def cover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING)
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_row_newest")


def uncover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEWEST)
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_row_newest_covering")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0005_catalogue_counts")]

    operations = [migrations.RunPython(cover, uncover)]
