from django.db import migrations


def mark_kept_figures_dirty(apps, schema_editor):
    """Mark every authority's kept figures dirty: they lack the map's places.

    The places are now kept as table "places" (the map's, country "", and each country's) instead
    of "country-places"; until ``manage.py refresh_figures`` keeps them again, the pages read
    them afresh.
    """
    apps.get_model("stats", "FigureState").objects.update(dirty=True)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0004_country_orgs"),
    ]

    operations = [
        migrations.RunPython(mark_kept_figures_dirty, migrations.RunPython.noop),
    ]
