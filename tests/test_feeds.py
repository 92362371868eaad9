"""RSS and Atom feeds: published posts only, absolute links, announced on every page."""

from html.parser import HTMLParser

import feedparser
import pytest
from django.urls import reverse

from tests.factories import CommentFactory, PageFactory, PostFactory

pytestmark = pytest.mark.django_db

SITE = "https://blog.example.com"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")  # well-formed XML
    return response, feed


class HeadLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alternates = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates[attrs["href"]] = attrs["type"]


def alternates(client, url) -> dict:
    parser = HeadLinks()
    parser.feed(client.get(url).content.decode())
    return parser.alternates


@pytest.mark.parametrize(
    ("route", "version"), [("blog:feed_rss", "rss20"), ("blog:feed_atom", "atom10")]
)
def test_site_feed_lists_published_posts_only_with_absolute_links(client, route, version):
    live = PostFactory(title="Live post", tags=["django"])
    PostFactory(title="Draft post", draft=True)
    PostFactory(title="Scheduled post", scheduled=True)
    PageFactory(title="About page", tags=["django"])
    response, feed = parse(client, reverse(route))
    assert feed.version == version
    assert [entry.title for entry in feed.entries] == ["Live post"]
    entry = feed.entries[0]
    assert entry.link == SITE + live.get_absolute_url()
    assert entry.summary == live.summary
    assert [tag.term for tag in entry.tags] == ["django"]
    assert feed.feed.link == SITE + reverse("blog:post_list")
    assert b"Draft post" not in response.content
    assert b"Scheduled post" not in response.content
    assert b"About page" not in response.content


def test_site_feed_lists_the_twenty_latest_posts_newest_first(client):
    posts = PostFactory.create_batch(22)
    _, feed = parse(client, reverse("blog:feed_rss"))
    assert len(feed.entries) == 20
    newest_first = sorted(posts, key=lambda p: p.publish_at, reverse=True)
    assert [e.title for e in feed.entries] == [p.title for p in newest_first[:20]]


@pytest.mark.parametrize("route", ["blog:tag_feed_rss", "blog:tag_feed_atom"])
def test_tag_feed_lists_published_posts_with_that_tag(client, route):
    PostFactory(title="Tagged", tags=["django"])
    PostFactory(title="Other tag", tags=["python"])
    PostFactory(title="Tagged draft", tags=["django"], draft=True)
    PageFactory(title="Tagged page", tags=["django"])
    _, feed = parse(client, reverse(route, args=["django"]))
    assert [entry.title for entry in feed.entries] == ["Tagged"]
    assert feed.feed.link == SITE + reverse("blog:tag", args=["django"])


def test_tag_feed_of_a_tag_only_drafts_or_pages_use_is_404(client):
    PostFactory(tags=["secret-plans"], draft=True)
    PageFactory(tags=["secret-plans"])
    assert client.get(reverse("blog:tag_feed_rss", args=["secret-plans"])).status_code == 404
    assert client.get(reverse("blog:tag_feed_rss", args=["no-such-tag"])).status_code == 404


def test_summary_markup_reaches_feed_readers_as_text(client):
    PostFactory(summary="Use <script>alert(1)</script> & friends")
    response = client.get(reverse("blog:feed_rss"))
    # Escaped twice: once for the XML, once so the reader's HTML shows it as text.
    assert b"&amp;lt;script&amp;gt;" in response.content
    assert b"<script" not in response.content


def test_every_page_announces_the_site_feeds(client):
    post = PostFactory(tags=["django"])
    for url in ["/", post.get_absolute_url(), reverse("blog:tag", args=["django"])]:
        links = alternates(client, url)
        assert links[SITE + reverse("blog:feed_rss")] == "application/rss+xml"
        assert links[SITE + reverse("blog:feed_atom")] == "application/atom+xml"


def test_tag_page_announces_its_own_feeds(client):
    PostFactory(tags=["django"])
    links = alternates(client, reverse("blog:tag", args=["django"]))
    assert links[SITE + reverse("blog:tag_feed_rss", args=["django"])] == "application/rss+xml"
    assert links[SITE + reverse("blog:tag_feed_atom", args=["django"])] == "application/atom+xml"


# A page open to comments has a post's comment feed.
COMMENTED = {
    "post": lambda: PostFactory(title="Commented"),
    "page": lambda: PageFactory(title="Commented", comments_enabled=True),
}


@pytest.mark.parametrize("kind", COMMENTED)
def test_post_comments_feed_lists_approved_comments_in_public_threads_only(client, kind):
    post = COMMENTED[kind]()
    approved = CommentFactory(post=post, approved=True, body="A fine post")
    CommentFactory(post=post, pending=True, body="Awaiting moderation")
    CommentFactory(post=post, spam=True, body="Buy pills")
    hidden_parent = CommentFactory(post=post, status="rejected", body="Rejected")
    CommentFactory(parent=hidden_parent, approved=True, body="Reply to a rejected comment")
    CommentFactory(approved=True, body="On another post")
    response, feed = parse(client, reverse("comments:post_feed", args=[post.pk]))
    assert [entry.link for entry in feed.entries] == [SITE + approved.get_absolute_url()]
    assert feed.entries[0].author == approved.author_name
    assert feed.feed.link == SITE + post.get_absolute_url()
    for hidden in [b"Awaiting moderation", b"Buy pills", b"Rejected", b"another post"]:
        assert hidden not in response.content
    assert approved.author_email.encode() not in response.content


def test_comment_markup_reaches_feed_readers_as_text(client):
    comment = CommentFactory(approved=True, body="<script>alert(1)</script>")
    response = client.get(reverse("comments:post_feed", args=[comment.post.pk]))
    assert b"&amp;lt;script&amp;gt;" in response.content
    assert b"<script" not in response.content


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_comments_feed_of_an_unpublished_post_is_404(client, trait):
    comment = CommentFactory(post=PostFactory(**{trait: True}), approved=True)
    assert client.get(reverse("comments:post_feed", args=[comment.post.pk])).status_code == 404


def test_comments_feed_of_a_draft_page_is_404(client):
    page = PageFactory(status="draft", comments_enabled=True)
    CommentFactory(post=page, approved=True)
    assert client.get(reverse("comments:post_feed", args=[page.pk])).status_code == 404


def test_post_page_announces_its_comments_feed(client):
    post = PostFactory()
    links = alternates(client, post.get_absolute_url())
    assert links[SITE + reverse("comments:post_feed", args=[post.pk])] == "application/rss+xml"


def test_feeds_are_the_same_whichever_host_was_asked(client, settings):
    settings.ALLOWED_HOSTS = ["blog.example.com", "other.example.com"]
    PostFactory()
    one = client.get(reverse("blog:feed_atom"), HTTP_HOST="blog.example.com").content
    other = client.get(reverse("blog:feed_atom"), HTTP_HOST="other.example.com").content
    assert one == other
    assert b"other.example.com" not in other
