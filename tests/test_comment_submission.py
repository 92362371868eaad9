import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


PENDING_MARKER = '<p class="comment-status"><strong>Your comment is awaiting moderation.</strong>'


def submit_url(post):
    return reverse("comments:submit", kwargs={"post_id": post.pk})


def page_html(client, post, **params):
    response = client.get(post.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


# The form on the post page


def test_post_page_shows_the_comment_form_with_a_visible_label_for_every_field(client):
    post = PostFactory()
    html = page_html(client, post)
    assert '<h2 id="comment-form-heading">Leave a comment</h2>' in html
    assert f'action="{submit_url(post)}#comment-errors"' in html
    assert 'method="post"' in html
    for field_id, label in [
        ("id_author_name", "Name"),
        ("id_author_email", "Email"),
        ("id_author_url", "Website"),
        ("id_body", "Comment"),
    ]:
        label_at = html.index(f'for="{field_id}"')
        assert label in html[label_at : label_at + 200]
    assert "Never shown publicly." in html


def test_website_is_optional_and_the_other_fields_are_required():
    post = PostFactory()
    form = CommentForm(CommentFormDataFactory(post=post, author_url=""), post=post)
    assert form.is_valid(), form.errors
    assert not form.fields["author_url"].required
    assert all(form.fields[name].required for name in ["author_name", "author_email", "body"])


def test_moderation_notice_is_shown_above_the_submit_button(client):
    html = page_html(client, PostFactory())
    notice = html.index("Please note, comments need to be approved before they are published.")
    comment_form = html.index('id="comment-form"')  # the header's search form comes earlier
    assert notice < html.index('type="submit"', comment_form)
    assert html.index('id="id_body"') < notice


def test_comment_form_field_list_is_explicit():
    assert CommentForm._meta.fields == [
        "author_name",
        "author_email",
        "author_url",
        "body",
        "notify_me",
        "parent",
    ]


# Submitting


def test_valid_comment_is_stored_pending_and_redirects_to_the_comments(client):
    post = PostFactory()
    data = CommentFormDataFactory(post=post, author_name="Ada Lovelace", body="Lovely post.")
    response = client.post(submit_url(post), data, HTTP_USER_AGENT="TestBrowser/1.0")
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url() + "#comments"
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.post == post
    assert (comment.author_name, comment.body) == ("Ada Lovelace", "Lovely post.")
    assert comment.user_agent == "TestBrowser/1.0"
    assert comment.user is None


def test_success_message_says_the_comment_awaits_moderation(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post), follow=True)
    message = "Thank you! Your comment is awaiting moderation."
    assert f'<p class="message message-success">{message}</p>' in response.content.decode()


def test_submitter_sees_own_pending_comment_marked_awaiting_moderation(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="My very own words."))
    html = page_html(client, post)
    assert "My very own words." in html
    assert PENDING_MARKER in html
    assert "0 comments" in html  # pending comments are not counted


def test_pending_comment_is_not_shown_to_another_visitor(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="My very own words."))
    html = page_html(Client(), post)
    assert "My very own words." not in html
    assert "awaiting moderation" not in html


def test_each_submitter_sees_only_their_own_pending_comment(client):
    post, other_visitor = PostFactory(), Client()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Mine, all mine."))
    other_visitor.post(submit_url(post), CommentFormDataFactory(post=post, body="Someone else's."))
    html = page_html(client, post)
    assert "Mine, all mine." in html
    assert "Someone else&#x27;s." not in html


@pytest.mark.parametrize("status", [Comment.Status.REJECTED, Comment.Status.SPAM])
def test_submitter_no_longer_sees_own_comment_once_a_moderator_refuses_it(client, status):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Hoping for the best."))
    services.moderate(
        comments=Comment.objects.filter(pk=Comment.objects.get().pk),
        status=status,
        moderator=None,
        via="page",
    )
    assert "Hoping for the best." not in page_html(client, post)


def test_approved_comment_leaves_the_submitters_pending_list_for_the_thread(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Now public."))
    services.moderate(
        comments=Comment.objects.filter(pk=Comment.objects.get().pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="page",
    )
    html = page_html(client, post)
    assert html.count("Now public.") == 1
    assert PENDING_MARKER not in html
    assert "1 comment" in html


def test_submitter_does_not_see_own_spam_comment(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Caught", honeypot="bot"))
    html = page_html(client, post)
    assert "Caught" not in html
    assert PENDING_MARKER not in html


def test_submitter_does_not_see_own_pending_comment_on_another_post(client):
    post, other = PostFactory(), PostFactory()
    client.post(
        submit_url(post), CommentFormDataFactory(post=post, body="Meant for the first post.")
    )
    assert "Meant for the first post." not in page_html(client, other)


def test_logged_in_commenter_is_recorded_on_the_comment_and_gets_a_prefilled_form(client):
    user = UserFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    client.force_login(user)
    post = PostFactory()
    html = page_html(client, post)
    assert 'value="Grace Hopper"' in html
    assert 'value="grace@example.com"' in html
    client.post(submit_url(post), CommentFormDataFactory(post=post))
    assert Comment.objects.get().user == user


def test_a_signed_in_commenter_comments_under_their_account_never_a_name_they_type(client):
    """Trusted and auto-approved, yet the name and address posted are ignored: the comment is
    shown under the account's public name."""
    ModerationSettings.objects.update_or_create(pk=1, defaults={"auto_approve_trusted": True})
    user = UserFactory(first_name="Pat", last_name="Writer", email="pat@example.com")
    CommentFactory(approved=True, user=user)
    client.force_login(user)
    post = PostFactory()
    form_html = page_html(client, post)
    assert re.search(r'<input[^>]*name="author_name"[^>]*disabled', form_html)
    data = CommentFormDataFactory(
        post=post,
        author_name="Maria Lopez",
        author_email="maria@example.com",
        body="Posted as someone else?",
    )
    client.post(submit_url(post), data)
    comment = Comment.objects.get(body="Posted as someone else?")
    assert comment.status == Comment.Status.APPROVED
    assert (comment.user, comment.author_name, comment.author_email) == (
        user,
        "Pat Writer",
        "pat@example.com",
    )
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "Pat Writer" in html and "Maria Lopez" not in html


def test_a_signed_in_commenter_without_a_name_comments_under_the_sites(settings):
    """The account decides even when a caller's form was not told who is signed in."""
    user = UserFactory(username="jdoe42", first_name="", last_name="", email="")
    post = PostFactory()
    form = CommentForm(
        CommentFormDataFactory(post=post, author_name="Maria Lopez", author_email="m@example.com"),
        post=post,
    )
    assert form.is_valid(), form.errors
    comment = services.submit_comment(
        post=post, form=form, ip="192.0.2.1", user_agent="", user=user
    )
    assert (comment.author_name, comment.author_email) == (
        settings.SITE_NAME,
        settings.DEFAULT_FROM_EMAIL,
    )


def test_ip_address_comes_from_remote_addr_not_from_x_forwarded_for(client):
    post = PostFactory()
    client.post(
        submit_url(post),
        CommentFormDataFactory(post=post),
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert Comment.objects.get().ip_address == "203.0.113.7"


def test_trusted_proxy_header_is_believed_only_when_configured(client, settings):
    settings.COMMENT_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    post = PostFactory()
    client.post(
        submit_url(post),
        CommentFormDataFactory(post=post),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7",
    )
    assert Comment.objects.get().ip_address == "203.0.113.7"


def test_submit_url_refuses_get(client):
    assert client.get(submit_url(PostFactory())).status_code == 405


# What the form refuses


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("body", "", "required"),
        ("body", "   \n\t  ", "empty"),
        ("body", "x" * 5001, "max_length"),
        ("author_name", "x" * 81, "max_length"),
        ("author_email", "not-an-email", "invalid"),
        ("author_name", "Ada\x00", "null_characters_not_allowed"),
        ("body", "Hello\x00world", "null_characters_not_allowed"),
        ("author_url", "https://example.com/\x00", "null_characters_not_allowed"),
        ("author_name", "Ada\x1b[31m", "control_characters"),
        ("author_name", "Ada\tLovelace", "control_characters"),
        ("author_email", '"ada\x07"@example.com', "control_characters"),
        ("author_url", "https://example.com/\x07", "control_characters"),
        ("body", "Ding\x07 dong", "control_characters"),
        ("body", "Escape \x1b[2J", "control_characters"),
        ("body", "Next line\x85here", "control_characters"),
    ],
)
def test_form_refuses_bad_input_with_a_field_error(field, value, code):
    post = PostFactory()
    form = CommentForm(CommentFormDataFactory(post=post, **{field: value}), post=post)
    assert not form.is_valid()
    assert code in [error.code for error in form.errors.as_data()[field]]


def test_body_may_contain_newlines_tabs_emoji_and_right_to_left_text():
    body = "First line\r\n\tindented 👋🏽\n\nשלום עולם"
    post = PostFactory()
    form = CommentForm(CommentFormDataFactory(post=post, body=body), post=post)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == body


def test_body_of_exactly_5000_characters_is_accepted():
    post = PostFactory()
    form = CommentForm(CommentFormDataFactory(post=post, body="x" * 5000), post=post)
    assert form.is_valid(), form.errors


def test_invalid_comment_re_renders_the_post_page_keeping_what_was_typed(client):
    post = PostFactory(title="A post worth discussing")
    data = CommentFormDataFactory(
        post=post,
        author_name="Ada Lovelace",
        author_email="not-an-email",
        body="Keep <these> words",
    )
    response = client.post(submit_url(post), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "A post worth discussing" in html
    assert 'value="Ada Lovelace"' in html
    assert "Keep &lt;these&gt; words</textarea>" in html
    assert "Enter a valid email address." in html
    assert 'name="csrfmiddlewaretoken"' not in html  # Fetch Metadata guards the POST
    assert Comment.objects.count() == 0


def test_form_from_the_page_can_be_sent_as_is_with_csrf_checks_on(settings):
    settings.COMMENT_MIN_SECONDS = 0
    browser, post = Client(enforce_csrf_checks=True), PostFactory()
    html = page_html(browser, post)
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', html))
    data = {**hidden, "author_name": "Ada", "author_email": "ada@example.com", "body": "Hi"}
    browser.cookies.clear()  # nothing of the page's answer is needed
    response = browser.post(submit_url(post), data, headers={"sec-fetch-site": "same-origin"})
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_nul_byte_is_refused_by_the_form_not_a_server_error(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post, body="Hi\x00there"))
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert Comment.objects.count() == 0


# Posts that take no comments


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_comment_to_an_unpublished_post_is_404(client, trait):
    post = PostFactory(**{trait: True})
    assert client.post(submit_url(post), CommentFormDataFactory(post=post)).status_code == 404
    assert Comment.objects.count() == 0


def test_comment_to_a_missing_post_is_404(client):
    url = reverse("comments:submit", kwargs={"post_id": 999999})
    assert client.post(url, CommentFormDataFactory(post=PostFactory())).status_code == 404


def test_post_with_comments_disabled_says_so_instead_of_showing_the_form(client):
    html = page_html(client, PostFactory(comments_enabled=False))
    assert "Comments are closed on this post." in html
    assert "Leave a comment" not in html
    assert 'name="body"' not in html


def test_comment_to_a_post_with_comments_disabled_answers_403_with_a_friendly_page(client):
    post = PostFactory(comments_enabled=False)
    response = client.post(submit_url(post), CommentFormDataFactory(post=post, body="Too late?"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Comments are closed" in html
    assert "Too late?" in html  # the visitor can still copy what they wrote
    assert post.get_absolute_url() in html
    assert Comment.objects.count() == 0


def test_comments_close_on_posts_older_than_close_after_days(client):
    ModerationSettings.objects.filter(pk=1).update(close_after_days=30)
    old = PostFactory(publish_at=timezone.now() - timedelta(days=31))
    assert "Comments are closed on this post." in page_html(client, old)
    assert client.post(submit_url(old), CommentFormDataFactory(post=old)).status_code == 403
    assert Comment.objects.count() == 0


def test_posts_younger_than_close_after_days_stay_open(client):
    ModerationSettings.objects.filter(pk=1).update(close_after_days=30)
    recent = PostFactory(publish_at=timezone.now() - timedelta(days=29))
    assert "Leave a comment" in page_html(client, recent)
    assert client.post(submit_url(recent), CommentFormDataFactory(post=recent)).status_code == 302


def test_comments_never_close_by_age_unless_configured(client):
    ancient = PostFactory(publish_at=timezone.now() - timedelta(days=3650))
    assert "Leave a comment" in page_html(client, ancient)
    assert client.post(submit_url(ancient), CommentFormDataFactory(post=ancient)).status_code == 302


# Replies


def test_reply_link_prefills_the_hidden_parent_field(client):
    parent = CommentFactory(approved=True, author_name="Alan Turing")
    html = page_html(client, parent.post, replyto=parent.pk)
    assert f'href="?replyto={parent.pk}#comment-form"' in html
    assert f'type="hidden" name="parent" value="{parent.pk}"' in html
    assert "Replying to" in html and "Alan Turing" in html


def test_reply_link_to_an_unapproved_comment_is_ignored(client):
    pending = CommentFactory(pending=True)
    html = page_html(client, pending.post, replyto=pending.pk)
    assert f'name="parent" value="{pending.pk}"' not in html
    assert "Replying to" not in html


def test_reply_is_stored_pending_under_its_parent(client):
    parent = CommentFactory(approved=True)
    client.post(submit_url(parent.post), CommentFormDataFactory(post=parent.post, parent=parent.pk))
    reply = Comment.objects.get(parent=parent)
    assert (reply.status, reply.depth, reply.post) == (Comment.Status.PENDING, 1, parent.post)


def test_reply_to_a_third_level_comment_joins_that_comment_s_parent(client):
    top = CommentFactory(approved=True)
    middle = CommentFactory(approved=True, post=top.post, parent=top)
    deepest = CommentFactory(approved=True, post=top.post, parent=middle)
    assert deepest.depth == 2
    client.post(submit_url(top.post), CommentFormDataFactory(post=top.post, parent=deepest.pk))
    reply = Comment.objects.pending().get()
    assert (reply.parent, reply.depth) == (middle, 2)


@pytest.mark.parametrize("parent_kind", ["other_post", "pending", "spam", "missing"])
def test_reply_to_a_comment_that_cannot_be_replied_to_is_a_form_error(client, parent_kind):
    post = PostFactory()
    parent_id = {
        "other_post": lambda: CommentFactory(approved=True).pk,
        "pending": lambda: CommentFactory(post=post, pending=True).pk,
        "spam": lambda: CommentFactory(post=post, spam=True).pk,
        "missing": lambda: 999999,
    }[parent_kind]()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post, parent=parent_id))
    assert response.status_code == 400
    assert "The comment you are replying to is not available." in response.content.decode()
    assert not Comment.objects.filter(parent_id=parent_id).exists()


# Work queued for after the commit


@pytest.fixture
def notified(monkeypatch):
    """Records the calls to notify_moderators instead of sending mail."""
    calls = []
    monkeypatch.setattr("comments.services.notify_moderators", calls.append)
    return calls


def test_moderators_are_notified_once_the_comment_is_committed(
    client, notified, django_capture_on_commit_callbacks
):
    post = PostFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(submit_url(post), CommentFormDataFactory(post=post))
    assert notified == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert notified == [Comment.objects.get()]


def test_a_new_pending_comment_counts_in_the_posts_pending_counter(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post))
    post.refresh_from_db()
    assert post.pending_comment_count == 1
    assert post.approved_comment_count == 0


def test_pages_showing_a_visitors_own_pending_comment_are_never_cached(client):
    post = PostFactory()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Only for my eyes."))
    own = client.get(post.get_absolute_url())
    assert b"Only for my eyes." in own.content
    assert "private" in own["Cache-Control"] and "no-store" in own["Cache-Control"]
    stranger = Client().get(post.get_absolute_url())
    assert b"Only for my eyes." not in stranger.content
    # The stranger's page may be cached server-side (no-store is for personal pages only); it
    # is private to proxies because of the CSRF token in its form (see core.middleware).
    assert "no-store" not in stranger["Cache-Control"]


def test_the_page_carrying_the_awaiting_moderation_message_is_never_cached(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post), follow=True)
    assert b"awaiting moderation" in response.content
    assert "no-store" in response["Cache-Control"]


def test_a_rejected_form_with_the_visitors_typing_is_never_cached(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post, author_email="bad"))
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
