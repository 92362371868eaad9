"""Query counts per page stay constant however many posts there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_index_query_count_is_the_same_with_1_and_50_posts(client):
    PostFactory(tags=["one"])
    with_one = count_queries(client, "/")
    for i in range(49):
        PostFactory(tags=[f"tag{i}", "shared"])
    with_fifty = count_queries(client, "/")
    assert with_one == with_fifty
    assert with_fifty <= 2  # the page count and the posts with their authors


def test_post_page_query_count_is_the_same_with_1_and_50_posts(client):
    first = PostFactory(tags=["one", "two"])
    with_one = count_queries(client, first.get_absolute_url())
    PostFactory.create_batch(49)
    with_fifty = count_queries(client, first.get_absolute_url())
    assert with_one == with_fifty


def test_post_page_with_threads_takes_six_queries_at_most(client):
    post = PostFactory(tags=["one"])
    for _ in range(3):
        CommentFactory(approved=True, parent=CommentFactory(approved=True, post=post))
    # post and author, tags, comment pages, the page's threads, moderation rules, count
    assert count_queries(client, post.get_absolute_url()) <= 6
