"""Keep a place's own reference and the activity's linked-data address as a file gives them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0014_iati_stated_values'),
    ]

    operations = [
        migrations.AddField(
            model_name='activity',
            name='linked_data_uri',
            field=models.CharField(blank=True, max_length=500, null=True, verbose_name='linked data address'),
        ),
        migrations.AddField(
            model_name='location',
            name='ref',
            field=models.CharField(blank=True, max_length=500, null=True, verbose_name="publisher's reference"),
        ),
    ]
