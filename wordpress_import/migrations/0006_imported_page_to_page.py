import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The same column, now naming the Page proxy (blog 0023): record.page is a Page."""

    dependencies = [
        ("blog", "0023_page_is_a_proxy_of_post"),
        ("wordpress_import", "0005_imported_page_is_a_post_of_kind_page"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importedpage",
            name="page",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="wordpress_page",
                to="blog.page",
            ),
        ),
    ]
