"""Old WordPress addresses of an imported site answer 301 with the same thing's address here."""

from io import StringIO

import pytest
from django.core.management import call_command

from blog.models import Post
from tests.factories import PostFactory
from tests.wordpress_exports import SAMPLE

pytestmark = pytest.mark.django_db

ULTRA = "/blog/first-ultra-50k/"  # WordPress post 4, published, /2023/09/17/first-ultra-50k
SHOES = "/blog/shoe-review-500km/"  # post 6, published


@pytest.fixture
def imported():
    call_command("import_wordpress", str(SAMPLE), stdout=StringIO())


def comments_feed(slug: str) -> str:
    return f"/comments/post/{Post.objects.get(slug=slug).pk}/feed/"


def assert_redirects(client, old: str, new: str) -> None:
    response = client.get(old)
    assert (response.status_code, response.get("Location")) == (301, new), old


@pytest.mark.parametrize(
    "old",
    [
        "/?p=4",
        "/index.php?p=4",
        "/index.php/?p=4",
        "/some/old/path/?p=4",
        "/?page_id=4",
        "/2023/09/17/first-ultra-50k/",
        "/index.php/2023/09/17/first-ultra-50k/",
        # The same post under the other permalink structures WordPress offers.
        "/2023/09/first-ultra-50k/",
        "/2023/first-ultra-50k/",
        "/first-ultra-50k/",
        "/first-ultra-50k",
        "/archives/4",
        # What may follow a permalink: a page of the post or of its comments, AMP.
        "/2023/09/17/first-ultra-50k/2/",
        "/2023/09/17/first-ultra-50k/comment-page-2/",
        "/first-ultra-50k/amp/",
    ],
)
def test_every_shape_of_an_old_post_link_answers_301_with_the_post(imported, client, old):
    assert_redirects(client, old, ULTRA)


def test_a_post_link_answers_head_requests_too(imported, client):
    response = client.head("/2023/09/first-ultra-50k/")
    assert (response.status_code, response["Location"]) == (301, ULTRA)


def test_a_post_feed_link_answers_with_its_comments_feed(imported, client):
    feed = comments_feed("first-ultra-50k")
    for old in ("/2023/09/17/first-ultra-50k/feed/", "/first-ultra-50k/feed/", "/?p=4&feed=rss2"):
        assert_redirects(client, old, feed)
    assert client.get(feed).status_code == 200


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/feed/", "/blog/feed/"),
        ("/feed", "/blog/feed/"),
        ("/feed/rss2/", "/blog/feed/"),
        ("/feed/atom/", "/blog/feed/atom/"),
        ("/index.php/feed/", "/blog/feed/"),
        ("/?feed=rss2", "/blog/feed/"),
        ("/?feed=atom", "/blog/feed/atom/"),
        ("/wp-atom.php", "/blog/feed/atom/"),
        ("/category/race-reports/", "/blog/tag/race-reports/"),
        ("/category/gear/shoes/", "/blog/tag/shoes/"),  # a child category: its own name
        ("/category/race-reports/page/2/", "/blog/tag/race-reports/"),
        ("/category/race-reports/feed/", "/blog/tag/race-reports/feed/"),
        ("/category/race-reports/feed/atom/", "/blog/tag/race-reports/feed/atom/"),
        ("/tag/race-report/", "/blog/tag/race-report/"),
        ("/tag/ultra/feed/", "/blog/tag/ultra/feed/"),
        ("/?tag=rain", "/blog/tag/rain/"),
        ("/?s=rain+jacket", "/blog/search/?q=rain+jacket"),
        ("/2023/09/", "/blog/2023/09/"),
        ("/2023/09/17/", "/blog/2023/09/"),
        ("/?m=202309", "/blog/2023/09/"),
        ("/page/2/", "/?page=2"),
    ],
)
def test_feeds_categories_tags_search_and_archives_answer_301(imported, client, old, new):
    assert_redirects(client, old, new)


def test_each_redirect_lands_on_a_page_that_exists(imported, client, settings):
    settings.POSTS_PER_PAGE = 1
    for old in ("/feed/", "/category/gear/shoes/", "/tag/ultra/feed/", "/2023/09/", "/page/2/"):
        assert client.get(old, follow=True).status_code == 200, old


@pytest.mark.parametrize(
    "old",
    [
        "/?p=9",  # a draft: the home page, which knows nothing of it
        "/index.php?p=9",
        "/?p=8",  # private in WordPress
        "/?p=7",  # password-protected
        "/2024/04/01/injury-notes/",
        "/2024/04/injury-notes/",
        "/injury-notes/",
        "/injury-notes/feed/",
        "/archives/8",
        "/?p=8&feed=rss2",
    ],
)
def test_old_links_of_posts_that_are_not_public_lead_nowhere(imported, client, old):
    response = client.get(old)
    assert response.status_code in (200, 404)
    assert response.status_code == 404 or old.startswith("/?")
    assert "injury" not in response.get("Location", "")


def test_a_post_unpublished_here_is_no_longer_redirected_to(imported, client):
    Post.objects.filter(slug="first-ultra-50k").unpublish()
    for old in ("/?p=4", "/index.php?p=4", "/2023/09/17/first-ultra-50k/", "/first-ultra-50k/"):
        assert client.get(old).status_code in (200, 404), old
        assert client.get(old).get("Location") is None, old


def test_a_scheduled_post_is_not_redirected_to_before_it_goes_live(client):
    PostFactory(slug="coming-soon", status=Post.Status.PUBLISHED, publish_at="2999-01-01T00:00Z")
    assert client.get("/2024/05/coming-soon/").status_code == 404


def test_a_tag_only_drafts_carry_is_not_revealed(imported, client):
    PostFactory(status=Post.Status.DRAFT).tags.add("secret plans")
    for old in ("/tag/secret-plans/", "/category/secret-plans/", "/?tag=secret-plans"):
        assert client.get(old).get("Location") is None, old


def test_a_post_written_here_is_found_by_its_slug_under_an_old_permalink_shape(client):
    PostFactory(slug="written-here", status=Post.Status.PUBLISHED)
    assert_redirects(client, "/2024/05/written-here/", "/blog/written-here/")


def test_addresses_that_are_no_wordpress_link_stay_404(imported, client):
    for path in (
        "/2023/09/17/nothing-here/",
        "/nothing-here/",
        "/blog/nothing-here/",
        "/category/nothing/",
        "/tag/nothing/feed/",
        "/feed/nothing/",
        "/2023/13/",
        "/archives/99999999999999999999",
        "/?p=99999999999999999999",
    ):
        response = client.get(path)
        assert response.get("Location") is None, path
        assert response.status_code == (200 if path.startswith("/?") else 404), path


def test_the_home_page_with_its_own_parameters_is_not_redirected(imported, client):
    assert client.get("/?page=2").status_code in (200, 404)
    assert client.get("/").status_code == 200
    assert client.get("/?utm_source=x").status_code == 200


def test_a_post_request_to_an_old_link_is_not_redirected(imported, client):
    assert client.post("/?p=4").status_code != 301
    assert client.post("/2023/09/first-ultra-50k/").status_code != 301


def test_the_home_page_without_wordpress_parameters_costs_no_redirect_query(
    imported, client, django_assert_num_queries
):
    client.get("/")  # warm the caches the page itself uses
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200


def test_a_permalink_that_ends_like_a_page_number_is_still_its_post(tmp_path, client):
    from tests.wordpress_exports import item, write_export

    export = write_export(tmp_path / "e.xml", item(1, slug="2024"), item(2, slug="wrap-up"))
    call_command("import_wordpress", str(export), stdout=StringIO())
    assert_redirects(client, "/2024/01/02/2024/", "/blog/2024/")
    assert_redirects(client, "/2024/01/02/wrap-up/2/", "/blog/wrap-up/")
