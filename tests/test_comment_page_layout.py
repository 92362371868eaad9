"""A post's comment pages are laid out when its comments change, so a page reads only its rows.

tests/conftest.py also checks, after every test, that every post's stored layout is the one its
comments make now, whatever wrote them.
"""

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import Post
from comments import services, threads
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_page(settings):
    settings.COMMENTS_PER_PAGE = 2


def pages(post) -> list[list[Comment]]:
    first = threads.public_threads(post=post)
    return [
        [thread.comment for thread in threads.public_threads(post=post, page_number=n).page]
        for n in first.page.paginator.page_range
    ]


def test_approving_a_reply_moves_the_threads_after_it_to_the_next_page(two_per_page):
    post = PostFactory()
    a, b, c = CommentFactory.create_batch(3, post=post, approved=True)
    reply = CommentFactory(parent=a, pending=True)
    assert pages(post) == [[a, b], [c]]

    services.moderate(
        comments=Comment.objects.filter(pk=reply.pk), status="approved", moderator=None, via="x"
    )

    assert pages(post) == [[a], [b, c]]


def test_a_thread_longer_than_a_page_has_a_page_to_itself(two_per_page):
    post = PostFactory()
    a = CommentFactory(post=post, approved=True)
    CommentFactory.create_batch(2, parent=a, approved=True)
    b, c = CommentFactory.create_batch(2, post=post, approved=True)

    assert pages(post) == [[a], [b, c]]


def test_deleting_a_thread_in_the_admin_brings_the_next_ones_forward(two_per_page, admin_client):
    post = PostFactory()
    a, b, c = CommentFactory.create_batch(3, post=post, approved=True)
    CommentFactory(parent=a, approved=True)
    assert pages(post) == [[a], [b, c]]

    response = admin_client.post(
        reverse("admin:comments_comment_delete", args=[a.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert pages(post) == [[b, c]]


def test_a_page_is_read_from_the_stored_layout_until_recount_comments_lays_it_out_again(
    two_per_page, settings
):
    post = PostFactory()
    a, b, c = CommentFactory.create_batch(3, post=post, approved=True)
    settings.COMMENTS_PER_PAGE = 3
    assert pages(post) == [[a, b], [c]]  # laid out 2 to a page

    out = StringIO()
    call_command("recount_comments", stdout=out)

    assert "Laid out the comment pages of 1 post(s) again." in out.getvalue()
    assert pages(post) == [[a, b, c]]
    call_command("recount_comments", stdout=out)
    assert "Every post's comment pages were laid out right." in out.getvalue()


def test_a_comment_page_reads_its_own_threads_only(two_per_page):
    post = PostFactory()
    CommentFactory.create_batch(4, post=post, approved=True)
    own = CommentFactory.create_batch(2, post=post, approved=True)
    CommentFactory(parent=own[0], approved=True)
    later = CommentFactory.create_batch(4, post=post, approved=True)

    with CaptureQueriesContext(connection) as queries:
        shared = threads.public_threads(post=post, page_number=4)

    assert [thread.comment for thread in shared.page] == [own[1], later[0]]
    assert shared.page.paginator.num_pages == 6
    assert set(shared.comments_by_id) == {own[1].pk, later[0].pk}
    assert len(queries) == 3  # the page starts, the page's threads, the moderation rules


def test_the_migration_marks_where_each_pages_starts(two_per_page):
    post = PostFactory()
    a, b, c = CommentFactory.create_batch(3, post=post, approved=True)
    Comment.objects.update(starts_page=False)

    migration = importlib.import_module("comments.migrations.0017_comment_page_starts")
    migration.mark_page_starts(apps, SimpleNamespace(connection=connection))

    assert set(Comment.objects.filter(starts_page=True)) == {a, c}
    assert pages(Post.objects.get(pk=post.pk)) == [[a, b], [c]]
