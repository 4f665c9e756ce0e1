"""Indexes the catalogue's queries need on PostgreSQL (other databases are left alone).

- The database search backend matches a query against ``title || body`` of its entries, while
  the indexes it creates cover each column alone: every word search read every entry.
- The catalogue's default order, newest first (``selectors.ORDERINGS["-start"]``): with this
  index a page reads its twenty rows instead of sorting every activity. SQLite cannot index
  ``NULLS LAST``, hence here rather than in ``Activity.Meta``.
"""

from django.db import migrations

INDEXES = {
    "catalogue_search_text_gin": ("wagtailsearch", "IndexEntry", "USING gin ((title || body))"),
    "catalogue_activity_newest": (
        "activities",
        "Activity",
        "((COALESCE(actual_start, planned_start, actual_end, planned_end)) DESC NULLS LAST, "
        "id DESC)",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (app, model, columns) in INDEXES.items():
        table = schema_editor.quote_name(apps.get_model(app, model)._meta.db_table)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("activities", "0005_verbose_names_plural"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
