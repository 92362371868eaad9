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
from django.urls import reverse

from blog.models import Post
from comments import counts, services
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory, edit_in_admin

pytestmark = pytest.mark.django_db


def stored(post) -> tuple[int, int]:
    post.refresh_from_db()
    return post.approved_comment_count, post.pending_comment_count


def test_a_staff_reply_approved_at_once_shows_on_the_index_and_the_post_page_alike(client):
    post = PostFactory(title="Counted")
    moderator = UserFactory(username="mod", is_staff=True, groups=["Moderators"])
    pending = CommentFactory(post=post, pending=True)
    services.reply_as_staff(comment=pending, body="Hi", moderator=moderator, approve_first=True)

    assert "2 comments<" in client.get("/").content.decode()
    assert "2 comments<" in client.get(post.get_absolute_url()).content.decode()
    assert stored(post) == (2, 0)


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


@pytest.mark.parametrize("how", ["delete_selected action", "delete page"])
def test_deleting_in_the_admin_recounts_and_replies_go_with_their_parent(admin_client, how):
    post = PostFactory()
    parent = CommentFactory(post=post, approved=True)
    CommentFactory(parent=parent, approved=True)
    CommentFactory(post=post, pending=True)
    assert stored(post) == (2, 1)

    if how == "delete page":
        url = reverse("admin:comments_comment_delete", args=[parent.pk])
        response = admin_client.post(url, {"post": "yes"})
    else:
        data = {"action": "delete_selected", "_selected_action": [parent.pk], "post": "yes"}
        response = admin_client.post(reverse("admin:comments_comment_changelist"), data)

    assert response.status_code == 302
    assert stored(post) == (0, 1)


def test_editing_a_comment_in_the_admin_keeps_the_counts_and_shows_the_new_text(
    client, admin_client
):
    post = PostFactory()
    comment = CommentFactory(post=post, approved=True, body="Before.")
    assert "Before." in client.get(post.get_absolute_url()).content.decode()

    edit_in_admin(admin_client, comment, body="After.")

    assert stored(post) == (1, 0)
    assert "After." in client.get(post.get_absolute_url()).content.decode()


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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race needs PostgreSQL's concurrent transactions (make test-postgres)",
)
@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_a_posts_two_pending_comments_at_once_leave_both_counted():
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
