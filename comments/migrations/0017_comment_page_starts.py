"""Comment.starts_page: where each post's comment pages start (comments.counts), filled here.

The same walk as comments.counts.page_starts, written out: a migration must not import code
that will change.
"""

from itertools import groupby, islice

from django.conf import settings
from django.db import migrations, models


def mark_page_starts(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    comments = Comment.objects.using(schema_editor.connection.alias)
    max_depth = getattr(settings, "COMMENT_MAX_DEPTH", 2)
    per_page = getattr(settings, "COMMENTS_PER_PAGE", 50)
    approved = comments.filter(status="approved").order_by("post", "created", "pk")
    rows = approved.values_list("post", "pk", "parent").iterator(chunk_size=20_000)
    starts = []
    for _, post_comments in groupby(rows, key=lambda row: row[0]):
        root_of, depth_of, sizes = {}, {}, {}
        for _, pk, parent_id in post_comments:
            if parent_id is None:
                root_of[pk], depth_of[pk], sizes[pk] = pk, 0, 1
            elif parent_id in root_of and depth_of[parent_id] < max_depth:
                root_of[pk], depth_of[pk] = root_of[parent_id], depth_of[parent_id] + 1
                sizes[root_of[pk]] += 1
        filled = per_page
        for top_level_id, size in sizes.items():
            if filled + size > per_page:
                starts.append(top_level_id)
                filled = 0
            filled += size
    ids = iter(starts)
    while chunk := list(islice(ids, 5_000)):
        comments.filter(pk__in=chunk).update(starts_page=True)


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0020_site_settings_and_pages'),
        ('comments', '0016_spam_filter'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='starts_page',
            field=models.BooleanField(db_default=False, editable=False, help_text="An approved top-level comment that opens a page of its post's comments."),
        ),
        migrations.RunPython(mark_page_starts, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('starts_page', True)), fields=['post', 'created', 'id'], name='comment_page_starts_idx'),
        ),
    ]
