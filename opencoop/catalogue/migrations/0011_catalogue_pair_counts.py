"""The catalogue's pair counts (one key of a facet among the rows holding one key of another),
counted once from the rows already written; from then on ``rows`` keeps them with the others.
"""

import django.db.models.deletion
from django.db import migrations, models


def count_rows(apps, schema_editor):
    from opencoop.catalogue import rows

    rows.recount()


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0010_title_words_index'),
        ('organisations', '0007_default_language'),
    ]

    operations = [
        migrations.CreateModel(
            name='CataloguePairCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=12)),
                ('public_from', models.DateField()),
                ('given_facet', models.CharField(max_length=16)),
                ('given_key', models.CharField(max_length=64)),
                ('facet', models.CharField(max_length=16)),
                ('facet_key', models.CharField(max_length=64)),
                ('n', models.IntegerField()),
                ('authority', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisations.organisation')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('given_facet', 'given_key', 'facet', 'facet_key', 'authority', 'kind', 'public_from'), name='catalogue_pair_count_unique')],
            },
        ),
        migrations.RunPython(count_rows, migrations.RunPython.noop),
    ]
