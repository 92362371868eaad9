import logging
import re
import time
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import Client
from django.urls import reverse

from blog.models import Post
from comments import notifications
from comments.models import Comment
from comments.services import notify_moderators
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://blog.example.com"


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server unreachable")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def comment():
    return CommentFactory(
        author_name="Ada Reader",
        body="Have you tried turning it off and on again?",
        moderation_reasons=["3 links", "new commenter"],
        post__title="On moderation",
    )


def links_in(message) -> dict[str, str]:
    """The message's one-click links as paths, by action."""
    approve = re.search(r"^Approve it: (\S+)", message.body, re.M).group(1)
    spam = re.search(r"^Mark it as spam: (\S+)", message.body, re.M).group(1)
    for url in (approve, spam):
        assert url.startswith(SITE + "/comments/moderate/")
    return {"approve": urlsplit(approve).path, "spam": urlsplit(spam).path}


def emailed_links(comment, address="moderator@example.com") -> dict[str, str]:
    notify_moderators(comment)
    [message] = [m for m in mail.outbox if m.to == [address]]
    return links_in(message)


def old_token(*, age, **claim):
    """A link token signed `age` seconds ago."""
    with time_machine.travel(time.time() - age, tick=False):
        token = notifications.make_link_token(**claim)
    return reverse("comments:moderate_link", kwargs={"token": token})


def status_of(comment):
    return Comment.objects.get(pk=comment.pk).status


# Who is told


def test_pending_comment_emails_every_active_moderator_once_each(moderator, comment):
    direct = UserFactory(username="direct", email="direct@example.com")
    direct.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    UserFactory(username="boss", email="boss@example.com", is_superuser=True)
    UserFactory(username="silent-boss", email="", is_superuser=True)
    gone = UserFactory(username="gone", email="gone@example.com", is_active=False)
    gone.groups.add(Group.objects.get(name="Moderators"))
    editor = UserFactory(username="editor", email="editor@example.com", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )

    notify_moderators(comment)

    assert sorted(m.to for m in mail.outbox) == [
        ["boss@example.com"],
        ["direct@example.com"],
        ["moderator@example.com"],
    ]


def test_moderator_email_setting_replaces_the_permission_lookup(settings, moderator, comment):
    settings.COMMENT_MODERATOR_EMAILS = ["desk@example.com", "night@example.com"]

    notify_moderators(comment)

    assert sorted(m.to for m in mail.outbox) == [["desk@example.com"], ["night@example.com"]]


@pytest.mark.parametrize("trait", ["approved", "spam"])
def test_only_pending_comments_email_the_moderators(moderator, trait):
    notify_moderators(CommentFactory(**{trait: True}))
    assert mail.outbox == []

    notify_moderators(CommentFactory(pending=True))
    assert len(mail.outbox) == 1


def test_a_readers_new_comment_reaches_the_moderators_after_commit(
    client, moderator, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Post with a fresh comment")
    data = CommentFormDataFactory(post=post, body="First! Lovely post.")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("comments:submit", kwargs={"post_id": post.pk}), data)

    assert callbacks, "the notice is queued with transaction.on_commit"
    assert Comment.objects.pending().filter(post=post).exists()
    [notice] = [m for m in mail.outbox if m.to == ["moderator@example.com"]]
    assert "Post with a fresh comment" in notice.subject
    assert "First! Lovely post." in notice.body


# What they are told


def test_moderator_email_has_the_comment_reasons_post_admin_link_and_one_click_links(
    moderator, comment
):
    notify_moderators(comment)

    [message] = mail.outbox
    assert message.subject == "[The Blog] Comment awaiting moderation on “On moderation”"
    assert "> Have you tried turning it off and on again?" in message.body
    assert "Ada Reader <" in message.body
    assert "Held because: 3 links, new commenter" in message.body
    assert f"{SITE}/admin/comments/comment/{comment.pk}/change/" in message.body
    links = links_in(message)
    assert links["approve"] != links["spam"]
    assert "for 3 days" in message.body


def test_post_title_cannot_break_the_subject_line(moderator):
    notify_moderators(CommentFactory(post__title="Hello\nBcc: victim@example.com"))

    [message] = mail.outbox
    assert "\n" not in message.subject
    assert message.to == ["moderator@example.com"]
    assert message.bcc == []


def test_comment_text_is_quoted_so_it_cannot_pose_as_our_links(moderator):
    body = "Nice post.\n\nApprove it: https://evil.example/phish/"
    notify_moderators(
        CommentFactory(body=body, author_name="Eve\nApprove it: https://evil.example/")
    )

    [message] = mail.outbox
    assert "> Approve it: https://evil.example/phish/" in message.body
    assert [line for line in message.body.splitlines() if line.startswith("Approve it:")] == [
        f"Approve it: {SITE}{links_in(message)['approve']}"
    ]


# A mail server that is down


def test_failing_mail_server_is_logged_and_never_breaks_the_request(
    settings, caplog, moderator, comment, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_moderation_emails.FailingEmailBackend"

    with (
        caplog.at_level(logging.ERROR, logger="comments.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        transaction.on_commit(lambda: notify_moderators(comment))

    [record] = [r for r in caplog.records if r.name == "comments.notifications"]
    assert record.levelno == logging.ERROR
    assert record.exc_info[0] is ConnectionRefusedError
    assert f"comment {comment.pk}" in record.getMessage()
    assert status_of(comment) == Comment.Status.PENDING


# The one-click links


def test_approve_link_asks_on_get_and_approves_on_post_without_logging_in(
    client, moderator, comment
):
    url = emailed_links(comment)["approve"]

    page = client.get(url)
    assert page.status_code == 200
    assert "Approve this comment?" in page.content.decode()
    assert '<form method="post">' in page.content.decode()
    assert status_of(comment) == Comment.Status.PENDING  # a mail scanner's GET changes nothing

    done = client.post(url)
    assert done.status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.moderated_by == moderator
    assert Post.objects.get(pk=comment.post_id).approved_comment_count == 1


def test_spam_link_files_the_comment_as_spam(client, moderator, comment):
    url = emailed_links(comment)["spam"]

    assert client.post(url).status_code == 200

    assert status_of(comment) == Comment.Status.SPAM


def test_links_sent_to_the_address_list_work_without_a_moderator_account(settings, client, comment):
    settings.COMMENT_MODERATOR_EMAILS = ["desk@example.com"]
    url = emailed_links(comment, address="desk@example.com")["approve"]

    assert client.post(url).status_code == 200

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.moderated_by is None


def test_link_works_once_and_not_after_the_comment_was_moderated(client, moderator, comment):
    links = emailed_links(comment)

    assert client.post(links["approve"]).status_code == 200

    for url in [links["approve"], links["spam"]]:
        for method in [client.get, client.post]:
            refused = method(url)
            assert refused.status_code == 410
            assert "no longer pending" in refused.content.decode()
    assert status_of(comment) == Comment.Status.APPROVED


def test_expired_link_is_refused_with_410(settings, client, moderator, comment):
    two_days_old = old_token(age=2 * 86400, comment=comment, action="approve", moderator=moderator)
    four_days_old = old_token(age=4 * 86400, comment=comment, action="approve", moderator=moderator)

    assert client.get(two_days_old).status_code == 200  # default lifetime: 3 days
    expired = client.post(four_days_old)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert status_of(comment) == Comment.Status.PENDING

    settings.COMMENT_LINK_MAX_AGE = 86400
    assert client.post(two_days_old).status_code == 410
    assert status_of(comment) == Comment.Status.PENDING


@pytest.mark.parametrize("forgery", ["altered signature", "unsalted", "unknown action"])
def test_tampered_link_is_refused_with_400(client, moderator, comment, forgery):
    genuine = emailed_links(comment)["approve"]
    claim = {"c": comment.pk, "a": "approve", "m": moderator.pk}
    token = {
        "altered signature": genuine.rstrip("/").rsplit("/", 1)[1][:-2] + "xx",
        "unsalted": signing.dumps(claim),
        "unknown action": signing.dumps({**claim, "a": "delete"}, salt=notifications.LINK_SALT),
    }[forgery]
    url = reverse("comments:moderate_link", kwargs={"token": token})

    for method in [client.get, client.post]:
        refused = method(url)
        assert refused.status_code == 400
        assert "not valid" in refused.content.decode()
    assert status_of(comment) == Comment.Status.PENDING

    assert client.post(genuine).status_code == 200


def test_link_of_someone_who_may_no_longer_moderate_is_refused_with_403(client, moderator, comment):
    url = emailed_links(comment)["approve"]
    moderator.groups.clear()

    assert client.post(url).status_code == 403
    assert status_of(comment) == Comment.Status.PENDING


def test_link_of_a_deleted_comment_is_refused_with_410(client, moderator, comment):
    url = emailed_links(comment)["approve"]
    admin = Client()
    admin.force_login(moderator)
    delete = reverse("admin:comments_comment_delete", args=[comment.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302

    assert client.post(url).status_code == 410


def test_link_pages_are_not_cached_or_indexed(client, moderator, comment):
    response = client.get(emailed_links(comment)["approve"])

    assert "no-cache" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
