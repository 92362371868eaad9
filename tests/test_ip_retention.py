"""IP addresses and browser strings are kept COMMENT_IP_RETENTION_DAYS days, then cleared by
`manage.py forget_commenter_origins` (cron); the checks that use them work inside the window."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationSettings
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"ip_address": "198.51.100.7", "user_agent": "Browser/1.0"}


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def forget() -> str:
    out = StringIO()
    call_command("forget_commenter_origins", stdout=out)
    return out.getvalue()


def origin(comment):
    comment.refresh_from_db()
    return comment.ip_address, comment.user_agent


def test_origins_older_than_the_window_are_cleared_and_newer_or_pending_ones_kept():
    old = CommentFactory(approved=True, created=days_ago(31), **ORIGIN)
    old_spam = CommentFactory(spam=True, created=days_ago(31), **ORIGIN)
    recent = CommentFactory(approved=True, created=days_ago(29), **ORIGIN)
    still_pending = CommentFactory(created=days_ago(31), **ORIGIN)  # the moderator needs them
    assert "of 2 comment(s)" in forget()
    assert origin(old) == origin(old_spam) == (None, "")
    assert origin(recent) == origin(still_pending) == tuple(ORIGIN.values())
    assert "of 0 comment(s)" in forget()


def test_the_window_is_a_setting(settings):
    settings.COMMENT_IP_RETENTION_DAYS = 7
    comment = CommentFactory(approved=True, created=days_ago(8), **ORIGIN)
    forget()
    assert origin(comment) == (None, "")


def test_inside_the_window_a_blocked_ip_is_still_caught_and_the_queue_still_finds_it(
    client, moderator
):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"blocked_ips": "198.51.100.0/24"})
    earlier = CommentFactory(created=days_ago(2), **ORIGIN)
    forget()
    post = PostFactory()
    client.post(
        reverse("comments:submit", kwargs={"post_id": post.pk}),
        CommentFormDataFactory(post=post, body="From the blocked network."),
        REMOTE_ADDR="198.51.100.8",
    )
    assert Comment.objects.get(body="From the blocked network.").status == "spam"
    client.force_login(moderator)
    queue = client.get(reverse("admin:comments_comment_changelist"), {"ip_address": "198.51.100.7"})
    assert [comment.pk for comment in queue.context["cl"].result_list] == [earlier.pk]
