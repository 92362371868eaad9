import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from blog import search
from blog.models import Page, Post
from images.models import Image, MediaRenditions
from wordpress_import.models import ImportedPage


@pytest.mark.django_db
def test_models_have_no_changes_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# The last state with the image library in the blog app.
BEFORE_IMAGES_APP = [("blog", "0020_site_settings_and_pages"), ("images", None)]
BODY = "![Boats](/media/library/2026/01/boats.jpg)"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets[0]).apps if targets else None


# A partial `migrate` runs post_migrate with the new code, which makes the images app's content
# types and permissions before its migration moves blog's.
@pytest.mark.parametrize("made_early", [False, True], ids=["one migrate", "partial migrate"])
@pytest.mark.django_db(transaction=True)
def test_the_images_app_takes_over_the_library_rows_posts_use_and_the_permissions_held(made_early):
    old = migrate(BEFORE_IMAGES_APP)
    user = old.get_model("auth", "User").objects.create(username="uploader")
    image = old.get_model("blog", "Image").objects.create(
        file="library/2026/01/boats.jpg", alt="Boats", uploaded_by=user
    )
    record = {"width": 640, "height": 480, "sources": {"image/webp": [[320, "r/boats.webp"]]}}
    old.get_model("blog", "MediaRenditions").objects.create(name=image.file, record=record)
    post = old.get_model("blog", "Post").objects.create(
        title="Harbour", slug="harbour", author=user, body=BODY
    )
    # As blog's migrations left them (an earlier test may have emptied the tables since).
    content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="blog", model="image"
    )
    desk = old.get_model("auth", "Group").objects.create(name="Picture desk")
    for codename in ("add_image", "delete_image"):
        permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename}
        )
        desk.permissions.add(permission)
    user.groups.add(desk)
    if made_early:
        create_permissions(apps.get_app_config("images"), verbosity=0)

    migrate(None)

    moved = Image.objects.get(pk=image.pk)
    assert (moved.file.name, moved.alt, moved.uploaded_by_id) == (image.file, "Boats", user.pk)
    assert MediaRenditions.objects.records([moved.file.name]) == {moved.file.name: record}
    assert Post.objects.get(pk=post.pk).body == BODY
    held = User.objects.get(pk=user.pk).get_all_permissions()
    assert {"images.add_image", "images.delete_image"} <= held
    assert not {"blog.add_image", "blog.delete_image"} & held
    assert not ContentType.objects.filter(app_label="blog", model="image").exists()


BEFORE_PAGES_WERE_POSTS = [
    ("blog", "0021_images_app_takes_the_image_library"),
    ("wordpress_import", "0002_imported_pages"),
]


@pytest.mark.django_db(transaction=True)
def test_pages_move_into_the_posts_table_keeping_address_order_records_and_rights(capsys):
    migrate(BEFORE_PAGES_WERE_POSTS)
    old = MigrationExecutor(connection).loader.project_state(BEFORE_PAGES_WERE_POSTS).apps
    users = old.get_model("auth", "User").objects
    writer = users.create(username="writer")
    owner = users.create(username="owner", is_superuser=True, is_staff=True)
    users.create(username="later", is_superuser=True)
    race = old.get_model("blog", "Post").objects.create(
        title="About the race", slug="about", author=writer, body="Go.", status="published"
    )
    pages = old.get_model("blog", "Page").objects
    made = {"status": "published", "body": "Words.", "body_html": "<p>Words.</p>"}
    pages.create(title="About", slug="about", position=2, **made)
    privacy = pages.create(title="Privacy", slug="privacy", position=1, **made)
    pages.create(title="Plans", slug="plans", status="draft", in_navigation=False, body="Soon.")
    old.get_model("wordpress_import", "ImportedPage").objects.create(
        site="https://old.example", wp_id=11, page=privacy
    )
    # As blog's migrations left them (an earlier test may have emptied the tables since).
    editors, _ = old.get_model("auth", "Group").objects.get_or_create(name="Editors")
    content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="blog", model="page"
    )
    for codename in ("add_page", "change_page", "delete_page", "view_page"):
        permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename}
        )
        editors.permissions.add(permission)
    owner.groups.add(editors)
    editors_held = set(editors.permissions.values_list("content_type__model", "codename"))

    migrate(None)

    moved = Page.objects.order_by("position", "title")
    assert [
        (p.title, p.slug, p.status, p.in_navigation, p.position, p.author_id, p.body_html)
        for p in moved
    ] == [
        ("Plans", "plans", "draft", False, 0, owner.pk, ""),
        ("Privacy", "privacy", "published", True, 1, owner.pk, "<p>Words.</p>"),
        ("About", "about-page", "published", True, 2, owner.pk, "<p>Words.</p>"),
    ]
    assert "/about/ is a post's slug too; now /about-page/" in capsys.readouterr().out
    assert not any(page.comments_enabled for page in moved)
    assert [p.title for p in Page.objects.in_navigation()] == ["Privacy", "About"]
    assert list(Post.objects.posts()) == [Post.objects.get(pk=race.pk)]
    assert ImportedPage.objects.get().page == Page.objects.get(slug="privacy")
    held = Group.objects.get(name="Editors").permissions
    assert set(held.values_list("content_type__model", "codename")) == editors_held
    assert User.objects.get(pk=writer.pk).has_perm("blog.change_page") is False
    member = User.objects.get(pk=owner.pk)
    member.is_superuser = False
    assert member.has_perm("blog.change_page")  # through the Editors group
    # The search index still finds the posts from before, and those written after.
    fresh = Post.objects.create(title="Fresh kale", slug="fresh", author=member, body="Kale.")
    assert [post.pk for post in search.search_posts(Post.objects.all(), "race")] == [race.pk]
    assert [post.pk for post in search.search_posts(Post.objects.all(), "fresh")] == [fresh.pk]
    Post.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_a_comment_sent_back_to_pending_before_the_fix_loses_its_moderator():
    old = migrate([("comments", "0017_comment_page_starts")])
    moderator = old.get_model("auth", "User").objects.create(username="moderator")
    post = old.get_model("blog", "Post").objects.create(title="Tide", slug="tide", author=moderator)
    Comment = old.get_model("comments", "Comment")
    made = {"post": post, "author_name": "Ann", "author_email": "ann@example.org", "body": "Hi"}
    undone = Comment.objects.create(**made, status="pending", moderated_by=moderator)
    decided = Comment.objects.create(**made, status="approved", moderated_by=moderator)

    migrate(None)

    Current = apps.get_model("comments", "Comment")
    assert Current.objects.get(pk=undone.pk).moderated_by_id is None
    assert Current.objects.get(pk=decided.pk).moderated_by_id == moderator.pk
    Post.objects.filter(pk=post.pk).delete()  # made without its counts: not left for the checks
