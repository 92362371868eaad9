"""Fill Post.approved_comment_count and pending_comment_count from the comments table.

blog/0004 added the pending count without filling it, and comments written outside
comments.services never updated either. Same definition as comments.counts, written against
the historical models (a migration must not import code that will change).
"""

from django.db import migrations
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


def _per_post(comments):
    counted = (
        comments.filter(post=OuterRef("pk")).order_by().values("post").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


def backfill(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Comment = apps.get_model("comments", "Comment")
    comments = Comment.objects.using(schema_editor.connection.alias)
    approved = "approved"
    in_public_threads = comments.filter(status=approved).filter(
        Q(parent__isnull=True)
        | Q(parent__status=approved, parent__parent__isnull=True)
        | Q(parent__status=approved, parent__parent__status=approved)
    )
    Post.objects.using(schema_editor.connection.alias).update(
        approved_comment_count=_per_post(in_public_threads),
        pending_comment_count=_per_post(comments.filter(status="pending")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_settings_row_and_staff_roles"),
        ("blog", "0004_post_pending_comment_count"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
