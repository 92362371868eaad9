"""Pages over big tables: deep index pages by a covering index, admin lists without COUNT(*)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from blog.pagination import EstimatedCountPaginator, planner_estimate
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory, bulk_pending_comments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """What the views themselves cost and show, not the page cache in front of them."""
    settings.PAGE_CACHE_SECONDS = 0


def titles_on(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [post.title for post in response.context["page_obj"].object_list]


def test_a_deep_index_page_shows_the_posts_plain_offset_would_in_one_query(client, settings):
    PostFactory.create_batch(25)
    newest_first = list(Post.objects.published().values_list("title", flat=True))
    assert titles_on(client, "/?page=2") == newest_first[10:20]
    with CaptureQueriesContext(connection) as queries:
        assert titles_on(client, "/?page=3") == newest_first[20:25]
    # The count was cached by the request before; the rows come by ids sliced in a subquery.
    assert len(queries) == 1


def test_a_deep_tag_page_shows_the_right_posts(client):
    for _ in range(12):
        PostFactory(tags=["tea"])
    PostFactory(tags=["coffee"])
    tagged = list(Post.objects.filter(tags__slug="tea").values_list("title", flat=True))
    assert titles_on(client, "/blog/tag/tea/?page=2") == tagged[10:]


def superuser_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_admin_lists_never_count_the_whole_table(client):
    CommentFactory()
    client = superuser_client(client)
    for url in ("/admin/comments/comment/", "/admin/blog/post/"):
        cl = client.get(url).context["cl"]
        assert cl.show_full_result_count is False
        assert isinstance(cl.paginator, EstimatedCountPaginator)
        assert cl.date_hierarchy is None  # its DISTINCT walks every row


def test_the_pending_queue_is_newest_first_from_the_queue_index(client):
    post = PostFactory()
    bulk_pending_comments(post, 5)
    CommentFactory(post=post, approved=True)
    cl = (
        superuser_client(client).get("/admin/comments/comment/?status__exact=pending").context["cl"]
    )
    shown = list(cl.result_list)
    assert [c.status for c in shown] == [Comment.Status.PENDING] * 5
    assert shown == sorted(shown, key=lambda c: (c.created, c.pk), reverse=True)


def test_estimated_count_asks_the_planner_on_postgresql_and_counts_elsewhere(monkeypatch):
    monkeypatch.setattr("blog.pagination.ESTIMATE_ABOVE", -1)
    bulk_pending_comments(PostFactory(), 30)
    pending = Comment.objects.pending()
    count = EstimatedCountPaginator(pending, 10).count
    if connection.vendor == "postgresql":
        assert count == planner_estimate(pending)
    else:
        assert count == 30


def test_a_small_list_is_counted_exactly_on_every_database():
    bulk_pending_comments(PostFactory(), 30)
    assert EstimatedCountPaginator(Comment.objects.pending(), 10).count == 30


def index_count(client) -> int:
    return client.get("/").context["paginator"].count


def test_index_page_count_is_cached_and_follows_every_post_save_and_delete(client):
    PostFactory.create_batch(3)
    assert index_count(client) == 3
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len(queries) == 2  # the cached count: only the page's rows and the pinned posts
    added = PostFactory()
    assert index_count(client) == 4
    added.delete()
    assert index_count(client) == 3
    Post.objects.filter(pk=Post.objects.first().pk).unpublish()
    assert index_count(client) == 2


def test_a_scheduled_post_is_counted_on_the_index_as_soon_as_it_goes_live(client):
    import time_machine
    from django.utils import timezone

    PostFactory()
    scheduled = PostFactory(scheduled=True)
    assert index_count(client) == 1
    with time_machine.travel(scheduled.publish_at + timezone.timedelta(seconds=1)):
        assert index_count(client) == 2
        assert scheduled.title in client.get("/").content.decode()


@pytest.mark.parametrize(
    "lookup, value", [("author_email", "ann@example.com"), ("ip_address", "203.0.113.9")]
)
def test_the_queue_of_one_commenter_is_newest_first_read_in_order_from_an_index(
    client, lookup, value
):
    now = timezone.now()
    commenter = {"author_email": "ann@example.com", "ip_address": "203.0.113.9"}
    old_pending = CommentFactory(**commenter, created=now - timedelta(days=3))
    new_approved = CommentFactory(**commenter, approved=True, created=now - timedelta(days=1))
    newest_spam = CommentFactory(**commenter, spam=True, created=now)
    CommentFactory(author_email="bob@example.com", ip_address="198.51.100.1")

    cl = superuser_client(client).get("/admin/comments/comment/", {lookup: value}).context["cl"]

    # Not pending first: that order sorts every comment of the commenter before a page shows.
    assert list(cl.result_list) == [newest_spam, new_approved, old_pending]
    if connection.vendor == "sqlite":
        plan = cl.queryset[: cl.list_per_page].explain()
        assert "comment_email_idx" in plan or "comment_ip_idx" in plan
        assert "TEMP B-TREE" not in plan
