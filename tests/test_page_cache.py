"""Anonymous pages come from the page cache, and every change readers would notice shows on the
next request: core.middleware, blog.generations and the purges in blog.signals, comments.counts
and the comment services and admin."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments import services
from comments.forms import read_form_time
from comments.models import Comment, ModerationSettings
from tests.clock import tomorrow_at
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    PostFactory,
    UserFactory,
    edit_in_admin,
)

pytestmark = pytest.mark.django_db

STAMP = re.compile(rb'name="stamp" value="([^"]+)"')


def served_from_cache(client, url) -> bool:
    return client.get(url).get("X-Page-Cache") == "hit"


@pytest.fixture
def post():
    return PostFactory(title="First light", tags=["sky"])


# --- served from the cache -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/blog/",
        "/?page=1",
        "/blog/tag/sky/",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/blog/tag/sky/feed/",
        "/sitemap.xml",
        "/sitemap-posts.xml",
    ],
)
def test_anonymous_list_feed_and_sitemap_pages_are_served_from_the_cache(client, post, url):
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    assert second.content == first.content


def test_month_archive_author_page_and_comment_feed_are_served_from_the_cache(client, post):
    for url in [
        f"/blog/{post.publish_at:%Y/%m}/",
        f"/blog/author/{post.author_id}/",
        f"/comments/post/{post.pk}/feed/",
    ]:
        client.get(url)
        assert served_from_cache(client, url), url


def test_anonymous_post_page_is_served_from_the_cache_without_a_query(client, post):
    CommentFactory(post=post, approved=True, body="A fine post.")
    client.get(post.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        second = client.get(post.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    assert b"A fine post." in second.content


def test_a_page_served_from_the_cache_carries_the_same_security_headers(client, post):
    # Hits are answered before most middleware runs (core.middleware): the headers set by the
    # middleware outside it must still be on them.
    first = client.get(post.get_absolute_url())
    second = client.get(post.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    for header in [
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "Referrer-Policy",
        "X-Content-Type-Options",
        "Cross-Origin-Opener-Policy",
        "Content-Type",
    ]:
        assert second[header] == first[header], header


def test_a_cached_page_does_not_reach_the_view_or_the_middleware_after_the_cache(
    client, post, monkeypatch
):
    client.get(post.get_absolute_url())
    calls = []
    for middleware in [
        "csp.middleware.CSPMiddleware.process_response",
        "django.contrib.sessions.middleware.SessionMiddleware.process_request",
        "django.middleware.common.CommonMiddleware.process_request",
        "django.contrib.auth.middleware.AuthenticationMiddleware.process_request",
    ]:
        monkeypatch.setattr(middleware, lambda self, *args, name=middleware: calls.append(name))
    assert served_from_cache(client, post.get_absolute_url())
    assert calls == []


def test_a_cached_page_is_not_served_to_a_host_the_site_does_not_serve(client, post, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client.get(post.get_absolute_url())
    assert served_from_cache(client, post.get_absolute_url())
    assert client.get(post.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_unknown_query_parameters_neither_read_nor_fill_the_cache(client, post):
    client.get("/?utm_source=x")
    assert "X-Page-Cache" not in client.get("/?utm_source=x")
    client.get(post.get_absolute_url() + "?replyto=x")
    assert "X-Page-Cache" not in client.get(post.get_absolute_url() + "?replyto=x")


def test_each_comment_page_is_cached_apart(client, post):
    client.get(post.get_absolute_url())
    assert not served_from_cache(client, post.get_absolute_url() + "?cpage=2")
    assert served_from_cache(client, post.get_absolute_url() + "?cpage=2")


# --- invalidation ---------------------------------------------------------------------------


def test_publishing_a_post_shows_it_on_the_next_request(
    client, post, django_capture_on_commit_callbacks
):
    draft = PostFactory(draft=True, title="Second light", tags=["sky"])
    for url in ["/", "/blog/tag/sky/", "/blog/feed/", "/sitemap-posts.xml"]:
        assert b"Second light" not in client.get(url).content and served_from_cache(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = draft.Status.PUBLISHED
        draft.save()
    for url in ["/", "/blog/tag/sky/", "/blog/feed/"]:
        assert b"Second light" in client.get(url).content, url
    assert draft.slug.encode() in client.get("/sitemap-posts.xml").content


def test_editing_a_post_shows_on_its_page_the_index_and_the_neighbours_links(
    client, post, django_capture_on_commit_callbacks
):
    older = PostFactory(title="Older", publish_at=post.publish_at - timedelta(days=1))
    for page in ["/", post.get_absolute_url(), older.get_absolute_url()]:
        client.get(page)
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "First light, revised"
        post.save()
    assert b"First light, revised" in client.get("/").content
    assert b"First light, revised" in client.get(post.get_absolute_url()).content
    assert b"Next: First light, revised" in client.get(older.get_absolute_url()).content


def test_unpublishing_and_deleting_a_post_remove_it_at_once(
    client, post, django_capture_on_commit_callbacks
):
    other = PostFactory(title="Other light")
    client.get("/")
    assert client.get(post.get_absolute_url()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        type(post).objects.filter(pk=post.pk).unpublish()
    assert b"First light" not in client.get("/").content
    assert client.get(post.get_absolute_url()).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        other.delete()
    assert b"Other light" not in client.get("/").content


def test_tagging_a_post_shows_it_on_the_tag_page(client, post, django_capture_on_commit_callbacks):
    other = PostFactory(title="Other light")
    assert b"Other light" not in client.get("/blog/tag/sky/").content
    with django_capture_on_commit_callbacks(execute=True):
        other.tags.add("sky")
    assert b"Other light" in client.get("/blog/tag/sky/").content


def test_renaming_an_author_shows_on_their_posts(client, post, django_capture_on_commit_callbacks):
    client.get(post.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        post.author.first_name, post.author.last_name = "Ada", "Lovelace"
        post.author.save()
    assert b"Ada Lovelace" in client.get(post.get_absolute_url()).content


def reject(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.REJECTED,
        moderator=None,
        via="page",
    )


def spam(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.SPAM,
        moderator=None,
        via="page",
    )


def approve(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="page",
    )


def delete(comment):
    """In the admin, the only place comments are deleted."""
    admin = Client()
    admin.force_login(UserFactory(username="deleter", is_staff=True, is_superuser=True))
    url = reverse("admin:comments_comment_delete", args=[comment.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302


def test_approving_a_comment_shows_it_and_its_count_at_once(
    client, post, django_capture_on_commit_callbacks
):
    comment = CommentFactory(post=post, pending=True, body="Lovely sky tonight.")
    feed = f"/comments/post/{post.pk}/feed/"
    for url in ["/", post.get_absolute_url(), feed]:
        assert b"Lovely sky" not in client.get(url).content
    assert b"0 comments" in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        approve(comment)
    assert b"Lovely sky tonight." in client.get(post.get_absolute_url()).content
    assert b"Lovely sky tonight." in client.get(feed).content
    assert b"1 comment<" in client.get("/").content


@pytest.mark.parametrize("moderate", [reject, spam, delete])
def test_rejecting_spamming_or_deleting_an_approved_comment_hides_it_at_once(
    client, post, moderate, django_capture_on_commit_callbacks
):
    comment = CommentFactory(post=post, approved=True, body="Lovely sky tonight.")
    assert b"Lovely sky tonight." in client.get(post.get_absolute_url()).content
    assert b"1 comment<" in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        moderate(comment)
    assert b"Lovely sky tonight." not in client.get(post.get_absolute_url()).content
    assert b"0 comments" in client.get("/").content


def test_moderating_a_comment_leaves_other_posts_pages_cached(
    client, post, django_capture_on_commit_callbacks
):
    other = PostFactory(title="Other light")
    comment = CommentFactory(post=post, pending=True)
    client.get(other.get_absolute_url())
    client.get("/blog/feed/")
    with django_capture_on_commit_callbacks(execute=True):
        approve(comment)
    assert served_from_cache(client, other.get_absolute_url())
    assert served_from_cache(client, "/blog/feed/")  # feeds show no comment counts


def test_a_new_pending_comment_leaves_the_lists_cached(
    client, post, django_capture_on_commit_callbacks
):
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(post=post, pending=True)
    assert served_from_cache(client, "/")


def test_closing_comments_in_the_moderation_settings_shows_at_once(
    client, admin_client, post, django_capture_on_commit_callbacks
):
    assert b"Leave a comment" in client.get(post.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        edit_in_admin(admin_client, ModerationSettings.load(), close_after_days=0)
    assert b"Comments are closed" in client.get(post.get_absolute_url()).content


def test_a_change_through_another_app_server_shows_through_the_shared_cache(
    client, post, django_capture_on_commit_callbacks, settings
):
    """Generations live in the cache the servers share, not in a server's memory."""
    from blog import generations

    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump(generations.LISTINGS)  # what another server's approval does
    assert not served_from_cache(client, "/")


# --- never someone else's page ---------------------------------------------------------------


def test_logged_in_users_neither_read_nor_fill_the_cache(client, post):
    reader = Client()
    client.force_login(UserFactory())
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")
    assert reader.get("/")["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in client.get("/")


def test_a_commenter_sees_their_pending_comment_not_the_cached_page(client, post):
    reader = Client()
    reader.get(post.get_absolute_url())
    data = CommentFormDataFactory(post=post, body="My own words, pending.")
    client.post(f"/comments/post/{post.pk}/", data)
    page = client.get(post.get_absolute_url())
    assert b"My own words, pending." in page.content
    assert "X-Page-Cache" not in page
    assert "private" in page["Cache-Control"]
    assert b"My own words, pending." not in reader.get(post.get_absolute_url()).content
    assert b"awaiting moderation" not in reader.get(post.get_absolute_url()).content


# --- one page for every reader without cookies -------------------------------------------------


@pytest.mark.parametrize("query", ["", "?cpage=2", "?replyto={comment}", "?cpage=1&replyto=9"])
def test_two_anonymous_readers_get_the_same_bytes_and_no_cookie(post, query):
    comment = CommentFactory(post=post, approved=True)
    url = post.get_absolute_url() + query.format(comment=comment.pk)
    first, second = Client().get(url), Client().get(url)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert not first.cookies and not second.cookies
    assert b"csrfmiddlewaretoken" not in first.content
    assert read_form_time(STAMP.search(first.content).group(1).decode()).post_id == post.pk


def test_the_same_page_rendered_twice_differs_only_in_its_stamp(post, settings):
    settings.PAGE_CACHE_SECONDS = 0
    noon = tomorrow_at(12)
    with time_machine.travel(noon, tick=False):
        first = Client().get(post.get_absolute_url()).content
    with time_machine.travel(noon + timedelta(minutes=1), tick=False):
        second = Client().get(post.get_absolute_url()).content
    assert STAMP.sub(b"", first) == STAMP.sub(b"", second)


def test_each_cached_post_page_carries_a_stamp_for_its_own_post(post):
    other = PostFactory(title="Second light")
    for page in (post, other, post, other):
        answer = Client().get(page.get_absolute_url())
        stamp = read_form_time(STAMP.search(answer.content).group(1).decode())
        assert stamp.post_id == page.pk


def test_a_cached_post_page_is_rebuilt_before_its_stamp_is_half_its_life_old(client, post):
    noon, half = tomorrow_at(12), timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
    with time_machine.travel(noon, tick=False):
        first = STAMP.search(client.get(post.get_absolute_url()).content).group(1)
    with time_machine.travel(noon + half - timedelta(minutes=1), tick=False):
        kept = client.get(post.get_absolute_url())
        assert kept["X-Page-Cache"] == "hit"
        assert STAMP.search(kept.content).group(1) == first
    with time_machine.travel(noon + half + timedelta(seconds=1), tick=False):
        rebuilt = client.get(post.get_absolute_url())
        assert rebuilt["X-Page-Cache"] == "miss"
        stamp = read_form_time(STAMP.search(rebuilt.content).group(1).decode())
        assert stamp.started_at == (noon + half + timedelta(seconds=1)).timestamp()


# --- scheduled posts and closing dates --------------------------------------------------------


def test_a_scheduled_post_goes_live_on_time_through_the_cache(client, post):
    start = tomorrow_at(8)
    with time_machine.travel(start, tick=False):
        post.publish_at = start - timedelta(days=1)
        post.save()
        PostFactory(title="Dawn chorus", tags=["sky"], publish_at=start + timedelta(hours=1))
        urls = ["/", "/blog/tag/sky/", "/blog/feed/", "/blog/tag/sky/feed/atom/"]
        for url in urls:
            assert b"Dawn chorus" not in client.get(url).content
            assert served_from_cache(client, url)
        assert b"dawn-chorus" not in client.get("/sitemap-posts.xml").content
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        for url in urls:
            assert b"Dawn chorus" in client.get(url).content, url
        assert b"dawn-chorus" in client.get("/sitemap-posts.xml").content


def test_a_cached_post_page_closes_to_comments_when_the_post_is_old_enough(client):
    start = tomorrow_at(8)
    ModerationSettings.objects.update_or_create(pk=1, defaults={"close_after_days": 7})
    with time_machine.travel(start, tick=False):
        post = PostFactory(publish_at=start - timedelta(days=7) + timedelta(minutes=5))
        assert b"Leave a comment" in client.get(post.get_absolute_url()).content
        assert served_from_cache(client, post.get_absolute_url())
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert b"Comments are closed" in client.get(post.get_absolute_url()).content


def test_a_generation_changes_at_once_and_again_when_the_writer_commits(
    django_capture_on_commit_callbacks,
):
    from blog import generations

    (before,) = generations.current([generations.LISTINGS])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        generations.bump(generations.LISTINGS)
    (during,) = generations.current([generations.LISTINGS])
    for callback in callbacks:
        callback()
    (after,) = generations.current([generations.LISTINGS])
    assert before != during != after


def test_a_migrate_that_applies_migrations_leaves_no_page_cached_from_before(client, post):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    client.get(post.get_absolute_url())
    assert served_from_cache(client, post.get_absolute_url())
    blog = apps.get_app_config("blog")
    post_migrate.send(sender=blog, app_config=blog, using="default", plan=[], verbosity=0)
    assert client.get(post.get_absolute_url())["X-Page-Cache"] == "hit", "nothing applied"
    applied = [(object(), False)]  # what migrate passes: (migration, backwards) pairs
    post_migrate.send(sender=blog, app_config=blog, using="default", plan=applied, verbosity=0)
    assert client.get(post.get_absolute_url())["X-Page-Cache"] == "miss"
