"""Query counts per page stay constant however many posts there are."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog import site
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    ImageFactory,
    PageFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    # The site's header and footer parts, one fragment for every page, built once after any
    # change (counted in test_site_footer).
    site.shared_parts()
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
    assert with_fifty <= 3  # the page count, the posts with their authors and the pinned posts


def test_post_page_query_count_is_the_same_with_1_and_50_posts(client):
    first = PostFactory(tags=["one", "two"])
    with_one = count_queries(client, first.get_absolute_url())
    PostFactory.create_batch(49)
    with_fifty = count_queries(client, first.get_absolute_url())
    assert with_one == with_fifty


def test_post_page_with_threads_takes_eight_queries_at_most(client):
    post = PostFactory(tags=["one"])
    for _ in range(3):
        CommentFactory(approved=True, parent=CommentFactory(approved=True, post=post))
    # post and author, tags, comment pages, the page's threads, moderation rules (the count
    # is the stored one),
    # previous post, next post, related posts
    assert count_queries(client, post.get_absolute_url()) <= 8


def test_post_page_query_count_is_the_same_with_1_and_5_inline_images(client):
    """Their srcsets are in the HTML stored when the post was saved: nothing is looked up."""
    images = ImageFactory.create_batch(2)
    one = PostFactory(body=f"Text.\n\n{images[0].markdown}")
    five = PostFactory(body="\n\n".join(images[i % 2].markdown for i in range(5)))
    assert five.body_html.count("<picture>") == 5
    assert count_queries(client, one.get_absolute_url()) == count_queries(
        client, five.get_absolute_url()
    )


def test_search_query_count_is_the_same_with_1_and_20_matching_posts(client):
    PostFactory(title="Kale 0", body="kale")
    with_one = count_queries(client, "/blog/search/?q=kale")
    for i in range(19):
        PostFactory(title=f"Kale {i + 1}", body="kale", tags=[f"tag{i}"])
    with_twenty = count_queries(client, "/blog/search/?q=kale")
    assert with_one == with_twenty
    assert with_twenty <= 2  # the result count and one page of results


@pytest.mark.parametrize("url", ["/blog/feed/", "/blog/feed/atom/", "/blog/tag/shared/feed/"])
def test_feed_query_count_is_the_same_with_1_and_20_posts(client, url):
    PostFactory(tags=["shared"])
    with_one = count_queries(client, url)
    for i in range(19):
        PostFactory(tags=[f"tag{i}", "shared"])
    assert count_queries(client, url) == with_one


def test_comments_feed_query_count_is_the_same_with_1_and_20_comments(client):
    post = PostFactory()
    CommentFactory(post=post, approved=True)
    url = f"/comments/post/{post.pk}/feed/"
    with_one = count_queries(client, url)
    CommentFactory.create_batch(19, post=post, approved=True)
    assert count_queries(client, url) == with_one


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-posts.xml", "/sitemap-tags.xml"])
def test_sitemap_query_count_is_the_same_with_1_and_20_posts(client, url):
    PostFactory(tags=["one"])
    with_one = count_queries(client, url)
    for i in range(19):
        PostFactory(tags=[f"tag{i}"])
    assert count_queries(client, url) == with_one


def test_month_archive_query_count_is_the_same_with_1_and_20_posts(client):
    PostFactory(publish_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    with_one = count_queries(client, "/blog/2024/05/")
    for day in range(2, 21):
        PostFactory(publish_at=datetime(2024, 5, day, 12, tzinfo=UTC), tags=[f"t{day}"])
    with_twenty = count_queries(client, "/blog/2024/05/")
    assert with_one == with_twenty
    assert with_twenty <= 6  # any posts, the days, the count, the page, previous and next month


def test_author_page_query_count_is_the_same_with_1_and_20_posts(client):
    first = PostFactory()
    url = f"/blog/author/{first.author_id}/"
    with_one = count_queries(client, url)
    PostFactory.create_batch(19, author=first.author, tags=["shared"])
    with_twenty = count_queries(client, url)
    assert with_one == with_twenty
    assert with_twenty <= 4  # the author, any posts, the count, the page of posts


def test_post_page_query_count_is_the_same_with_1_and_20_related_posts(client):
    post = PostFactory(tags=["one", "two"])
    with_none = count_queries(client, post.get_absolute_url())
    PostFactory.create_batch(19, tags=["one", "two"])
    assert count_queries(client, post.get_absolute_url()) == with_none


@pytest.fixture
def every_public_page():
    post = PostFactory(tags=["one"])
    CommentFactory(post=post, approved=True)
    page = PageFactory(slug="guestbook", comments_enabled=True)
    CommentFactory(post=page, approved=True)
    return [
        "/",
        page.get_absolute_url(),
        f"/comments/post/{page.pk}/feed/",
        "/sitemap-pages.xml",
        "/blog/tag/one/",
        f"/blog/{post.publish_at:%Y/%m}/",
        f"/blog/author/{post.author_id}/",
        post.get_absolute_url(),
        "/blog/feed/",
        "/blog/feed/atom/",
        "/blog/tag/one/feed/",
        f"/comments/post/{post.pk}/feed/",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/sitemap-tags.xml",
    ]


def test_pages_served_from_the_page_cache_take_no_query(client, every_public_page):
    for url in every_public_page:
        client.get(url)
        assert count_queries(client, url) == 0, url


def test_a_page_cache_miss_takes_no_more_queries_than_the_page_itself(
    client, settings, every_public_page
):
    for url in every_public_page:
        settings.PAGE_CACHE_SECONDS = 0
        uncached = count_queries(client, url)
        settings.PAGE_CACHE_SECONDS = 3600
        assert count_queries(client, url) <= uncached, url  # the index count may be cached


def test_post_page_query_count_is_the_same_with_1_and_3_own_pending_replies(client, settings):
    settings.COMMENT_MIN_SECONDS = 0
    post = PostFactory()
    tops = [CommentFactory(approved=True, post=post) for _ in range(3)]

    def send_reply(parent):
        data = CommentFormDataFactory(post=post, parent=parent.pk)
        assert client.post(f"/comments/post/{post.pk}/", data).status_code == 302

    send_reply(tops[0])
    client.get(post.get_absolute_url())  # the flash message is shown once
    with_one = count_queries(client, post.get_absolute_url())
    send_reply(tops[1])
    send_reply(tops[2])
    client.get(post.get_absolute_url())
    assert count_queries(client, post.get_absolute_url()) == with_one


def a_post():
    return PostFactory(tags=["one"])


def a_page_with_comments():
    return PageFactory(slug="guestbook", comments_enabled=True)


@pytest.mark.parametrize("make", [a_post, a_page_with_comments])
@pytest.mark.parametrize("comment_page", ["", "?cpage=11"])
def test_a_post_or_page_query_count_is_the_same_with_one_and_eleven_comment_pages(
    client, settings, comment_page, make
):
    settings.COMMENTS_PER_PAGE = 4
    settings.FRAGMENT_CACHE_SECONDS = settings.PAGE_CACHE_SECONDS = 0  # every request builds all
    post = make()
    url = post.get_absolute_url() + comment_page
    CommentFactory(approved=True, parent=CommentFactory(approved=True, post=post))
    with_one = count_queries(client, url)
    for _ in range(20):
        CommentFactory(approved=True, parent=CommentFactory(approved=True, post=post))
    assert count_queries(client, url) == with_one


def test_post_page_with_the_fragments_and_the_page_cache_off_takes_eight_queries(client, settings):
    settings.FRAGMENT_CACHE_SECONDS = settings.PAGE_CACHE_SECONDS = 0
    post = PostFactory(tags=["one"])
    for _ in range(3):
        CommentFactory(approved=True, parent=CommentFactory(approved=True, post=post))
    # The post and its author, its tags, previous and next posts, related posts, where its
    # comment pages start, the page's threads, the moderation rules. The site's settings and
    # shared parts are kept even with the fragments off (test_site_footer).
    assert count_queries(client, post.get_absolute_url()) == 8


def test_page_with_comments_and_the_fragments_and_the_page_cache_off_takes_four_queries(
    client, settings
):
    settings.FRAGMENT_CACHE_SECONDS = settings.PAGE_CACHE_SECONDS = 0
    page = PageFactory(slug="guestbook", comments_enabled=True)
    for _ in range(3):
        CommentFactory(approved=True, parent=CommentFactory(approved=True, post=page))
    # The page, where its comment pages start, the page's threads, the moderation rules.
    assert count_queries(client, page.get_absolute_url()) == 4
