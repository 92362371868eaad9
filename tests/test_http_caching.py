"""What proxies and browsers are told: public pages may be shared, personal ones never; every
answer carries a validator and conditional GETs get 304 (core.middleware)."""

import pytest
from django.test import Client

from tests.factories import CommentFormDataFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=0, s-maxage=10, stale-while-revalidate=30"
HTML_PAGES = [
    "/",
    "/blog/",
    "/blog/tag/sky/",
    "/blog/author/{author}/",
    "/blog/{month}/",
    "/blog/{slug}/",
    "/blog/{slug}/?cpage=2",
]
FEEDS = [
    "/blog/feed/",
    "/blog/feed/atom/",
    "/blog/tag/sky/feed/",
    "/comments/post/{pk}/feed/",
    "/sitemap.xml",
    "/sitemap-posts.xml",
]


@pytest.fixture
def post():
    return PostFactory(title="First light", tags=["sky"])


def fill(url, post):
    month = f"{post.publish_at:%Y/%m}"
    return url.format(author=post.author_id, month=month, pk=post.pk, slug=post.slug)


@pytest.mark.parametrize("url", HTML_PAGES)
def test_anonymous_pages_may_be_kept_by_shared_caches_and_vary_on_cookie(client, post, url):
    for answer in (client.get(fill(url, post)), client.get(fill(url, post))):  # miss, then hit
        assert answer.status_code == 200
        assert answer["Cache-Control"] == PUBLIC
        assert answer["Vary"] == "Cookie"
        assert answer["ETag"].startswith('"')
        assert not answer.cookies  # nothing per visitor on a shared page


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_and_sitemaps_are_public_with_no_vary(client, post, url):
    for answer in (client.get(fill(url, post)), client.get(fill(url, post))):
        assert answer["Cache-Control"] == PUBLIC
        assert "Vary" not in answer
        assert answer["ETag"]


@pytest.mark.parametrize("url", HTML_PAGES + FEEDS)
def test_a_conditional_get_with_the_etag_gets_304(client, post, url):
    url = fill(url, post)
    etag = client.get(url)["ETag"]
    not_modified = client.get(url, headers={"if-none-match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_feeds_also_answer_if_modified_since(client, post):
    last_modified = client.get("/blog/feed/")["Last-Modified"]
    assert (
        client.get("/blog/feed/", headers={"if-modified-since": last_modified}).status_code == 304
    )


def test_the_etag_changes_when_the_page_does(client, post, django_capture_on_commit_callbacks):
    etag = client.get("/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(title="Second light")
    answer = client.get("/", headers={"if-none-match": etag})
    assert answer.status_code == 200
    assert answer["ETag"] != etag


def test_a_reader_revalidates_with_the_etag_another_reader_got(post):
    alice, bob = Client(), Client()
    etag = alice.get(post.get_absolute_url())["ETag"]
    assert bob.get(post.get_absolute_url(), headers={"if-none-match": etag}).status_code == 304


@pytest.mark.parametrize("url", ["/", "{post}"])
def test_pages_for_a_logged_in_user_are_private(client, post, url):
    client.force_login(UserFactory())
    answer = client.get(url.format(post=post.get_absolute_url()))
    assert "private" in answer["Cache-Control"]
    assert "public" not in answer["Cache-Control"]


def test_the_page_showing_a_commenters_pending_comment_is_private(client, post):
    client.post(f"/comments/post/{post.pk}/", CommentFormDataFactory(post=post), follow=False)
    for url in (post.get_absolute_url(), "/"):
        answer = client.get(url)
        assert "private" in answer["Cache-Control"]
        assert "public" not in answer["Cache-Control"]


def test_a_form_sent_back_with_errors_is_private(client, post):
    answer = client.post(f"/comments/post/{post.pk}/", {"body": ""})
    assert answer.status_code == 400
    assert "private" in answer["Cache-Control"]
    assert "public" not in answer["Cache-Control"]
