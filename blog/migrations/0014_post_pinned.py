from django.db import migrations, models


class Migration(migrations.Migration):
    """Pinned posts (WordPress's sticky ones), shown above the index's first page."""

    dependencies = [("blog", "0013_media_renditions")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="pinned",
            field=models.BooleanField(
                default=False,
                help_text="Shown above the latest posts on the index's first page while it is "
                "published (WordPress calls this sticky).",
                verbose_name="pinned to the front page",
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(("pinned", True)),
                fields=["-publish_at", "-id"],
                name="post_pinned_idx",
            ),
        ),
    ]
