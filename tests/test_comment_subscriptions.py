"""A commenter who ticks "E-mail me when my comment is approved or answered": double opt-in,
mail sent by the task worker, one-click unsubscribe (RFC 8058) per thread and per address."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments import services, subscriptions
from comments.models import Comment, VerifiedEmail
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory

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
