from django.db import migrations


def clear_moderator_of_pending(apps, schema_editor):
    # An undo used to send a comment back to pending with the moderator who had decided it;
    # a pending comment is undecided, so it names nobody (comments.services.moderate()).
    Comment = apps.get_model("comments", "Comment")
    Comment.objects.filter(status="pending").exclude(moderated_by=None, moderated_at=None).update(
        moderated_by=None, moderated_at=None
    )


class Migration(migrations.Migration):
    dependencies = [("comments", "0017_comment_page_starts")]

    operations = [migrations.RunPython(clear_moderator_of_pending, migrations.RunPython.noop)]
