"""Create the one ModerationSettings row, and let Editors see (not moderate) the comment queue."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("comments", "ModerationSettings").objects.get_or_create(pk=1)
    app_config = apps.get_app_config("comments")
    app_config.models_module = True  # the migration state's stub lacks it; create_permissions needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        Permission.objects.get(content_type__app_label="comments", codename="view_comment")
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(
            *editors.permissions.filter(content_type__app_label="comments", codename="view_comment")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_moderators_group"),
        ("blog", "0003_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
