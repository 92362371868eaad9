from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


class Landmarks(HTMLParser):
    """Collects the tag names used on a page."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def tags_of(html: str) -> list[str]:
    parser = Landmarks()
    parser.feed(html)
    return parser.tags


def test_index_lists_ten_posts_a_page_newest_first(client):
    now = timezone.now()
    for i in range(12):
        PostFactory(title=f"Entry {i:02}", publish_at=now - timedelta(hours=12 - i))
    page1 = client.get(reverse("blog:index"))
    titles = [p.title for p in page1.context["post_list"]]
    assert len(titles) == 10
    assert titles[0] == "Entry 11"
    page2 = client.get(reverse("blog:index") + "?page=2")
    assert [p.title for p in page2.context["post_list"]] == ["Entry 01", "Entry 00"]
    assert b'rel="next"' in page1.content
    assert b'rel="prev"' in page2.content


def test_blog_path_serves_the_same_index(client):
    PostFactory(title="On both addresses")
    assert b"On both addresses" in client.get("/").content
    assert b"On both addresses" in client.get("/blog/").content


@pytest.mark.parametrize("page", ["3", "0", "abc"])
def test_page_number_out_of_range_is_404(client, page):
    PostFactory.create_batch(12)
    assert client.get(f"/?page={page}").status_code == 404


def test_index_entry_shows_title_date_author_summary_and_comment_count(client):
    PostFactory(
        title="Shown",
        summary="The summary text.",
        author__first_name="Jane",
        author__last_name="Doe",
    )
    html = client.get("/").content.decode()
    assert "Shown" in html
    assert "The summary text." in html
    assert "Jane Doe" in html
    assert "<time datetime=" in html
    assert "0 comments" in html


def test_post_page_has_semantic_structure_and_back_link(client):
    post = PostFactory(title="The title", body="Body", tags=["sleep", "health"])
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    tags = tags_of(html)
    for landmark in ("header", "nav", "main", "article", "footer", "time"):
        assert landmark in tags
    assert tags.count("h1") == 1
    assert "min read" in html
    assert f'href="{reverse("blog:index")}">Back to blog</a>' in html
    assert "Leave a comment" in html
    assert 'href="/blog/tag/sleep/"' in html


def test_tag_page_lists_only_published_posts_with_that_tag(client):
    PostFactory(title="Tagged live", tags=["sleep"])
    PostFactory(title="Tagged draft", tags=["sleep"], draft=True)
    PostFactory(title="Other tag", tags=["food"])
    html = client.get(reverse("blog:tag", args=["sleep"])).content.decode()
    assert "Tagged live" in html
    assert "Tagged draft" not in html
    assert "Other tag" not in html


def test_unknown_address_gets_the_styled_404_page(client):
    response = client.get("/blog/no-such-post/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"site.css" in response.content


def test_server_error_page_is_styled(client, settings):
    from core.views import server_error

    response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_tag_used_only_by_drafts_is_404(client):
    PostFactory(tags=["secret-project"], draft=True)
    assert client.get(reverse("blog:tag", args=["secret-project"])).status_code == 404


@pytest.mark.django_db
def test_index_page_size_follows_the_posts_per_page_setting(client, settings):
    PostFactory.create_batch(3)
    assert not client.get(reverse("blog:post_list")).context["page_obj"].has_next()
    settings.POSTS_PER_PAGE = 2  # changed after the views were loaded and used
    cache.clear()  # the page cache keeps the first answer otherwise
    response = client.get(reverse("blog:post_list"))
    assert len(response.context["page_obj"].object_list) == 2
    assert response.context["page_obj"].has_next()
