"""Organisations now have drafts: the roles that changed them may also publish them.

Whether a given user may publish a given organisation is decided per organisation by
``opencoop.access.policy`` (a partner shared by several authorities is published only by a
reviewer or an administrator); the group permission only opens the door.
"""

from django.db import migrations

ROLES = ["Editor", "Reviewer", "Administrator"]


def grant_publish(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="organisations", model="organisation"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="publish_organisation",
        defaults={"name": "Can publish organisation"},
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0002_roles_and_review_workflow"),
        ("organisations", "0004_authority_collections"),
    ]

    operations = [migrations.RunPython(grant_publish, migrations.RunPython.noop)]
