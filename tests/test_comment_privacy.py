"""Commenters' e-mails, IPs and user agents are for moderators only (issue 12)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("comments.migrations.0009_editors_lose_comment_view")


def group_codenames(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_editors_hold_no_comment_permission_and_moderators_keep_theirs():
    assert not {codename for codename in group_codenames("Editors") if "comment" in codename}
    assert {"view_comment", "moderate_comment"} <= group_codenames("Moderators")


def test_migration_takes_the_comment_view_from_editors_and_gives_it_back_when_reversed():
    migration.backwards(apps, None)
    assert "view_comment" in group_codenames("Editors")
    migration.forwards(apps, None)
    assert "view_comment" not in group_codenames("Editors")
    assert "view_comment" in group_codenames("Moderators")


def test_an_editor_sees_no_commenter_email_ip_or_user_agent_anywhere_in_the_admin(
    client, editor, moderator
):
    comment = CommentFactory(
        author_email="private.reader@example.com",
        ip_address="203.0.113.77",
        user_agent="SecretBrowser/9.9",
    )
    pages = [
        reverse("admin:index"),
        reverse("admin:comments_comment_changelist"),
        reverse("admin:comments_comment_changelist") + "?q=203.0.113.77",
        reverse("admin:comments_comment_change", args=[comment.pk]),
        reverse("admin:blog_post_change", args=[comment.post.pk]),
    ]
    client.force_login(editor)
    for page in pages:
        html = client.get(page).content.decode()
        for secret in ["private.reader@example.com", "203.0.113.77", "SecretBrowser"]:
            assert secret not in html, (page, secret)
    # The same change page shows them to a moderator, so the check above could fail.
    client.force_login(moderator)
    html = client.get(pages[3]).content.decode()
    assert "private.reader@example.com" in html and "203.0.113.77" in html
    assert "SecretBrowser/9.9" in html
