"""Approve, reject, spam: declared once (comments.moderation.ACTIONS), every surface follows."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments import moderation
from comments.services import notify_moderators
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_table_holds_the_three_actions_the_readme_names():
    assert [(move.name, move.status, move.bulk_label) for move in moderation.ACTIONS] == [
        ("approve", "approved", "Approve selected comments"),
        ("reject", "rejected", "Reject selected comments"),
        ("spam", "spam", "Mark selected as spam"),
    ]


def test_admin_bulk_actions_are_the_tables_entries(moderator):
    page = logged_in(moderator).get(reverse("admin:comments_comment_changelist"))

    choices = dict(page.context["action_form"].fields["action"].choices)
    assert {move.bulk_name: move.bulk_label for move in moderation.ACTIONS}.items() <= (
        choices.items()
    )


def test_change_page_has_a_button_for_each_table_entry_but_the_current_status(moderator):
    comment = CommentFactory(pending=True)

    html = (
        logged_in(moderator)
        .get(reverse("admin:comments_comment_change", args=[comment.pk]))
        .content.decode()
    )

    for move in moderation.ACTIONS:
        url = reverse(f"admin:comments_comment_{move.name}", args=[comment.pk])
        assert (f'action="{url}"' in html) is (move.status != comment.status)


def test_moderators_email_carries_a_link_for_each_emailed_entry(moderator):
    notify_moderators(CommentFactory(pending=True))

    [message] = mail.outbox
    lines = re.findall(r"^(.+): https?://\S+/comments/moderate/\S+$", message.body, re.M)
    assert lines == [move.email_line for move in moderation.ACTIONS if move.emailed]
    assert lines == ["Approve it", "Mark it as spam"]


def test_staff_without_the_moderate_permission_get_no_moderation_action():
    # Staff who may look at the queue but not moderate it (no group grants this today).
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    page = logged_in(viewer).get(reverse("admin:comments_comment_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    assert not [move.bulk_label for move in moderation.ACTIONS if move.bulk_label in html]
