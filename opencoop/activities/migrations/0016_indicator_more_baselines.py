"""Keep every baseline of an indicator a file gives (IATI 2.03 allows several)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0015_iati_file_values_kept'),
    ]

    operations = [
        migrations.AddField(
            model_name='resultindicator',
            name='more_baselines',
            field=models.JSONField(blank=True, default=list, verbose_name='further baselines'),
        ),
    ]
