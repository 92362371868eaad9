"""An imported page's record follows its page into blog_post (blog 0022 copied it there): a new
column to the post, filled from where each page went; 0005 makes it the record's page."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0022_pages_are_posts"),
        ("wordpress_import", "0002_imported_pages"),
    ]
    run_before = [("blog", "0023_page_is_a_proxy_of_post")]

    operations = [
        migrations.AddField(
            model_name="importedpage",
            name="post",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="blog.post",
            ),
        ),
    ]
