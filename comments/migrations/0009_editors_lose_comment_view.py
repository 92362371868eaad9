"""Commenters' e-mails, IPs and user agents are for moderators only: Editors no longer see comments.

0003 let Editors view the moderation queue; the queue shows every commenter's personal data, so
the Editors group gives the permission back. Moderators (and superusers) keep it.
"""

from django.db import migrations


def _editors_view_comment(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="comments", codename="view_comment"
    ).first()
    return Group.objects.filter(name="Editors"), permission


def forwards(apps, schema_editor):
    editors, permission = _editors_view_comment(apps)
    if permission is not None:
        for group in editors:
            group.permissions.remove(permission)


def backwards(apps, schema_editor):
    editors, permission = _editors_view_comment(apps)
    if permission is not None:
        for group in editors:
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("comments", "0008_hold_words")]

    operations = [migrations.RunPython(forwards, backwards)]
