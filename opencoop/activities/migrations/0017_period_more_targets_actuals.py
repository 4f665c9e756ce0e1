"""Keep every target and actual of an indicator period a file gives (IATI 2.03 allows several)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0016_indicator_more_baselines'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicatorperiod',
            name='more_actuals',
            field=models.JSONField(blank=True, default=list, verbose_name='further actual values'),
        ),
        migrations.AddField(
            model_name='indicatorperiod',
            name='more_targets',
            field=models.JSONField(blank=True, default=list, verbose_name='further targets'),
        ),
    ]
