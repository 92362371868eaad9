"""Create the Editors and Authors groups.

Editors run the blog: every post, publishing, share links and tags. Authors write: they may add
and change posts, and the admin (blog/admin.py) narrows that to their own drafts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "blog": [
        "add_post",
        "change_post",
        "delete_post",
        "view_post",
        "publish_post",
        "add_previewlink",
        "change_previewlink",
        "delete_previewlink",
        "view_previewlink",
    ],
    "taggit": [
        "add_tag",
        "change_tag",
        "delete_tag",
        "view_tag",
        "add_taggeditem",
        "change_taggeditem",
        "delete_taggeditem",
        "view_taggeditem",
    ],
}

AUTHOR_PERMISSIONS = {"blog": ["add_post", "change_post", "view_post"]}


def ensure_permissions(apps, app_label):
    # Permissions are normally created after all migrations; make sure these exist now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # the migration state's stub lacks it; create_permissions needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None


def grant(apps, group_name, permissions):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, codenames in permissions.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )


def create_roles(apps, schema_editor):
    ensure_permissions(apps, "blog")
    ensure_permissions(apps, "taggit")
    grant(apps, "Editors", EDITOR_PERMISSIONS)
    grant(apps, "Authors", AUTHOR_PERMISSIONS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Authors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0002_alter_post_summary"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
