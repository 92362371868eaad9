"""generate_fake fills a database for benchmarks: right counts, real-looking public pages."""

import io

import pytest
from django.core.management import call_command
from taggit.models import Tag

from blog.models import Post
from comments import counts
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_generate_fake_adds_posts_comments_and_tags_with_correct_counts(client):
    err = io.StringIO()
    call_command("generate_fake", posts=40, comments=600, stdout=io.StringIO(), stderr=err)
    assert Post.objects.count() == 40
    drafts = [pk for pk in Post.objects.values_list("pk", flat=True) if pk % 100 == 0]
    assert Post.objects.published().count() == 40 - len(drafts)  # one in a hundred is a draft
    assert Comment.objects.count() == 600
    assert Comment.objects.pending().count() == 60  # one in ten, like a real queue
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert "comments: 100%" in err.getvalue() and "600/600" in err.getvalue()
    assert not counts.drifted_posts().exists()  # the stored counts are the live ones
    stored = Post.objects.values_list("approved_comment_count", "pending_comment_count")
    assert all(approved > 0 for approved, _ in stored)
    post = Post.objects.published().first()
    assert post.tags.count() == 2
    assert client.get("/").status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get(f"/blog/tag/{Tag.objects.first().slug}/").status_code == 200


def test_generate_fake_adds_to_existing_data_and_later_rows_get_fresh_ids():
    PostFactory()
    call_command("generate_fake", posts=5, comments=10, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("generate_fake", posts=5, comments=10, stdout=io.StringIO(), stderr=io.StringIO())
    assert Post.objects.count() == 11
    assert Comment.objects.count() == 20
    assert PostFactory().pk > max(
        Post.objects.exclude(title__startswith="Post number").values_list("pk", flat=True)
    )
    CommentFactory()  # the id sequence moved past the inserted ids


def test_generate_fake_refuses_zero_posts():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("generate_fake", posts=0, comments=10)
