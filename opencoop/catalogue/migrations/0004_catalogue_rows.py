"""The catalogue's rows, with GIN indexes on their facet arrays and search document (PostgreSQL).

Fill the table with ``manage.py rebuild_catalogue_rows`` after migrating; publications keep it.
SQLite stores the arrays as JSON and the document as text: no index there.
"""

import django.db.models.deletion
from django.db import migrations, models

import opencoop.catalogue.fields

ARRAYS = (
    "years",
    "regions",
    "countries",
    "sector_groups",
    "sectors",
    "sdgs",
    "sdg_targets",
    "markers",
    "partners",
)
INDEXES = {
    **{f"catalogue_row_{column}_gin": f"USING gin ({column})" for column in ARRAYS},
    "catalogue_row_search_gin": "USING gin (search_document)",
    # The first page of the default order, newest first, read from the index.
    "catalogue_row_newest": '(start DESC NULLS LAST, record_id DESC)',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("catalogue", "CatalogueRow")._meta.db_table)
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0003_searchterm'),
        ('organisations', '0007_default_language'),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=12)),
                ('record_id', models.BigIntegerField()),
                ('public_from', models.DateField()),
                ('status', models.CharField(blank=True, max_length=3)),
                ('partnership_id', models.BigIntegerField(blank=True, null=True)),
                ('years', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('regions', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('countries', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('sector_groups', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('sectors', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('sdgs', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('sdg_targets', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('markers', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('partners', opencoop.catalogue.fields.FacetKeysField(blank=True, default=list)),
                ('title', models.JSONField(blank=True, default=dict)),
                ('start', models.DateField(blank=True, null=True)),
                ('end', models.DateField(blank=True, null=True)),
                ('search_document', opencoop.catalogue.fields.SearchDocumentField(blank=True, editable=False, null=True)),
                ('stale', models.BooleanField(db_index=True, default=False)),
                ('authority', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisations.organisation')),
            ],
            options={
                'verbose_name': 'catalogue row',
                'indexes': [models.Index(fields=['authority', 'public_from'], name='catalogue_row_scope')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'record_id'), name='catalogue_row_unique')],
            },
        ),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
