"""Take over the blog app's Image and MediaRenditions: in state only, with their content types.

Their tables (blog_image, blog_mediarenditions) were made by blog's migrations 0011 and 0013 and
stay as they are: no data is copied. Blog's 0021 drops the models from blog's state. This runs
after blog's 0020 because blog's migrations up to there make blog's permissions for Image.

Moving the content types (not making new ones) keeps every permission row, so the groups and
users that held blog.add_image now hold images.add_image, and the admin's history keeps its links.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import images.uploads

MODELS = ["image", "mediarenditions"]


def move_content_types(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a new database: post_migrate makes the content type and permissions
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
        else:
            merge(apps, old, new)


def merge(apps, old, new):
    """Both labels exist when a partial `migrate` ran post_migrate with the new code: keep
    `new`, with the grants and admin history of `old`."""
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        for group in Group.objects.filter(permissions=permission):
            group.permissions.add(twin)
        for user in User.objects.filter(user_permissions=permission):
            user.user_permissions.add(twin)
    apps.get_model("admin", "LogEntry").objects.filter(content_type=old).update(content_type=new)
    old.delete()


def forwards(apps, schema_editor):
    move_content_types(apps, "blog", "images")


def backwards(apps, schema_editor):
    move_content_types(apps, "images", "blog")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("blog", "0020_site_settings_and_pages"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Image",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "file",
                            models.ImageField(
                                help_text=(
                                    "JPEG, PNG, GIF or WebP. Stored upright and without location "
                                    "data."
                                ),
                                upload_to="library/%Y/%m/",
                                validators=[images.uploads.validate_image],
                            ),
                        ),
                        (
                            "alt",
                            models.CharField(
                                help_text=(
                                    "Describe the image for readers who cannot see it. Required."
                                ),
                                max_length=250,
                                verbose_name="alt text",
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "blog_image", "ordering": ["-created", "-pk"]},
                ),
                migrations.CreateModel(
                    name="MediaRenditions",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=255, unique=True)),
                        (
                            "record",
                            models.JSONField(help_text="The renditions' sizes and stored names."),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "blog_mediarenditions",
                        "ordering": ["name"],
                        "verbose_name_plural": "media renditions",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
