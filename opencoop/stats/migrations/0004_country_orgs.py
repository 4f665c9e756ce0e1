from django.db import migrations


def mark_kept_figures_dirty(apps, schema_editor):
    """Mark every authority's kept figures dirty: they lack each country's organisations.

    Until ``manage.py refresh_figures`` keeps them again, the pages read them afresh.
    """
    apps.get_model("stats", "FigureState").objects.update(dirty=True)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_kept_totals"),
    ]

    operations = [
        migrations.RunPython(mark_kept_figures_dirty, migrations.RunPython.noop),
    ]
