"""Comments on the owner's pages: off unless the owner allows them; once allowed, a page's
comment section, moderation, cache and privacy are a post's. A page is in no list of posts."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog import generations, site
from blog.models import Page, Post
from comments import personal_data, services
from comments.forms import MODERATION_NOTICE
from comments.models import Comment, ModerationSettings
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    PageFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def submit(client, page, **data):
    url = reverse("comments:submit", args=[page.pk])
    return client.post(url, CommentFormDataFactory(post=page, **data))


def approve(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="test",
    )


# Comments off unless asked for


def test_a_new_page_has_comments_off_and_a_new_post_keeps_the_sites_default():
    assert Page().comments_enabled is False
    assert PageFactory().comments_enabled is False
    assert Post().comments_enabled is True
    assert Page.objects.create(title="T", slug="t", body="b", author=UserFactory()).kind == "page"


def test_the_page_form_offers_allow_comments_unchecked(client, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:blog_page_add")).content.decode()
    assert "Allow comments" in html
    checkbox = html.split('name="comments_enabled"', 1)[1].split(">", 1)[0]
    assert 'id="id_comments_enabled"' in checkbox and "checked" not in checkbox
    # Only a page's fields: no date, tags, cover, author or review note.
    for post_only in ("publish_at", "tags", "cover_image", "author", "review_note", "summary"):
        assert f'name="{post_only}"' not in html, post_only


def test_an_editor_adds_a_page_with_comments_allowed_and_it_takes_comments(client, editor):
    client.force_login(editor)
    data = {
        "title": "Guestbook",
        "slug": "guestbook",
        "body": "Say hello.",
        "status": "published",
        "in_navigation": "on",
        "position": "0",
        "comments_enabled": "on",
    }
    assert client.post(reverse("admin:blog_page_add"), data).status_code == 302
    page = Page.objects.get(slug="guestbook")
    assert (page.kind, page.author, page.comments_enabled) == ("page", editor, True)
    client.logout()
    assert "Leave a comment" in client.get("/guestbook/").content.decode()


def test_a_page_with_comments_off_shows_no_section_and_refuses_a_comment(client):
    page = PageFactory(slug="about", body="Who we are.")
    CommentFactory(post=page, body="Waiting, never approved.")
    html = client.get("/about/").content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>")[0]
    assert 'id="comments"' not in main and "Leave a comment" not in main
    assert "Waiting, never approved." not in main, "only pending comments: no section at all"
    answer = submit(client, page, body="Hello there?")
    assert answer.status_code == 403
    refused = answer.content.decode()
    assert "Comments are closed on this page" in refused and "Hello there?" in refused
    assert Comment.objects.filter(body="Hello there?").count() == 0


# Comments allowed: a post's section, queue and cache


def test_a_comment_on_a_page_waits_in_the_queue_then_shows_on_the_page(client, moderator, settings):
    settings.COMMENT_MIN_SECONDS = 0
    page = PageFactory(slug="guestbook", comments_enabled=True)
    html = client.get("/guestbook/").content.decode()
    assert "Leave a comment" in html and MODERATION_NOTICE in html
    reader = Client()
    answer = submit(reader, page, author_name="Ada", body="What a lovely page.")
    assert answer.status_code == 302 and answer["Location"] == "/guestbook/#comments"
    comment = Comment.objects.get(body="What a lovely page.")
    assert comment.status == Comment.Status.PENDING
    assert comment.get_absolute_url() == f"/guestbook/#c{comment.pk}"

    moderators = Client()
    moderators.force_login(moderator)
    queue = moderators.get(reverse("admin:comments_comment_changelist")).content.decode()
    assert "What a lovely page." in queue

    stranger = Client()
    stranger.get("/guestbook/")
    before = stranger.get("/guestbook/")
    assert before["X-Page-Cache"] == "hit"
    assert "What a lovely page." not in before.content.decode()
    assert (
        generations.surrogate_keys([generations.post_page("guestbook")])[0]
        in before["Surrogate-Key"].split()
    )
    approve(comment)
    after = stranger.get("/guestbook/")
    assert after["X-Page-Cache"] == "miss"
    assert "What a lovely page." in after.content.decode()
    page.refresh_from_db()
    assert page.approved_comment_count == 1


def test_a_refused_comment_comes_back_on_the_page_with_what_was_typed(client):
    page = PageFactory(title="Guestbook", slug="guestbook", comments_enabled=True)
    answer = submit(client, page, author_email="not an address", body="Kept as typed.")
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "<h1>Guestbook</h1>" in html and "Kept as typed." in html
    assert 'id="comment-errors"' in html
    assert "no-cache" in answer["Cache-Control"]


def test_moderators_mail_and_personal_data_name_and_link_the_page(moderator, settings):
    settings.SITE_URL = "https://blog.example.com"
    page = PageFactory(title="Guestbook", slug="guestbook", comments_enabled=True)
    comment = CommentFactory(post=page, author_email="ada@example.com", body="Hello from Ada.")
    services.notify_moderators(comment)
    [message] = [m for m in mail.outbox if m.to == [moderator.email]]
    assert "“Guestbook”" in message.subject and "Hello from Ada." in message.body
    [held] = json.loads(personal_data.export("ada@example.com"))["comments"]
    assert (held["post"], held["link"]) == (
        "Guestbook",
        f"https://blog.example.com/guestbook/#c{comment.pk}",
    )


def test_closing_a_pages_comments_keeps_the_approved_ones_and_takes_no_more(client):
    page = PageFactory(slug="guestbook", comments_enabled=True)
    CommentFactory(post=page, approved=True, body="An approved remark.")
    CommentFactory(post=page, body="A pending remark.")
    assert "An approved remark." in client.get("/guestbook/").content.decode()
    page.comments_enabled = False
    page.save()
    main = client.get("/guestbook/").content.decode().split('<main id="main"', 1)[1]
    assert "An approved remark." in main and "A pending remark." not in main
    assert "Comments are closed on this page." in main and "Leave a comment" not in main
    assert submit(client, page, body="One more?").status_code == 403
    assert not Comment.objects.filter(body="One more?").exists()


def test_a_page_never_closes_to_comments_by_age_while_an_old_post_does(client):
    ModerationSettings.objects.filter(pk=1).update(close_after_days=30)
    years_ago = timezone.now() - timedelta(days=3 * 365)
    page = PageFactory(slug="guestbook", comments_enabled=True, publish_at=years_ago)
    post = PostFactory(publish_at=years_ago)
    assert "Leave a comment" in client.get("/guestbook/").content.decode()
    assert submit(client, page, body="Still open?").status_code == 302
    assert Comment.objects.filter(post=page, body="Still open?").exists()
    assert (
        "Comments are closed on this post." in client.get(post.get_absolute_url()).content.decode()
    )


# Leaks: what is not approved, and pages in lists of posts


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_a_comment_not_approved_on_a_page_is_never_public(client, status):
    page = PageFactory(slug="guestbook", comments_enabled=True)
    CommentFactory(post=page, approved=True, body="Approved and shown.")
    CommentFactory(post=page, status=status, body="Never shown to the public.")
    pages = [
        client.get("/guestbook/"),
        client.get(reverse("comments:post_feed", args=[page.pk])),
        client.get(reverse("sitemap_section", args=["pages"])),
        client.get("/"),
    ]
    assert "Approved and shown." in pages[0].content.decode()
    assert "Approved and shown." in pages[1].content.decode()
    for answer in pages:
        assert "Never shown to the public." not in answer.content.decode()
    page.refresh_from_db()
    assert page.approved_comment_count == 1


def test_pages_are_in_no_list_feed_search_or_post_sitemap(client):
    author = UserFactory()
    post = PostFactory(title="Kale season", author=author, tags=["kale"], body="Kale soup.")
    page = PageFactory(
        title="Kale policy",
        slug="kale-policy",
        author=author,
        body="Kale soup.",
        in_navigation=False,
    )
    page.tags.add("kale")  # the page form has no tags, but a row could carry one
    month = f"{post.publish_at:%Y}/{post.publish_at:%m}"
    lists = [
        "/",
        "/blog/",
        "/blog/tag/kale/",
        f"/blog/{month}/",
        f"/blog/author/{author.pk}/",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/blog/tag/kale/feed/",
        "/blog/tag/kale/feed/atom/",
        "/blog/search/?q=kale",
        reverse("sitemap_section", args=["posts"]),
    ]
    for url in lists:
        answer = client.get(url)
        html = answer.content.decode()
        assert answer.status_code == 200, url
        assert "Kale season" in html or post.slug in html, url  # the check can fail
        assert "Kale policy" not in html and "kale-policy" not in html, url
    pages_section = client.get(reverse("sitemap_section", args=["pages"])).content.decode()
    assert "/kale-policy/</loc>" in pages_section
    # Never served as a post: the old-links fallback sends /blog/<slug>/ to the page's address.
    under_blog = client.get(f"/blog/{page.slug}/")
    assert (under_blog.status_code, under_blog["Location"]) == (301, "/kale-policy/")
    from blog.pagination import published_count, tag_count

    assert published_count() == 1
    assert tag_count(page.tags.get()) == 1


def test_a_page_is_in_no_footer_month_or_tag_and_no_count(client):
    page = PageFactory(slug="lonely")
    page.tags.add("only-on-a-page")
    parts = site.shared_parts()
    assert parts["months"] == [] and parts["tags"] == []
    assert Post.objects.published().count() == 0
    assert Page.objects.published().get() == page


def test_a_page_dated_ahead_is_never_the_next_publication():
    PageFactory(publish_at=timezone.now() + timedelta(hours=1))
    [posts] = generations.current([generations.POSTS])
    assert generations.next_publication(posts) is None
    scheduled = PostFactory(scheduled=True)
    [posts] = generations.current([generations.POSTS])
    assert generations.next_publication(posts) == scheduled.publish_at


def test_the_post_admin_lists_posts_only_and_the_page_admin_pages_only(client, editor):
    PostFactory(title="A real post")
    page = PageFactory(title="An owner's page")
    client.force_login(editor)
    posts = client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert "A real post" in posts and "An owner&#x27;s page" not in posts
    pages = client.get(reverse("admin:blog_page_changelist")).content.decode()
    assert "An owner&#x27;s page" in pages and "A real post" not in pages
    # A page is not opened as a post (the admin says it does not exist and goes home).
    answer = client.get(reverse("admin:blog_post_change", args=[page.pk]))
    assert answer.status_code == 302


def test_comment_feeds_sitemap_xml_of_a_page_are_well_formed(client):
    page = PageFactory(slug="guestbook", comments_enabled=True)
    CommentFactory(post=page, approved=True, body="Fine.")
    feed = client.get(reverse("comments:post_feed", args=[page.pk]))
    root = ET.fromstring(feed.content)
    links = [element.text for element in root.iter("link")]
    assert any(link and link.endswith("/guestbook/") for link in links)
