"""Create the editorial roles (groups and their permissions) and the "Review" workflow.

Wagtail's own "Editors" and "Moderators" groups become "Editor" and "Reviewer" (keeping their
page and collection permissions); "Administrator" and "Partner" are added. Permissions that
Django and Wagtail would only create after migrating are created here when missing.
"""

from django.db import migrations

RECORDS = [
    ("activities", "activity"),
    ("initiatives", "initiative"),
    ("exchanges", "exchange"),
    ("partnerships", "partnership"),
    ("plans", "annualplan"),
]
ALL_RECORD_ACTIONS = ["add", "change", "delete", "view", "publish", "lock", "unlock"]

# role → {(app_label, model): [actions]}; records are listed once for every record model.
ROLE_RECORD_ACTIONS = {
    "Editor": ["add", "change", "lock"],
    "Reviewer": ["add", "change", "publish", "lock", "unlock"],
    "Administrator": ALL_RECORD_ACTIONS,
    "Partner": [],
}
ROLE_OTHER_PERMISSIONS = {
    "Editor": {("organisations", "organisation"): ["add", "change"]},
    "Reviewer": {("organisations", "organisation"): ["add", "change"]},
    "Administrator": {
        ("organisations", "organisation"): ["add", "change", "delete", "view"],
        ("editorial", "editorialmembership"): ["add", "change", "delete", "view"],
        ("imports", "importrun"): ["add", "change", "view"],
        ("core", "portalsettings"): ["change"],
        ("auth", "user"): ["add", "change", "delete"],
        ("wagtailcore", "workflow"): ["add", "change", "delete"],
        ("wagtailcore", "task"): ["add", "change", "delete"],
    },
    "Partner": {("activities", "activity"): ["change"]},
}
ROLE_PAGE_ACTIONS = {
    "Editor": ["add", "change", "lock"],
    "Reviewer": ["add", "change", "publish", "lock", "unlock"],
    "Administrator": ["add", "change", "publish", "bulk_delete", "lock", "unlock"],
    "Partner": [],
}
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", "document", ["add", "change", "choose"]),
    ("wagtailimages", "image", ["add", "change", "choose"]),
]
COLLECTION_ROLES = ["Editor", "Reviewer", "Administrator"]
RENAMED = {"Editors": "Editor", "Moderators": "Reviewer"}


def _permission(apps, app_label, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    codename = f"{action}_{model}"
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": f"Can {action.replace('_', ' ')} {model}"},
    )
    return permission


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for old, new in RENAMED.items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_RECORD_ACTIONS}

    access_admin = _permission(apps, "wagtailadmin", "admin", "access")
    for name, group in groups.items():
        permissions = [access_admin]
        for app_label, model in RECORDS:
            for action in ROLE_RECORD_ACTIONS[name]:
                permissions.append(_permission(apps, app_label, model, action))
        for (app_label, model), actions in ROLE_OTHER_PERMISSIONS[name].items():
            for action in actions:
                permissions.append(_permission(apps, app_label, model, action))
        group.permissions.add(*permissions)

    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.filter(depth=1).first()
    if root is not None:
        for name, actions in ROLE_PAGE_ACTIONS.items():
            for action in actions:
                GroupPagePermission.objects.get_or_create(
                    group=groups[name],
                    page=root,
                    permission=_permission(apps, "wagtailcore", "page", action),
                )

    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for name in COLLECTION_ROLES:
            for app_label, model, actions in COLLECTION_PERMISSIONS:
                for action in actions:
                    GroupCollectionPermission.objects.get_or_create(
                        group=groups[name],
                        collection=root_collection,
                        permission=_permission(apps, app_label, model, action),
                    )


def create_review_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Page = apps.get_model("wagtailcore", "Page")
    ReviewTask = apps.get_model("editorial", "ReviewTask")

    task_type, _ = ContentType.objects.get_or_create(app_label="editorial", model="reviewtask")
    task = ReviewTask.objects.filter(name="Review").first()
    if task is None:
        task = ReviewTask.objects.create(name="Review", content_type=task_type, active=True)
    task.groups.add(Group.objects.get(name="Reviewer"))
    workflow, _ = Workflow.objects.get_or_create(name="Review", defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task_id=task.pk, defaults={"sort_order": 0})

    for app_label, model in RECORDS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        WorkflowContentType.objects.update_or_create(
            content_type=content_type, defaults={"workflow": workflow}
        )

    root = Page.objects.filter(depth=1).first()
    if root is not None:
        previous = WorkflowPage.objects.filter(page=root).values_list("workflow_id", flat=True)
        replaced = list(previous)
        WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
        # Wagtail's default "Moderators approval" is no longer used anywhere: switch it off.
        for workflow_id in replaced:
            if workflow_id != workflow.pk and not WorkflowPage.objects.filter(
                workflow_id=workflow_id
            ).exists():
                Workflow.objects.filter(pk=workflow_id).update(active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("imports", "0001_initial"),
        ("activities", "0002_initial"),
        ("initiatives", "0001_initial"),
        ("exchanges", "0001_initial"),
        ("partnerships", "0001_initial"),
        ("plans", "0001_initial"),
        ("organisations", "0001_initial"),
        ("core", "0001_initial"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_review_workflow, migrations.RunPython.noop),
    ]
