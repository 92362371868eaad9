"""The history shows every change to a post's content, whoever made it (admin, importers), and
a scheduled post going live; saves that change no content (renditions, comment counts) add no
revision."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, PostRevision
from comments.models import Comment
from comments.services import moderate
from tests.clock import tomorrow_at
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.test_editorial_workflow import form_for
from tests.test_roles_admin import change_url
from tests.test_s3_media import jpeg_bytes
from tests.wordpress_exports import SAMPLE, item, write_export

pytestmark = pytest.mark.django_db


def revisions_url(post):
    return reverse("admin:blog_post_revisions", args=[post.pk])


def run(command, *args):
    call_command(command, *map(str, args), stdout=StringIO(), stderr=StringIO())


def notes(post) -> list[str]:
    return list(post.revisions.order_by("created", "pk").values_list("note", flat=True))


def test_import_posts_keeps_a_revision_per_change_in_the_authors_name(tmp_path):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    writer = UserFactory(username="writer")
    path = tmp_path / "water.md"
    path.write_text("---\nauthor: writer\ntags: [hydration]\n---\n# Drink water\n\nFirst.")
    run("import_posts", path)
    post = Post.objects.get()
    revision = post.revisions.get()
    assert (revision.created_by, revision.note) == (writer, "Imported from water.md")
    assert (revision.body, revision.tags) == ("First.", "hydration")

    run("import_posts", path)
    assert notes(post) == ["Imported from water.md"], "an unchanged re-import adds none"

    path.write_text("---\nauthor: writer\ntags: [hydration]\n---\n# Drink water\n\nSecond.")
    run("import_posts", path)
    assert notes(post) == ["Imported from water.md", "Re-imported from water.md"]
    assert post.revisions.order_by("-created", "-pk").first().body == "Second."


def test_wordpress_import_keeps_one_revision_per_post_in_its_authors_name():
    run("import_wordpress", SAMPLE)
    posts = list(Post.objects.posts())
    assert len(posts) == 6
    for post in posts:
        revision = post.revisions.get()
        assert (revision.created_by, revision.note) == (post.author, "Imported from WordPress")
        assert (revision.title, revision.body, revision.status) == (
            post.title,
            post.body,
            post.status,
        )
    run("import_wordpress", SAMPLE)
    assert PostRevision.objects.count() == 6, "an unchanged re-import adds none"


def test_wordpress_overwrite_of_a_post_edited_here_adds_one_revision_to_it(tmp_path):
    export = write_export(tmp_path / "e.xml", item(1, content="Old."), item(2))
    run("import_wordpress", export)
    edited, untouched = Post.objects.get(slug="post-1"), Post.objects.get(slug="post-2")
    edited.body = "Edited here."
    edited.save()
    run("import_wordpress", export)
    assert notes(edited) == ["Imported from WordPress"], "kept without --overwrite: no change"
    run("import_wordpress", export, "--overwrite")
    assert notes(edited) == ["Imported from WordPress", "Re-imported from WordPress"]
    assert edited.revisions.order_by("-created", "-pk").first().body.strip() == "Old."
    assert notes(untouched) == ["Imported from WordPress"]

    write_export(export, item(1, content="New in WordPress."), item(2))
    run("import_wordpress", export)
    assert len(notes(edited)) == 3 and len(notes(untouched)) == 1


def test_make_renditions_adds_no_revision():
    post = PostFactory(
        cover_image=SimpleUploadedFile("cover.jpg", jpeg_bytes()), cover_image_alt="A field"
    )
    Post.objects.filter(pk=post.pk).update(cover_renditions={})
    run("make_renditions", "--all")
    post.refresh_from_db()
    assert post.cover_renditions, "the command did its work"
    assert not post.revisions.exists()


def test_comment_counts_and_recounts_add_no_revision(editor):
    post = PostFactory()
    comment = CommentFactory(post=post, pending=True)
    CommentFactory(post=post, approved=True)
    moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=editor,
        via="page",
    )
    Post.objects.filter(pk=post.pk).update(approved_comment_count=0)
    run("recount_comments")
    post.refresh_from_db()
    assert post.approved_comment_count == 2
    assert not post.revisions.exists()


def test_history_shows_a_scheduled_post_going_live_without_a_save(client, editor):
    start = tomorrow_at(10)
    with time_machine.travel(start, tick=False) as traveller:
        post = PostFactory(draft=True, author=editor)
        client.force_login(editor)
        when = timezone.localtime(start + timedelta(hours=2))
        data = {**form_for(post, author=editor.pk, publish_at=f"{when:%Y-%m-%dT%H:%M}")}
        client.post(change_url(post), {**data, "_action": "schedule"})
        assert "Went live" not in client.get(revisions_url(post)).content.decode()
        traveller.shift(timedelta(hours=3))
        html = client.get(revisions_url(post)).content.decode()
    assert f"{when:%Y-%m-%d %H:%M} · Went live as scheduled" in html
    assert html.index("Went live") < html.index("Schedule</h2>"), "newest first"
    assert post.revisions.count() == 1, "an event computed from the post, not a revision"


def test_history_of_a_post_published_at_once_shows_no_going_live_event(client, editor):
    post = PostFactory(draft=True, author=editor)
    client.force_login(editor)
    client.post(change_url(post), {**form_for(post, author=editor.pk), "_action": "publish"})
    post.refresh_from_db()
    assert post.is_published
    assert "Went live" not in client.get(revisions_url(post)).content.decode()
