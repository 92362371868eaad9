"""Security headers on public and admin pages, and markup that a strict CSP lets through.

The policy forbids inline script and style, so no page may carry an inline <script>, a <style>
element, a style="" attribute or an on...= handler (JSON data blocks are not run and may stay).
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DATA_BLOCK_TYPES = {"application/ld+json", "application/json"}


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block on a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") not in DATA_BLOCK_TYPES:
            self.found.append(f"inline <script> {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'{name}="" on <{tag}>')
        if any(str(value).lower().startswith("javascript:") for value in attrs.values()):
            self.found.append(f"javascript: URL on <{tag}>")


def inline_code_in(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def pages(client, superuser):
    """Fetch a page by path, logged in as a superuser for admin paths."""
    post = PostFactory(title="Hardened", tags=["security"])
    comment = CommentFactory(post=post, approved=True, author_url="https://example.com/")

    def get(name):
        paths = {
            "index": reverse("blog:index"),
            "post": post.get_absolute_url(),
            "tag": reverse("blog:tag", args=["security"]),
            "search": reverse("blog:search") + "?q=Hardened",
            "author": reverse("blog:author", args=[post.author.pk]),
            "404": "/no-such-page/",
            "admin login": reverse("admin:login"),
            "admin index": reverse("admin:index"),
            "admin post add": reverse("admin:blog_post_add"),
            "admin post change": reverse("admin:blog_post_change", args=[post.pk]),
            "admin comment list": reverse("admin:comments_comment_changelist"),
            "admin comment change": reverse("admin:comments_comment_change", args=[comment.pk]),
        }
        if name.startswith("admin") and name != "admin login":
            client.force_login(superuser)
        response = client.get(paths[name])
        assert response.status_code == (404 if name == "404" else 200), name
        return response

    return get


PAGES = [
    "index",
    "post",
    "tag",
    "search",
    "author",
    "404",
    "admin login",
    "admin index",
    "admin post add",
    "admin post change",
    "admin comment list",
    "admin comment change",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_a_csp_that_allows_no_inline_script_or_style(pages, page):
    directives = csp_directives(pages(page))
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in str(directives) and "'unsafe-eval'" not in str(directives)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_carries_inline_script_style_or_event_handlers(pages, page):
    assert inline_code_in(pages(page).content.decode()) == []


@pytest.mark.parametrize("page", ["post", "admin post change"])
def test_pages_forbid_framing_and_unused_browser_features_and_trim_referrers(pages, page):
    response = pages(page)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_the_inline_code_detector_finds_what_the_policy_would_block():
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/ld+json">{}</script><p style="color:red" onclick="x()">'
        '<style>p{}</style><a href="javascript:alert(1)">'
    )
    assert inline_code_in(html) == [
        "inline <script> {}",
        'style="" on <p>',
        'onclick="" on <p>',
        "<style> element",
        "javascript: URL on <a>",
    ]


def test_no_template_holds_inline_script_or_style():
    """Templates the page tests above do not render (errors, e-mails...) are checked as text."""
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        found = inline_code_in(path.read_text())
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}
