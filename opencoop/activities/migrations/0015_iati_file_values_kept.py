"""Keep what a file gives that the edit page does not show: a place's own reference, the
activity's linked-data address and the contact entries given empty."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0014_iati_stated_values'),
    ]

    operations = [
        migrations.AddField(
            model_name='activity',
            name='contact_empty',
            field=models.JSONField(blank=True, default=list, verbose_name='contact entries given empty'),
        ),
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
