"""Give every reporting authority its own collection of documents and images.

New authorities get theirs from ``opencoop.organisations.services.ensure_collection`` (called on
save); this migration does the same for the authorities that exist already.
"""

from django.db import migrations


def create_collections(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Collection = apps.get_model("wagtailcore", "Collection")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    for organisation in Organisation.objects.filter(is_reporting=True, collection__isnull=True):
        name = organisation.name.get("en") or organisation.name.get("it") or organisation.slug
        # Treebeard's add_child is not available on historical models: build the node by hand.
        last = Collection.objects.filter(path__startswith=root.path, depth=2).order_by("-path").first()
        step = len(root.path)
        number = int(last.path[step:], 36) + 1 if last else 1
        path = root.path + _base36(number).rjust(4, "0")
        collection = Collection.objects.create(name=name, path=path, depth=2, numchild=0)
        Collection.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)
        root.numchild += 1
        Organisation.objects.filter(pk=organisation.pk).update(collection=collection)


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_drafts_and_collection"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_collections, migrations.RunPython.noop)]
