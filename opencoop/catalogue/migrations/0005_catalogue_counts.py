"""The catalogue's counts kept per key, counted once from the rows already written.

From then on ``rows`` keeps them in the transaction that writes the rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def count_rows(apps, schema_editor):
    from opencoop.catalogue import rows

    rows.recount(pairs=False)  # the pair counts' table comes with migration 0011


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0004_catalogue_rows'),
        ('organisations', '0007_default_language'),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=12)),
                ('public_from', models.DateField()),
                ('facet', models.CharField(max_length=16)),
                ('facet_key', models.CharField(max_length=64)),
                ('n', models.IntegerField()),
                ('authority', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisations.organisation')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('authority', 'kind', 'public_from', 'facet', 'facet_key'), name='catalogue_count_unique')],
            },
        ),
        migrations.RunPython(count_rows, migrations.RunPython.noop),
    ]
