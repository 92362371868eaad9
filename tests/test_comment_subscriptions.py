"""A commenter who ticks "E-mail me when my comment is approved or answered": double opt-in,
mail sent by the task worker, one-click unsubscribe (RFC 8058) per thread and per address."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comments import services, subscriptions
from comments.models import Comment, VerifiedEmail
from comments.notifications import make_link_token
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

ADA = "ada@example.com"


def submit(client, post, **fields):
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    return client.post(url, CommentFormDataFactory(post=post, **fields))


def approve(moderator_client, comment):
    return moderator_client.post(reverse("admin:comments_comment_approve", args=[comment.pk]))


def link_in(message, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S+/", message.body).group(0)


@pytest.fixture
def moderator_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def confirmed():
    """ADA has opened a confirmation link once."""
    return VerifiedEmail.objects.create(email=ADA)


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_ticking_the_box_with_a_new_address_mails_a_confirmation_link_and_nothing_else(
    client, django_capture_on_commit_callbacks
):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email=ADA, notify_me="on")
    assert Comment.objects.get().notify_me
    [confirmation] = sent_to(ADA)
    assert "/comments/verify/" in confirmation.body


def test_no_confirmation_link_without_the_box_ticked(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, PostFactory(), author_email=ADA)
    assert not sent_to(ADA)


def test_approval_is_mailed_only_once_the_address_is_confirmed(
    client, moderator_client, django_capture_on_commit_callbacks
):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email=ADA, notify_me="on", body="First, unconfirmed.")
    confirmation_url = link_in(sent_to(ADA)[0], "/comments/verify/")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve(moderator_client, Comment.objects.get(body="First, unconfirmed."))
    assert not sent_to(ADA)

    assert client.get(confirmation_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email=ADA, notify_me="on", body="Second, confirmed.")
    assert not sent_to(ADA)  # the address is confirmed: no second confirmation link
    second = Comment.objects.get(body="Second, confirmed.")
    with django_capture_on_commit_callbacks(execute=True):
        approve(moderator_client, second)
    [notice] = sent_to(ADA)
    assert notice.subject == f"Your comment is published on “{post.title}”"
    assert f"{post.get_absolute_url()}#c{second.pk}" in notice.body


def test_each_approved_direct_reply_is_mailed_and_none_still_pending_rejected_or_spam(
    confirmed, moderator_client, django_capture_on_commit_callbacks
):
    thread = CommentFactory(approved=True, author_email=ADA, notify_me=True)
    held = [CommentFactory(parent=thread, author_name=f"Reader {n}") for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        approve(moderator_client, held[0])
        moderator_client.post(reverse("admin:comments_comment_reject", args=[held[1].pk]))
        moderator_client.post(reverse("admin:comments_comment_spam", args=[held[2].pk]))
    [notice] = sent_to(ADA)
    assert notice.subject == f"New reply to your comment on “{thread.post.title}”"
    assert "Reader 0 answered your comment" in notice.body
    assert f"> {held[0].body}" in notice.body
    assert "Reader 3" not in notice.body


@pytest.mark.parametrize("path", ["bulk action", "e-mail link"])
def test_approval_by_any_path_is_mailed(
    path, confirmed, moderator, moderator_client, django_capture_on_commit_callbacks
):
    comment = CommentFactory(author_email=ADA, notify_me=True)
    with django_capture_on_commit_callbacks(execute=True):
        if path == "bulk action":
            changelist = reverse("admin:comments_comment_changelist")
            data = {"action": "approve_selected", "index": "0", "_selected_action": [comment.pk]}
            moderator_client.post(changelist, data)
        else:
            token = make_link_token(comment=comment, action="approve", moderator=moderator)
            Client().post(reverse("comments:moderate_link", args=[token]))
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED
    assert len(sent_to(ADA)) == 1


def test_a_staff_reply_is_mailed_and_an_unticked_thread_is_not(
    confirmed, moderator, django_capture_on_commit_callbacks
):
    wanted = CommentFactory(approved=True, author_email=ADA, notify_me=True)
    unticked = CommentFactory(approved=True, author_email=ADA)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_as_staff(comment=wanted, body="Thanks!", moderator=moderator)
        services.reply_as_staff(comment=unticked, body="Thanks too!", moderator=moderator)
    assert len(sent_to(ADA)) == 1


def test_every_notice_has_one_click_unsubscribe_headers_and_links(
    confirmed, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(approved=True, author_email=ADA, notify_me=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_as_staff(comment=comment, body="Thanks!", moderator=moderator)
    [notice] = sent_to(ADA)
    assert notice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header_url = notice.extra_headers["List-Unsubscribe"].strip("<>")
    thread_link, address_link = re.findall(r"https?://\S+/comments/unsubscribe/\S+/", notice.body)
    assert header_url == thread_link != address_link

    # A mail scanner's GET changes nothing; the mail program's one-click POST (no cookie, no
    # origin) unsubscribes, and saying it again is harmless.
    assert Client().get(header_url).status_code == 200
    assert Comment.objects.get(pk=comment.pk).notify_me
    response = Client().post(header_url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Unsubscribed" in response.content.decode()
    assert not Comment.objects.get(pk=comment.pk).notify_me
    assert "Already unsubscribed" in Client().post(header_url).content.decode()


def test_unsubscribing_a_thread_leaves_the_others(
    confirmed, moderator, django_capture_on_commit_callbacks
):
    first = CommentFactory(approved=True, author_email=ADA, notify_me=True)
    second = CommentFactory(approved=True, author_email=ADA, notify_me=True)
    Client().post(subscriptions.unsubscribe_url(email=ADA, comment_id=first.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_as_staff(comment=first, body="To the first.", moderator=moderator)
        services.reply_as_staff(comment=second, body="To the second.", moderator=moderator)
    [notice] = sent_to(ADA)
    assert "> To the second." in notice.body


def test_unsubscribing_the_address_stops_everything_until_it_is_confirmed_again(
    client, confirmed, moderator_client, django_capture_on_commit_callbacks
):
    thread = CommentFactory(approved=True, author_email=ADA.upper(), notify_me=True)
    Client().post(subscriptions.unsubscribe_url(email=ADA))
    assert not Comment.objects.get(pk=thread.pk).notify_me
    # Someone ticks the box with ADA's address: ADA is asked again, nothing else is sent.
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, thread.post, author_email=ADA, notify_me="on", body="Typed by anyone.")
        approve(moderator_client, Comment.objects.get(body="Typed by anyone."))
    [confirmation] = sent_to(ADA)
    assert "/comments/verify/" in confirmation.body


def test_tampered_unsubscribe_link_is_refused_with_a_page(client):
    url = subscriptions.unsubscribe_url(email=ADA)
    response = client.post(url[:-2] + "x/")
    assert response.status_code == 400
    assert "Invalid link" in response.content.decode()


# The database task backend and its worker, committed for real (the worker closes connections).
@pytest.mark.django_db(transaction=True)
def test_the_notice_waits_for_the_task_worker_never_the_request(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    staff = Client()
    staff.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    VerifiedEmail.objects.create(email=ADA)
    post = PostFactory()
    submit(client, post, author_email=ADA, notify_me="on", body="Mailed by the worker.")
    approve(staff, Comment.objects.get(body="Mailed by the worker."))
    assert not sent_to(ADA)
    assert DBTaskResult.objects.ready().filter(task_path__endswith="send_subscriber_notices")

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    [notice] = sent_to(ADA)
    assert "List-Unsubscribe" in notice.extra_headers
