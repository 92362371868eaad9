"""What crawlers and link previews read in a page's head: title, description, canonical URL,
OpenGraph and Twitter cards, and JSON-LD."""

import json
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from blog.models import Post
from tests.factories import PostFactory, UserFactory
from tests.test_post_model import png_bytes

pytestmark = pytest.mark.django_db

SITE = "https://blog.example.com"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


class Head(HTMLParser):
    """The head's title, <meta> values by name or property, <link rel> hrefs and JSON-LD."""

    def __init__(self):
        super().__init__()
        self.title, self.meta, self.links, self.ld_json = "", {}, {}, []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta.setdefault(attrs.get("name") or attrs["property"], attrs["content"])
        elif tag == "link":
            self.links.setdefault(attrs["rel"], attrs["href"])
        elif tag == "title" or (tag == "script" and attrs.get("type") == "application/ld+json"):
            self._in = tag

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.ld_json.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in = None


def head_of(client, url) -> Head:
    response = client.get(url)
    assert response.status_code == 200
    head = Head()
    head.feed(response.content.decode())
    return head


def test_post_page_has_title_description_and_canonical_url(client):
    post = PostFactory(title="On feeds", summary="Why feeds still matter.")
    head = head_of(client, post.get_absolute_url() + "?utm_source=x")
    assert head.title.startswith("On feeds")
    assert head.meta["description"] == "Why feeds still matter."
    assert head.links["canonical"] == SITE + post.get_absolute_url()


def test_post_page_has_opengraph_and_twitter_tags(client):
    post = PostFactory(title="On feeds", summary="Why feeds still matter.", tags=["web"])
    head = head_of(client, post.get_absolute_url())
    assert head.meta["og:type"] == "article"
    assert head.meta["og:title"] == "On feeds"
    assert head.meta["og:description"] == "Why feeds still matter."
    assert head.meta["og:url"] == SITE + post.get_absolute_url()
    assert head.meta["article:tag"] == "web"
    assert head.meta["twitter:card"] == "summary"
    assert "og:image" not in head.meta


def test_post_with_a_cover_shares_its_absolute_image_url(client):
    post = PostFactory(
        cover_image=SimpleUploadedFile("cover.png", png_bytes()), cover_image_alt="A teal field"
    )
    head = head_of(client, post.get_absolute_url())
    assert head.meta["og:image"] == SITE + post.cover_image.url
    assert head.meta["og:image:alt"] == "A teal field"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["twitter:image"] == SITE + post.cover_image.url
    assert head.ld_json[0]["image"] == SITE + post.cover_image.url


def test_post_page_describes_itself_as_a_blogposting_in_json_ld(client):
    author = UserFactory(first_name="Ada", last_name="Lovelace")
    post = PostFactory(title="Notes", author=author)
    post.refresh_from_db()
    [data] = head_of(client, post.get_absolute_url()).ld_json
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Notes"
    assert data["author"] == {"@type": "Person", "name": "Ada Lovelace"}
    assert data["url"] == SITE + post.get_absolute_url()
    assert data["datePublished"][:19] == post.publish_at.isoformat()[:19]
    assert data["dateModified"][:19] == post.updated.isoformat()[:19]
    assert "image" not in data


def test_json_ld_cannot_be_broken_out_of_by_a_title(client):
    title = "</script><script>alert(1)</script> & more"
    post = PostFactory(title=title)
    response = client.get(post.get_absolute_url())
    assert b"</script><script>alert(1)" not in response.content
    head = Head()
    head.feed(response.content.decode())
    assert head.ld_json[0]["headline"] == title


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_staff_preview_has_no_canonical_sharing_tags_or_json_ld(client, editor, trait):
    post = PostFactory(**{trait: True})
    client.force_login(editor)
    head = head_of(client, post.get_absolute_url())
    assert head.meta["robots"] == "noindex, nofollow"
    assert "canonical" not in head.links
    assert "og:title" not in head.meta
    assert head.ld_json == []


def test_index_and_tag_pages_have_description_and_canonical_url(client):
    PostFactory.create_batch(11, tags=["web"])
    index = head_of(client, "/?page=2&utm_source=x")
    assert index.meta["description"]
    assert index.links["canonical"] == SITE + "/?page=2"
    tag_url = reverse("blog:tag", args=["web"])
    tag = head_of(client, tag_url)
    assert "web" in tag.title
    assert "web" in tag.meta["description"]
    assert tag.links["canonical"] == SITE + tag_url


def test_a_post_cannot_take_the_address_of_another_page():
    assert PostFactory(title="Search").slug == "search-2"
    assert PostFactory(title="Feed").slug == "feed-2"
    post = PostFactory.build(title="Anything", slug="feed")
    with pytest.raises(ValidationError) as excinfo:
        post.full_clean()
    assert "slug" in excinfo.value.message_dict
    assert not Post.objects.filter(slug__in=["search", "feed"]).exists()
