"""Drop the rows' search document and its GIN index: the words are kept in ``CatalogueWord``.

Every write of a row wrote the document and its index a second time, and nothing read them.
"""

from django.db import migrations

INDEX = "catalogue_row_search_gin"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("catalogue", "CatalogueRow")._meta.db_table)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_document)")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0008_catalogue_words")]

    operations = [
        migrations.RunPython(drop_index, create_index),
        migrations.RemoveField(model_name="cataloguerow", name="search_document"),
    ]
