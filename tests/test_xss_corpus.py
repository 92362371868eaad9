"""Sixty stored-XSS payloads through every field a visitor or a writer fills, on every surface.

Fields: comment name, body and website (sent through the real comment form), post title, body,
summary, cover alt text, tag names, slugs and search queries. Surfaces: the public pages (index,
post, tag, month archive, author, search, 404), the feeds (RSS, Atom, a tag's, a post's
comments), the sitemap, the admin (post list and change page, comment list and change page,
the post form's errors) and the e-mails (moderators' notice, address confirmation).

Each check asserts two things: the payloads' markers reach the page (so it could fail), and
nothing they carry became markup (tests.xss_payloads.injections: no script, no event handler,
no javascript: URL, no foreign element).
"""

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt
from PIL import Image

from blog.models import Post
from comments import feeds as comment_feeds
from comments import services, subscriptions
from comments.models import Comment, VerifiedEmail
from comments.notifications import moderation_message
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    PageFactory,
    PostFactory,
    UserFactory,
    post_admin_form,
)
from tests.xss_payloads import MARKERS, PAYLOADS, injections, markers_in

pytestmark = pytest.mark.django_db

# The admin's change and add pages are the slowest to render: every fifth payload there (all of
# them on the lists).
SAMPLE = slice(0, None, 5)
HTML_IN_FEEDS = {"description", "summary", "content"}
# Text even unescaped: template syntax, which must show as typed (never evaluated).
TEXT_PROBES = {"xss43"}


def assert_safe_html(response, expected_markers, where):
    html = response.content.decode()
    found = injections(html)
    assert not found, f"{where}: {found[:5]}"
    missing = set(expected_markers) - markers_in(html)
    assert not missing, f"{where} does not show {sorted(missing)[:5]}: the check proves nothing"


def assert_safe_pages(client, url, expected_markers, where, page_parameter="page"):
    """Every page of a paginated list: each page safe, the markers found across them (the
    admin's lists take `p` and answer a page past the last with a redirect)."""
    shown, page = set(), 1
    while (response := client.get(url, {page_parameter: page})).status_code == 200:
        html = response.content.decode()
        found = injections(html)
        assert not found, f"{where} page {page}: {found[:5]}"
        shown |= markers_in(html)
        page += 1
    missing = set(expected_markers) - shown
    assert not missing, f"{where} does not show {sorted(missing)[:5]}: the check proves nothing"


def assert_safe_xml(response, expected_markers, where):
    """Well-formed XML; HTML carried in descriptions/content is checked as HTML."""
    text = response.content.decode()
    root = ET.fromstring(response.content)
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in HTML_IN_FEEDS and element.text:
            found = injections(element.text)
            assert not found, f"{where} <{name}>: {found[:5]}"
    for payload in PAYLOADS:
        if "<" in payload:
            assert payload not in text, f"{where} carries {payload!r} unescaped"
    missing = set(expected_markers) - markers_in(text)
    assert not missing, f"{where} does not show {sorted(missing)[:5]}"


@pytest.fixture
def corpus(settings):
    """One post per payload (in every post field and as its tag), and one pending comment per
    payload (name, body, website) on the first post."""
    settings.BLOG_FEED_LENGTH = 100
    settings.COMMENTS_PER_PAGE = 100
    editor = UserFactory(username="editor", is_staff=True, groups=["Editors"])
    (settings.MEDIA_ROOT / "covers").mkdir(parents=True)
    Image.new("RGB", (4, 3)).save(settings.MEDIA_ROOT / "covers" / "cover.png")
    now = timezone.now()
    posts = [
        PostFactory(
            title=payload,
            slug=f"xss-{i}",
            summary=payload,
            body=payload,
            cover_image="covers/cover.png",
            cover_image_alt=payload,
            author=editor,
            publish_at=now - timedelta(minutes=i + 1),
            tags=[payload[:100]],
        )
        for i, payload in enumerate(PAYLOADS)
    ]
    for i, payload in enumerate(PAYLOADS):
        CommentFactory(
            post=posts[0],
            author_name=payload[:80],
            body=payload,
            author_url=f"https://example.com/{quote(payload)}"[:200],
            created=now - timedelta(seconds=i),
        )
    return {"editor": editor, "posts": posts}


def approve_all():
    services.moderate(
        comments=Comment.objects.all(), status=Comment.Status.APPROVED, moderator=None, via="bulk"
    )


def test_corpus_has_at_least_fifty_distinct_payloads():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 50
    assert all(marker in payload for marker, payload in zip(MARKERS, PAYLOADS, strict=True))


def test_every_payload_but_the_text_probes_is_caught_when_pasted_unescaped():
    """The detector is not blind: each payload, pasted raw into the context it targets (text,
    an attribute value, a link), is caught. The rest are probes for double decoding
    and template evaluation, checked by their marker showing as typed."""
    unchecked_markdown = MarkdownIt("commonmark")
    unchecked_markdown.validateLink = lambda url: True  # markdown-it's own URL check off too
    caught = set()
    for marker, payload in zip(MARKERS, PAYLOADS, strict=True):
        contexts = [
            f"<p>{payload}</p>",
            f'<input value="{payload}">',
            f"<input value='{payload}'>",
            f'<a href="{payload}">x</a>',
            f"<textarea>{payload}</textarea>",
            unchecked_markdown.render(payload),  # Markdown without the sanitiser
        ]
        if any(injections(html) for html in contexts):
            caught.add(marker)
    assert set(MARKERS) - caught == TEXT_PROBES


def test_public_pages_show_every_payload_as_text(client, corpus):
    approve_all()
    posts = corpus["posts"]
    assert_safe_pages(client, reverse("blog:index"), MARKERS, "index")
    author_url = reverse("blog:author", args=[corpus["editor"].pk])
    assert_safe_pages(client, author_url, MARKERS, "author page")
    months = {(post.publish_at.year, post.publish_at.month) for post in posts}
    for year, month in months:
        url = reverse("blog:archive_month", args=[year, f"{month:02d}"])
        expected = {
            MARKERS[i]
            for i, post in enumerate(posts)
            if (post.publish_at.year, post.publish_at.month) == (year, month)
        }
        assert_safe_pages(client, url, expected, f"archive {year}-{month}")
    assert_safe_html(client.get(posts[0].get_absolute_url()), MARKERS, "post with the comments")
    for marker, post in zip(MARKERS, posts, strict=True):
        assert_safe_html(client.get(post.get_absolute_url()), {marker}, f"post {post.slug}")
        tag = post.tags.get()
        response = client.get(reverse("blog:tag", args=[tag.slug]))
        assert_safe_html(response, {marker}, f"tag page {tag.slug}")


def test_a_pages_comment_section_and_feed_show_every_payload_as_text(client, settings):
    settings.COMMENTS_PER_PAGE = 100
    page = PageFactory(slug="guestbook", comments_enabled=True)
    now = timezone.now()
    for i, payload in enumerate(PAYLOADS):
        CommentFactory(
            post=page,
            author_name=payload[:80],
            body=payload,
            author_url=f"https://example.com/{quote(payload)}"[:200],
            created=now - timedelta(seconds=i),
        )
    approve_all()
    assert_safe_html(client.get(page.get_absolute_url()), MARKERS, "page with the comments")
    feed = client.get(reverse("comments:post_feed", args=[page.pk]))
    assert_safe_xml(feed, MARKERS[: comment_feeds.FEED_LENGTH], "a page's comments feed")
    # A reply form opened on a payload comment (?replyto=) quotes it as text too.
    replied = Comment.objects.filter(post=page).order_by("pk").first()
    answer = client.get(page.get_absolute_url(), {"replyto": replied.pk})
    assert_safe_html(answer, {MARKERS[0]}, "a page's reply form")


def test_search_echoes_every_payload_as_text(client, corpus):
    for marker, payload in zip(MARKERS, PAYLOADS, strict=True):
        response = client.get(reverse("blog:search"), {"q": payload})
        assert response.status_code == 200
        assert_safe_html(response, {marker}, f"search for {payload!r}")


def test_payload_slugs_are_refused_and_their_pages_do_not_run_them(client, editor):
    client.force_login(editor)
    for payload in PAYLOADS:
        response = client.get("/blog/" + quote(payload, safe="") + "/")
        assert response.status_code == 404
        assert not injections(response.content.decode()), payload
    for marker, payload in zip(MARKERS[SAMPLE], PAYLOADS[SAMPLE], strict=True):
        fields = ("title", "slug", "body", "summary", "cover_image_alt")
        data = post_admin_form(author=editor.pk, **dict.fromkeys(fields, payload))
        response = client.post(reverse("admin:blog_post_add"), data)
        assert response.status_code == 200, payload  # the slug is refused: the form comes back
        assert_safe_html(response, {marker}, f"post form errors for slug {payload!r}")
    assert not Post.objects.exists()


def test_comment_form_stores_each_payload_or_shows_it_back_as_text(client):
    """Through the real form: the name and body are stored as typed; a website the form refuses
    comes back in the form, escaped."""
    post = PostFactory(slug="open-door")
    url = reverse("comments:submit", args=[post.pk])
    refused = 0
    for i, (marker, payload) in enumerate(zip(MARKERS, PAYLOADS, strict=True)):
        data = CommentFormDataFactory(
            post=post,
            author_name=payload[:80],
            body=payload,
            author_url=f"https://example.com/{payload}",
        )
        ip = f"10.0.{i // 200}.{i % 200 + 1}"
        response = client.post(url, data, REMOTE_ADDR=ip)
        if response.status_code == 400:  # the website did not pass: the form comes back
            refused += 1
            assert_safe_html(response, {marker}, f"comment form errors for {payload!r}")
            response = client.post(url, {**data, "author_url": ""}, REMOTE_ADDR=ip)
        assert response.status_code == 302, (payload, response.status_code)
        assert Comment.objects.filter(body__contains=marker, author_name__contains=marker).exists()
    assert refused, "no website payload was refused: the error page went unchecked"


def test_feeds_and_sitemap_carry_every_payload_escaped(client, corpus):
    approve_all()
    posts = corpus["posts"]
    assert_safe_xml(client.get(reverse("blog:feed_rss")), MARKERS, "RSS")
    assert_safe_xml(client.get(reverse("blog:feed_atom")), MARKERS, "Atom")
    feed = reverse("comments:post_feed", args=[posts[0].pk])
    newest = MARKERS[: comment_feeds.FEED_LENGTH]  # created newest first, in corpus order
    assert_safe_xml(client.get(feed), newest, "comments feed")
    for name in ["blog:tag_feed_rss", "blog:tag_feed_atom"]:
        tag = posts[0].tags.get()
        assert_safe_xml(client.get(reverse(name, args=[tag.slug])), {MARKERS[0]}, name)
    index = client.get(reverse("sitemap"))
    assert_safe_xml(index, set(), "sitemap index")
    for loc in ET.fromstring(index.content).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
    ):
        path = "/" + loc.text.split("/", 3)[3]
        assert_safe_xml(client.get(path), set(), path)


def test_admin_lists_and_change_pages_show_every_payload_as_text(client, corpus):
    moderator = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(moderator)
    posts = corpus["posts"]
    assert_safe_html(client.get(reverse("admin:blog_post_changelist")), MARKERS, "post list")
    assert_safe_pages(
        client, reverse("admin:comments_comment_changelist"), MARKERS, "comment list", "p"
    )
    for marker, post in zip(MARKERS[SAMPLE], posts[SAMPLE], strict=True):
        response = client.get(reverse("admin:blog_post_change", args=[post.pk]))
        assert_safe_html(response, {marker}, f"post change {post.slug}")
    for comment in Comment.objects.filter(body__in=PAYLOADS[SAMPLE]):
        response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
        assert_safe_html(response, markers_in(comment.body), f"comment change {comment.pk}")


def commenter_notice(comment):
    """The mail a commenter who asked for it gets when `comment` is published."""
    VerifiedEmail.objects.get_or_create(email=comment.author_email)
    comment.notify_me = True
    [notice] = subscriptions.notices(comment)
    return notice


def test_emails_are_plain_text_and_quote_the_payloads(corpus, moderator):
    for comment in Comment.objects.select_related("post"):
        for message in [
            moderation_message(comment=comment, address=moderator.email, moderator=moderator),
            commenter_notice(comment),
        ]:
            assert_plain_and_quoted(message, comment)
    mail.outbox.clear()
    for payload in PAYLOADS[:5]:
        services.send_verification_email(email=f"reader+{len(payload)}@example.com")
    assert mail.outbox and all(
        m.message().get_content_type() == "text/plain" and not m.alternatives for m in mail.outbox
    )


def assert_plain_and_quoted(message, comment):
    assert "\n" not in message.subject and "\r" not in message.subject
    raw = message.message()
    assert raw.get_content_type() == "text/plain" and not raw.is_multipart()
    assert markers_in(comment.body) <= markers_in(message.body)
    for line in comment.body.splitlines():
        assert f"> {line}".rstrip() in message.body  # quoted, never passing for our own lines
