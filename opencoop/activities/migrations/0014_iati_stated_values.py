"""Keep what a file states: a "no" secondary reporter, an empty policy significance."""

import opencoop.codelists.fields
from django.db import migrations, models


def unstated(apps, schema_editor):
    """Mark as unstated what was stored as "no" or "": until now both meant "not written"."""
    apps.get_model("activities", "Activity").objects.filter(secondary_reporter=False).update(
        secondary_reporter=None
    )
    apps.get_model("activities", "PolicyMarker").objects.filter(significance="").update(
        significance=None
    )


def stated(apps, schema_editor):
    apps.get_model("activities", "Activity").objects.filter(secondary_reporter=None).update(
        secondary_reporter=False
    )
    apps.get_model("activities", "PolicyMarker").objects.filter(significance=None).update(
        significance=""
    )


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0013_participant_activity_id'),
    ]

    operations = [
        migrations.AlterField(
            model_name='activity',
            name='secondary_reporter',
            field=models.BooleanField(blank=True, default=None, help_text='The reporting organisation publishes this activity for another that carries it out.', null=True, verbose_name='reported by a secondary reporter'),
        ),
        migrations.AlterField(
            model_name='policymarker',
            name='significance',
            field=opencoop.codelists.fields.CodelistField(blank=True, codelist='PolicySignificance', max_length=20, null=True, verbose_name='significance'),
        ),
        migrations.RunPython(unstated, stated),
    ]
