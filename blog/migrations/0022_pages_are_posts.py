"""Pages become posts of another kind (Post.kind "page"), as WordPress keeps them in wp_posts:
so comments, which belong to a post, can be taken on a page too. This migration adds the kind
and the navigation fields to posts and copies each page into blog_post, noting on the old row
where it went (wordpress_import's page records follow it); 0023 drops the old table."""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

fts5 = import_module("blog.migrations.0017_post_fts5")


def first_owner(User):
    """Whose name a page carries (pages show none; the column is required): the first
    superuser, else the first account."""
    return User.objects.filter(is_superuser=True).order_by("pk").first() or (
        User.objects.order_by("pk").first()
    )


def free_slug(Post, slug: str) -> str:
    """`slug`, or if a post has it: slug-page, slug-page-2..."""
    candidate, n = slug, 1
    while Post.objects.filter(slug=candidate).exists():
        candidate, n = f"{slug}-page" + (f"-{n}" if n > 1 else ""), n + 1
    return candidate


def copy_pages(apps, schema_editor):
    Page = apps.get_model("blog", "Page")
    Post = apps.get_model("blog", "Post")
    pages = list(Page.objects.order_by("pk"))
    if not pages:
        return
    owner = first_owner(apps.get_model(settings.AUTH_USER_MODEL))
    if owner is None:
        raise RuntimeError(
            f"{len(pages)} page(s) need an author to become posts of kind page, and there is "
            "no user account: create one (manage.py createsuperuser) and migrate again."
        )
    for page in pages:
        slug = free_slug(Post, page.slug)
        if slug != page.slug:
            print(f"\n  Page “{page.title}”: /{page.slug}/ is a post's slug too; now /{slug}/.")
        published = page.status == "published"
        post = Post.objects.create(
            kind="page",
            title=page.title,
            slug=slug,
            body=page.body,
            body_html=page.body_html,
            status=page.status,
            publish_at=page.updated if published else None,
            author=owner,
            comments_enabled=False,
            in_navigation=page.in_navigation,
            position=page.position,
        )
        Post.objects.filter(pk=post.pk).update(updated=page.updated)
        page.moved_to = post.pk
        page.save(update_fields=["moved_to"])


def refuse_to_copy_back(apps, schema_editor):
    if apps.get_model("blog", "Post").objects.filter(kind="page").exists():
        raise RuntimeError(
            "Pages are posts of kind page since blog 0022: delete them before migrating back."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0021_images_app_takes_the_image_library"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="kind",
            field=models.CharField(
                choices=[("post", "Post"), ("page", "Page")],
                default="post",
                db_default="post",
                editable=False,
                max_length=4,
            ),
        ),
        migrations.AddField(
            model_name="post",
            name="in_navigation",
            field=models.BooleanField(
                default=True,
                db_default=True,
                help_text="Linked from every page's header.",
                verbose_name="listed in the navigation",
            ),
        ),
        migrations.AddField(
            model_name="post",
            name="position",
            field=models.PositiveSmallIntegerField(
                default=0,
                db_default=0,
                help_text="Order in the navigation: lower numbers come first.",
            ),
        ),
        migrations.RemoveIndex(model_name="post", name="post_public_idx"),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["status", "kind", "-publish_at", "-created", "id"],
                name="post_public_idx",
            ),
        ),
        # SQLite rebuilt blog_post for the new columns, dropping the search index's triggers
        # with the old table: the index is made again (0017), from the rows as they are.
        migrations.RunPython(
            fts5.on_sqlite(fts5.DROP + fts5.CREATE), migrations.RunPython.noop
        ),
        migrations.AddField(
            model_name="page",
            name="moved_to",
            field=models.BigIntegerField(null=True, editable=False),
        ),
        migrations.RunPython(copy_pages, refuse_to_copy_back),
    ]
