"""Image and MediaRenditions now belong to the images app (its 0001 took them over, with their
content types): drop them from blog's state only, their tables stay, now the images app's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0020_site_settings_and_pages"),
        ("images", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Image"),
                migrations.DeleteModel(name="MediaRenditions"),
            ],
            database_operations=[],
        ),
    ]
