"""The old pages table goes (0022 copied its rows into blog_post); Page is a proxy of Post,
under the same name, so its admin address, content type and permissions (blog.*_page, which
the Editors group holds) stay as they were."""

import django.db.models.manager
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0022_pages_are_posts"),
    ]

    operations = [
        migrations.DeleteModel(name="Page"),
        migrations.CreateModel(
            name="Page",
            fields=[],
            options={"ordering": ["position", "title"], "proxy": True, "indexes": [], "constraints": []},
            bases=("blog.post",),
        ),
    ]
