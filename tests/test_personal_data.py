"""A commenter's personal data on request: exported as JSON, or erased, from the admin or from a
signed link mailed to the address; after an erasure nothing shows the old name or address."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import personal_data
from comments.models import Comment, DataRequest, VerifiedEmail
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

ADA = "ada@example.com"
NAME = "Ada Lovelace"


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def adas_thread():
    """Ada's approved comment (typed in capitals once), answered by Bob, and one still pending."""
    post = PostFactory()
    comment = CommentFactory(
        post=post,
        approved=True,
        author_name=NAME,
        author_email=ADA.upper(),
        author_url="https://ada.example.com/",
        ip_address="203.0.113.9",
        user_agent="AdaBrowser/1.0",
        notify_me=True,
    )
    CommentFactory(parent=comment, approved=True, author_name="Bob", body="Bob answers.")
    CommentFactory(post=post, author_name=NAME, author_email=ADA, body="Ada waits.")
    VerifiedEmail.objects.create(email=ADA)
    return comment


def ask(client, action, email=ADA):
    url = reverse("admin:comments_datarequest_add")
    return client.post(url, {"email": email, "action": action})


def test_admin_export_is_a_readable_json_file_of_everything_held(superuser_client, adas_thread):
    CommentFactory(author_email="someone@example.com", body="Not Ada's.")
    response = ask(superuser_client, "export")
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    text = response.content.decode()
    assert text.startswith('{\n  "site"')  # indented for a person to read
    document = json.loads(text)
    assert document["email"] == ADA
    assert document["address_confirmed"] is True
    assert document["mail_stopped_for_address"] is False
    first, second = document["comments"]
    assert first["name"] == NAME
    assert first["email"] == ADA.upper()
    assert first["website"] == "https://ada.example.com/"
    assert first["ip_address"] == "203.0.113.9"
    assert first["browser"] == "AdaBrowser/1.0"
    assert first["mail_when_approved_or_answered"] is True
    assert first["link"].endswith(f"#c{adas_thread.pk}")
    assert (first["status"], second["status"]) == ("Approved", "Pending")
    request = DataRequest.objects.get()
    assert (request.action, request.comments) == ("export", 2)
    assert request.requested_by.username == "boss"
    assert ADA not in str(request.__dict__)  # the record holds a digest, never the address


def test_anonymising_leaves_no_name_or_address_on_pages_feeds_or_admin(
    client, superuser_client, adas_thread, django_capture_on_commit_callbacks
):
    post = adas_thread.post
    LogEntry.objects.create(
        user=UserFactory(username="boss"),
        content_type=ContentType.objects.get_for_model(Comment),
        object_id=str(adas_thread.pk),
        object_repr=str(adas_thread),
        action_flag=CHANGE,
    )
    feed_url = reverse("comments:post_feed", args=[post.pk])
    assert NAME in client.get(post.get_absolute_url()).content.decode()  # now in the page cache
    assert NAME in client.get(feed_url).content.decode()
    post.refresh_from_db()
    counts_before = (post.approved_comment_count, post.pending_comment_count)
    assert counts_before == (2, 1)

    with django_capture_on_commit_callbacks(execute=True):
        ask(superuser_client, "anonymise")

    shown = [
        client.get(post.get_absolute_url()),
        client.get(feed_url),
        superuser_client.get(reverse("admin:comments_comment_changelist")),
        superuser_client.get(reverse("admin:index")),  # recent actions
        superuser_client.get(reverse("admin:comments_verifiedemail_changelist")),
        superuser_client.get(reverse("admin:comments_datarequest_changelist")),
    ]
    for response in shown:
        assert response.status_code == 200
        text = response.content.decode().lower()
        assert "lovelace" not in text and ADA not in text and "ada.example.com" not in text
    search = superuser_client.get(reverse("admin:comments_comment_changelist"), {"q": "Lovelace"})
    assert "0 results" in search.content.decode()
    assert "Anonymous" in shown[0].content.decode()
    assert "Bob answers." in shown[0].content.decode()
    erased = Comment.objects.get(pk=adas_thread.pk)
    assert (erased.author_email, erased.ip_address, erased.user_agent) == ("", None, "")
    assert not VerifiedEmail.objects.exists()
    post.refresh_from_db()
    assert (post.approved_comment_count, post.pending_comment_count) == counts_before


def test_deleting_keeps_an_answered_comment_anonymised_and_the_answer(
    client, superuser_client, adas_thread
):
    own_reply = CommentFactory(parent=adas_thread, approved=True, author_email=ADA)
    CommentFactory(parent=own_reply, approved=True, author_email=ADA)
    ask(superuser_client, "delete")
    assert list(Comment.objects.values_list("author_name", "body")) == [
        ("Anonymous", adas_thread.body),
        ("Bob", "Bob answers."),
    ]
    post = adas_thread.post
    post.refresh_from_db()
    assert (post.approved_comment_count, post.pending_comment_count) == (2, 0)
    assert DataRequest.objects.get().comments == 4


def test_a_moderator_needs_the_permission_to_export_or_erase(moderator, adas_thread):
    client = Client()
    client.force_login(moderator)
    assert ask(client, "export").status_code == 403
    moderator.user_permissions.add(Permission.objects.get(codename="add_datarequest"))
    assert ask(client, "export").status_code == 200


def data_link_from_the_mail(client, email=ADA) -> str:
    mail.outbox.clear()
    page = client.post(reverse("comments:request_personal_data"), {"email": email})
    assert page.status_code == 200
    assert "a link is on its way" in page.content.decode()
    [message] = mail.outbox
    assert message.to == [email]
    return re.search(r"https?://\S+/comments/my-data/\S+/", message.body).group(0)


def test_a_commenter_downloads_then_erases_their_data_from_the_mailed_link(client, adas_thread):
    link = data_link_from_the_mail(client)
    page = client.get(link)
    assert "We hold 2 comments written with ada@example.com" in page.content.decode()
    document = json.loads(client.post(link, {"action": "export"}).content)
    assert len(document["comments"]) == 2

    done = client.post(link, {"action": "anonymise"})
    assert "we no longer hold your name or address" in done.content.decode()
    assert not personal_data.held_for(ADA).exists()
    assert DataRequest.objects.filter(requested_by=None).count() == 2

    reused = client.post(link, {"action": "delete"})
    assert reused.status_code == 410
    assert "Link already used" in reused.content.decode()
    assert Comment.objects.filter(author_name="Anonymous").count() == 2


def test_an_expired_or_tampered_data_link_is_refused_with_a_page(client, adas_thread):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        link = data_link_from_the_mail(client)
        clock.shift(timedelta(days=1, seconds=1))
        expired = client.post(link, {"action": "delete"})
    assert expired.status_code == 410
    assert "Link expired" in expired.content.decode()
    assert 'action="/comments/my-data/"' in expired.content.decode()  # to ask for a new one
    tampered = client.get(link[:-3] + "x/")
    assert tampered.status_code == 400
    assert "Invalid link" in tampered.content.decode()
    assert Comment.objects.filter(author_name=NAME).count() == 2


def test_asking_for_the_link_says_the_same_whatever_is_held_and_is_capped_per_address(client):
    url = reverse("comments:request_personal_data")
    pages = [client.post(url, {"email": "nobody@example.com"}) for _ in range(4)]
    assert {page.status_code for page in pages} == {200}
    assert len(mail.outbox) == 3  # COMMENT_CONFIRMATIONS_PER_DAY
    bad = client.post(url, {"email": "not an address"})
    assert bad.status_code == 400
    assert "Enter a valid email address" in bad.content.decode()
