from django.db import migrations, models

INDEX = models.Index(
    models.F("reporting_org"),
    models.OrderBy(models.F("last_published_at"), descending=True, nulls_last=True),
    models.OrderBy(models.F("id"), descending=True),
    name="activity_newest_of_authority",
)


def add_index(apps, schema_editor):
    # SQLite cannot index "NULLS LAST"; its databases are small enough to sort instead.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("activities", "Activity"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("activities", "Activity"), INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0018_other_vocabularies_kept"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="activity", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
