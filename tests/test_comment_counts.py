"""Post.approved_comment_count / pending_comment_count stay equal to the comments, however written.

tests/conftest.py also checks, after every test, that no post's stored counts drifted.
"""

import importlib
import threading
import time
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from blog.models import Post
from comments import counts, services
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def stored(post) -> tuple[int, int]:
    post.refresh_from_db()
    return post.approved_comment_count, post.pending_comment_count


def test_comment_created_approved_directly_shows_on_the_index_and_the_post_page_alike(client):
    post = PostFactory(title="Counted")
    Comment.objects.create(
        post=post, author_name="Ann", author_email="ann@example.com", body="Hi", status="approved"
    )

    assert "1 comment<" in client.get("/").content.decode()
    assert "1 comment<" in client.get(post.get_absolute_url()).content.decode()
    assert stored(post) == (1, 0)


def test_factories_keep_the_counts():
    post = PostFactory()
    CommentFactory.create_batch(2, post=post, approved=True)
    CommentFactory(post=post, pending=True)
    CommentFactory(post=post, spam=True)

    assert stored(post) == (2, 1)


def test_moderating_recounts_every_post_it_touched():
    first, second = PostFactory.create_batch(2)
    CommentFactory.create_batch(2, post=first)
    CommentFactory(post=second)

    services.moderate(
        comments=Comment.objects.pending(), status="approved", moderator=None, via="bulk"
    )

    assert stored(first) == (2, 0)
    assert stored(second) == (1, 0)


def test_queryset_delete_recounts_and_replies_go_with_their_parent():
    post = PostFactory()
    parent = CommentFactory(post=post, approved=True)
    CommentFactory(parent=parent, approved=True)
    CommentFactory(post=post, pending=True)
    assert stored(post) == (2, 1)

    Comment.objects.filter(pk=parent.pk).delete()

    assert stored(post) == (0, 1)


def test_deleting_one_comment_recounts_its_post():
    post = PostFactory()
    doomed, _ = CommentFactory.create_batch(2, post=post, approved=True)

    doomed.delete()

    assert stored(post) == (1, 0)


def test_bulk_create_and_bulk_update_recount():
    post = PostFactory()
    made = Comment.objects.bulk_create(
        [
            Comment(post=post, author_name=name, author_email=f"{name}@example.com", body="Hi")
            for name in ("ann", "bob")
        ]
    )
    assert stored(post) == (0, 2)

    for comment in made:
        comment.status = Comment.Status.APPROVED
    Comment.objects.bulk_update(made, ["status"])

    assert stored(post) == (2, 0)


def test_moving_a_comment_to_another_post_recounts_both():
    old, new = PostFactory.create_batch(2)
    comment = CommentFactory(post=old, approved=True)

    comment = Comment.objects.get(pk=comment.pk)
    comment.post = new
    comment.save()

    assert stored(old) == (0, 0)
    assert stored(new) == (1, 0)


def test_approved_count_is_what_the_page_shows_replies_under_a_pending_parent_do_not_count(client):
    post = PostFactory()
    parent = CommentFactory(post=post, approved=True)
    reply = CommentFactory(parent=parent, approved=True)
    assert stored(post) == (2, 0)

    services.moderate(
        comments=Comment.objects.filter(pk=parent.pk), status="pending", moderator=None, via="undo"
    )

    assert stored(post) == (0, 1)
    assert "0 comments" in client.get(post.get_absolute_url()).content.decode()
    assert Comment.objects.in_public_threads().filter(pk=reply.pk).count() == 0


def test_saving_a_post_loaded_before_a_comment_was_approved_keeps_the_new_count():
    post = PostFactory()
    stale = Post.objects.get(pk=post.pk)
    CommentFactory(post=post, approved=True)

    stale.title = "Edited meanwhile"
    stale.save()

    assert stored(post) == (1, 0)
    assert post.title == "Edited meanwhile"


def test_the_recount_is_one_update_whose_counts_the_database_computes():
    post = PostFactory()
    CommentFactory(post=post, approved=True)
    Post.objects.filter(pk=post.pk).update(approved_comment_count=7)

    with CaptureQueriesContext(connection) as queries:
        counts.recount([post.pk])

    statements = [query["sql"] for query in queries]
    writes = [sql for sql in statements if sql.startswith("UPDATE")]
    assert len(writes) == 1
    assert 'UPDATE "blog_post" SET "approved_comment_count" = COALESCE((SELECT COUNT(' in writes[0]
    # No count travels through Python: the only other statement is the row lock.
    assert not [sql for sql in statements if "COUNT(" in sql and not sql.startswith("UPDATE")]
    assert stored(post) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_a_posts_two_pending_comments_at_once_leave_both_counted():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent transactions (make test-postgres)")
    post = PostFactory()
    first, second = CommentFactory.create_batch(2, post=post)
    first_counted, release_first = threading.Event(), threading.Event()

    def in_own_connection(work):
        def run():
            try:
                work()
            finally:
                connection.close()

        return threading.Thread(target=run)

    def approve_first_and_hold():
        with transaction.atomic():
            services.moderate(
                comments=Comment.objects.filter(pk=first.pk),
                status="approved",
                moderator=None,
                via="page",
            )
            first_counted.set()
            release_first.wait(10)

    one = in_own_connection(approve_first_and_hold)
    two = in_own_connection(
        lambda: services.moderate(
            comments=Comment.objects.filter(pk=second.pk),
            status="approved",
            moderator=None,
            via="page",
        )
    )
    one.start()
    assert first_counted.wait(10)
    two.start()
    # The second moderator's transaction now waits for the first's lock on the post.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
        time.sleep(0.02)
    release_first.set()
    one.join(10)
    two.join(10)

    assert Comment.objects.filter(post=post).approved().count() == 2
    assert stored(post) == (2, 0)


def test_recount_comments_fixes_drifted_posts_and_says_which():
    right, wrong = PostFactory(title="Right"), PostFactory(title="Wrong")
    CommentFactory(post=right, approved=True)
    CommentFactory(post=wrong, approved=True)
    CommentFactory(post=wrong, pending=True)
    Post.objects.filter(pk=wrong.pk).update(approved_comment_count=0, pending_comment_count=5)

    out = StringIO()
    call_command("recount_comments", stdout=out)

    assert f"Fixed “Wrong” (id {wrong.pk}): approved 0 → 1, pending 5 → 1" in out.getvalue()
    assert "Right" not in out.getvalue()
    assert stored(wrong) == (1, 1)

    out = StringIO()
    call_command("recount_comments", stdout=out)
    assert "All comment counts were right" in out.getvalue()


def test_backfill_migration_fills_counts_left_at_zero():
    post = PostFactory()
    CommentFactory.create_batch(2, post=post, approved=True)
    CommentFactory(post=post, pending=True)
    Post.objects.update(approved_comment_count=0, pending_comment_count=0)

    migration = importlib.import_module("comments.migrations.0004_backfill_comment_counts")
    migration.backfill(apps, SimpleNamespace(connection=connection))

    assert stored(post) == (2, 1)


def test_the_suite_check_sees_drift():
    post = PostFactory()
    CommentFactory(post=post, approved=True)
    Post.objects.filter(pk=post.pk).update(approved_comment_count=0)

    assert list(counts.drifted_posts()) == [post]

    counts.recount([post.pk])
    assert list(counts.drifted_posts()) == []
