"""Page quality a reader never asks for but always notices: icons, dark mode, a light page."""

import gzip
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from tests.public_pages import public_pages

pytestmark = pytest.mark.django_db

PAGE_WEIGHT_LIMIT = 60 * 1024


class Links(HTMLParser):
    """<link rel=... href=...> elements of a page, as (rel, href) pairs."""

    def __init__(self, html):
        super().__init__()
        self.links = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append((attrs.get("rel"), attrs.get("href")))

    def href(self, rel):
        return next(href for link_rel, href in self.links if link_rel == rel)


def static_file(url: str) -> Path:
    path = finders.find(url.removeprefix("/static/"))
    assert path, f"{url} is not a static file"
    return Path(path)


def test_favicon_ico_answers_at_the_site_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as icon:
        assert icon.format == "ICO"


def test_every_page_links_the_favicon_and_an_apple_touch_icon(client, demo_seed_post):
    for label, (html, _) in public_pages(client, demo_seed_post).items():
        links = Links(html)
        assert links.href("icon") == "/favicon.ico", label
        with Image.open(static_file(links.href("apple-touch-icon"))) as icon:
            assert icon.size == (180, 180), label


def test_the_stylesheet_follows_the_readers_dark_mode(client):
    css = static_file(Links(client.get("/").content.decode()).href("stylesheet")).read_text()
    assert "@media (prefers-color-scheme: dark)" in css
    assert "color-scheme: light dark" in css


def test_seed_post_page_weighs_at_most_60_kb_compressed_with_its_css_and_fonts(
    client, demo_seed_post
):
    html = client.get(demo_seed_post.get_absolute_url()).content
    links = Links(html.decode())
    sizes = {"HTML": len(gzip.compress(html, 9))}
    for rel, href in links.links:
        if rel in ("stylesheet", "preload"):
            css = static_file(href).read_bytes()
            sizes[href] = len(gzip.compress(css, 9))
            for font in css.decode().split("url(")[1:]:
                sizes[font] = static_file(font.split(")")[0].strip("'\"")).stat().st_size
    total = sum(sizes.values())
    print(f"Seed post page: {total / 1024:.1f} KB compressed ({sizes})")
    assert total <= PAGE_WEIGHT_LIMIT, sizes
