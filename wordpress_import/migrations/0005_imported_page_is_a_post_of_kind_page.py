import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("wordpress_import", "0004_imported_pages_follow_their_pages")]
    run_before = [("blog", "0023_page_is_a_proxy_of_post")]

    operations = [
        migrations.RemoveField(model_name="importedpage", name="page"),
        migrations.RenameField(model_name="importedpage", old_name="post", new_name="page"),
        migrations.AlterField(
            model_name="importedpage",
            name="page",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="wordpress_page",
                to="blog.post",
            ),
        ),
    ]
