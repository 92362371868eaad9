"""/sitemap.xml and /robots.txt: what crawlers are told about, published things only."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post
from tests.factories import PageFactory, PostFactory

pytestmark = pytest.mark.django_db

SITE = "https://blog.example.com"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def xml_of(client, url) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def entries(client, section) -> dict:
    """{location: lastmod} of one sitemap section."""
    root = xml_of(client, f"/sitemap-{section}.xml")
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def test_sitemap_index_names_each_section_on_the_site_url(client):
    root = xml_of(client, "/sitemap.xml")
    locations = [loc.text for loc in root.findall("sm:sitemap/sm:loc", NS)]
    assert locations == [
        f"{SITE}/sitemap-pages.xml",
        f"{SITE}/sitemap-posts.xml",
        f"{SITE}/sitemap-tags.xml",
    ]


def test_sitemap_lists_published_posts_with_their_last_change(client):
    live = PostFactory()
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    PageFactory(slug="about")  # in the pages section, not here
    last_change = timezone.now() - timedelta(days=3)
    Post.objects.filter(pk=live.pk).update(updated=last_change)
    assert entries(client, "posts") == {
        SITE + live.get_absolute_url(): last_change.date().isoformat()
    }


def test_sitemap_lists_the_index_and_tags_of_published_posts(client):
    PostFactory(tags=["django", "python"])
    PostFactory(tags=["python", "unreleased"], draft=True)
    PageFactory(slug="about", tags=["only-on-a-page"])
    PageFactory(slug="plans", status="draft")
    assert list(entries(client, "pages")) == [f"{SITE}/", f"{SITE}/about/"]
    assert list(entries(client, "tags")) == [f"{SITE}/blog/tag/django/", f"{SITE}/blog/tag/python/"]


def test_unknown_sitemap_section_is_404(client):
    assert client.get("/sitemap-users.xml").status_code == 404


def test_robots_txt_names_the_sitemap_by_its_absolute_url(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
