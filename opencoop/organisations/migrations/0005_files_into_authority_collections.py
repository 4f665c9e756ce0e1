"""Move the documents and images already uploaded into their authority's collection.

A file goes where the records using it are: into an authority's collection when only that
authority's records use it. A file used by several authorities' records, or by none, stays where
it is (the root collection: the administrators'), and an administrator files it by hand.
"""

from django.db import migrations

# (app, attachment model, relation to the record) for documents; (app, model) for images.
DOCUMENT_LINKS = [
    ("activities", "DocumentLink", "activity"),
    ("initiatives", "InitiativeDocument", "initiative"),
    ("partnerships", "Agreement", "partnership"),
    ("plans", "PlanDocument", "plan"),
]
IMAGE_USERS = [("activities", "Activity")]


def _file(model, owners: dict[int, set[int]], collections: dict[int, int]) -> None:
    for file_id, authorities in owners.items():
        if len(authorities) == 1:
            collection_id = collections.get(next(iter(authorities)))
            if collection_id:
                model.objects.filter(pk=file_id).update(collection_id=collection_id)


def file_by_authority(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    collections = dict(
        Organisation.objects.filter(collection__isnull=False).values_list("pk", "collection_id")
    )
    if not collections:
        return
    owners: dict[int, set[int]] = {}
    for app_label, model_name, relation in DOCUMENT_LINKS:
        model = apps.get_model(app_label, model_name)
        rows = model.objects.filter(document__isnull=False).values_list(
            "document_id", f"{relation}__reporting_org_id"
        )
        for document_id, authority_id in rows:
            owners.setdefault(document_id, set()).add(authority_id)
    _file(apps.get_model("wagtaildocs", "Document"), owners, collections)

    owners = {}
    for app_label, model_name in IMAGE_USERS:
        model = apps.get_model(app_label, model_name)
        for image_id, authority_id in model.objects.filter(image__isnull=False).values_list(
            "image_id", "reporting_org_id"
        ):
            owners.setdefault(image_id, set()).add(authority_id)
    _file(apps.get_model("wagtailimages", "Image"), owners, collections)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_authority_collections"),
        ("activities", "0005_verbose_names_plural"),
        ("initiatives", "0002_stable_order"),
        ("partnerships", "0002_stable_order"),
        ("plans", "0002_stable_order"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(file_by_authority, migrations.RunPython.noop)]
