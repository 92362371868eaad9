"""The comment section in two parts: what every reader sees, and what is one visitor's own."""

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client, RequestFactory

from comments import services, threads
from comments.forms import read_form_time
from comments.models import Comment, ModerationSettings
from core.templatetags.site_tags import without_tag
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, edit_in_admin

pytestmark = pytest.mark.django_db


def submit_url(post):
    return f"/comments/post/{post.pk}/"


def section_html(response) -> str:
    html = response.content.decode()
    return html[html.index('<section class="comments"') :]


def test_shared_part_holds_the_approved_threads_count_and_closed_flag_without_a_request():
    top = CommentFactory(approved=True)
    reply = CommentFactory(approved=True, parent=top)
    CommentFactory(pending=True, post=top.post)
    top.post.refresh_from_db()  # the stored count, written when the comments were
    shared = threads.public_threads(post=top.post)
    assert [thread.comment for thread in shared.page.object_list] == [top]
    assert [thread.comment for thread in shared.page.object_list[0].replies] == [reply]
    assert shared.comment_count == 2
    assert shared.closed is False


def test_shared_html_is_the_same_for_every_visitor_and_carries_nothing_personal():
    comment = CommentFactory(approved=True, body="Shared words.")
    post = comment.post
    commenter = Client()
    commenter.post(submit_url(post), CommentFormDataFactory(post=post, body="Only mine."))
    post.refresh_from_db()
    shared_html = str(threads.render_public_threads(threads.public_threads(post=post)))
    assert "Shared words." in shared_html
    assert "Only mine." not in shared_html
    assert "csrfmiddlewaretoken" not in shared_html
    for visitor in (commenter, Client()):
        assert shared_html in section_html(visitor.get(post.get_absolute_url()))


def test_a_commenters_section_holds_their_pending_comment():
    post = PostFactory()
    client = Client()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Mine, pending."))
    request = RequestFactory().get(post.get_absolute_url())
    request.session = client.session
    request.COOKIES[settings.SESSION_COOKIE_NAME] = client.session.session_key
    comments = threads.comments_for_visitor(request=request, post=post)
    assert [c.body_html for c in comments.own_pending] == ["<p>Mine, pending.</p>"]


def test_a_visitor_without_a_session_cookie_is_never_looked_up_for_pending_comments():
    post = PostFactory()
    client = Client()
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="Mine, pending."))
    request = RequestFactory().get(post.get_absolute_url())
    request.session = client.session  # the session exists, but this request did not send it
    assert threads.comments_for_visitor(request=request, post=post).own_pending == []


def test_a_stranger_gets_an_unbound_form_with_the_posts_stamp_and_nothing_personal():
    post = PostFactory()
    request = RequestFactory().get(post.get_absolute_url())
    request.session = Client().session
    comments = threads.comments_for_visitor(request=request, post=post)
    assert comments.form is None and comments.form_html, "the shared blank form, not one built"
    stamp = re.search(r'name="stamp" value="([^"]+)"', comments.form_html).group(1)
    assert read_form_time(stamp).post_id == post.pk
    assert 'name="author_name"' in comments.form_html
    assert comments.own_pending == [] and comments.messages == []


def test_a_closed_post_gives_no_form_to_anyone():
    post = PostFactory(comments_enabled=False)
    request = RequestFactory().get(post.get_absolute_url())
    comments = threads.comments_for_visitor(request=request, post=post)
    assert comments.closed and comments.form is None and comments.expires is None
    assert comments.form_html is None


def test_session_remembers_only_pending_comments_and_only_the_newest():
    request = RequestFactory().get("/")
    request.session = Client().session
    approved = CommentFactory(approved=True)
    services.remember_pending(request, approved)
    assert services.pending_ids(request) == []
    pending = CommentFactory.create_batch(settings.COMMENT_PENDING_REMEMBERED + 1, pending=True)
    for comment in pending:
        services.remember_pending(request, comment)
    assert services.pending_ids(request) == [c.pk for c in pending[1:]]


def test_thread_query_follows_the_nesting_depth():
    top = CommentFactory(approved=True)
    child = CommentFactory(approved=True, parent=top)
    grandchild = CommentFactory(approved=True, parent=child)
    great = Comment(
        post=top.post,
        parent=grandchild,
        author_name="x",
        author_email="x@x.org",
        status=Comment.Status.APPROVED,
    )
    great.save()  # deeper than the form allows: only a raw write makes it

    def loaded(depth):
        levels = threads.thread_levels(top_level_ids=[top.pk], depth=depth)
        return set(levels[0].order_by().union(*(level.order_by() for level in levels[1:])))

    assert loaded(1) == {top, child}
    assert loaded(2) == {top, child, grandchild}
    assert loaded(3) == {top, child, grandchild, great}


def test_shared_cache_key_changes_with_the_page_the_comments_the_rules_and_the_post(
    admin_client, django_capture_on_commit_callbacks
):
    post, other = PostFactory(), PostFactory()
    comment = CommentFactory(post=post, approved=True)
    keys = [threads.public_threads_key(post=post, page_number=None)]
    assert keys[0] == threads.public_threads_key(post=post, page_number=1)
    assert keys[0] != threads.public_threads_key(post=post, page_number=2)

    def changed():
        keys.append(threads.public_threads_key(post=post, page_number=None))
        return keys[-1] != keys[-2]

    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(post=post, approved=True)
    assert changed()
    with django_capture_on_commit_callbacks(execute=True):
        edit_in_admin(admin_client, comment, body="Edited in place.")
    assert changed()
    with django_capture_on_commit_callbacks(execute=True):
        edit_in_admin(admin_client, ModerationSettings.load())
    assert changed()
    with django_capture_on_commit_callbacks(execute=True):
        post.comments_enabled = False
        post.save()
    assert changed()
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(post=other, approved=True)
    assert not changed()


# Where the reader is looking


def test_awaiting_moderation_message_is_shown_inside_the_comment_section(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post), follow=True)
    assert response.redirect_chain[-1][0].endswith("#comments")
    html = response.content.decode()
    message = "Thank you! Your comment is awaiting moderation."
    assert html.count(message) == 1
    assert html.index('<section class="comments"') < html.index(message)
    # The reader lands at #comments: the message comes before the threads and the form.
    assert html.index(message) < html.index('id="comments-heading"')


def test_messages_of_other_apps_stay_at_the_top_of_the_page(client):
    post = PostFactory()
    request = RequestFactory().get(post.get_absolute_url())
    request.session = client.session
    storage = FallbackStorage(request)
    storage.add(constants.INFO, "A site-wide notice.")
    storage.add(constants.SUCCESS, "Your comment is published.", threads.MESSAGE_TAG)
    assert [str(m) for m in without_tag(storage, threads.MESSAGE_TAG)] == ["A site-wide notice."]


def test_an_empty_message_store_is_not_marked_shown(client):
    request = RequestFactory().get("/")
    request.session = client.session
    storage = FallbackStorage(request)
    assert without_tag(storage, threads.MESSAGE_TAG) == []
    assert not storage.used  # else every page would be sent private


def test_comment_form_sends_the_reader_back_to_its_error_summary(client):
    post = PostFactory()
    html = section_html(client.get(post.get_absolute_url()))
    assert f'action="{submit_url(post)}#comment-errors"' in html
    assert 'id="comment-errors"' not in html  # no summary before anything went wrong
    assert "autofocus" not in html  # a reader opening the page keeps their place


def test_refused_comment_shows_a_focusable_error_summary_at_the_top_of_the_form(client):
    post = PostFactory()
    response = client.post(submit_url(post), CommentFormDataFactory(post=post, body="   "))
    assert response.status_code == 400
    html = section_html(response)
    form_area = html[html.index('id="comment-form"') :]
    summary_tag = form_area[form_area.index('<div class="error-summary"') :].split(">", 1)[0]
    assert 'id="comment-errors"' in summary_tag
    assert 'tabindex="-1"' in summary_tag and "autofocus" in summary_tag
    assert form_area.index('id="comment-errors"') < form_area.index("<form")
    assert '<a href="#id_body">Comment: Please write a comment.</a>' in form_area
    assert response.content.decode().count("autofocus") == 1


def test_error_summary_lists_errors_of_hidden_fields_too(client):
    post = PostFactory()
    data = CommentFormDataFactory(post=post, stamp="forged")
    html = section_html(client.post(submit_url(post), data))
    summary = html[html.index('id="comment-errors"') : html.index("<form")]
    assert "This form has expired. Please check your comment and send it again." in summary


def test_nesting_depth_setting_drives_the_thread_and_count_queries(settings):
    top = CommentFactory(approved=True)
    child = CommentFactory(approved=True, parent=top)
    grandchild = CommentFactory(approved=True, parent=child)
    settings.COMMENT_MAX_DEPTH = 1
    top.post.refresh_from_db()
    shared = threads.public_threads(post=top.post)
    assert set(shared.comments_by_id) == {top.pk, child.pk}
    assert set(Comment.objects.in_public_threads()) == {top, child}
    settings.COMMENT_MAX_DEPTH = 2
    shared = threads.public_threads(post=top.post)
    assert set(shared.comments_by_id) == {top.pk, child.pk, grandchild.pk}
    assert set(Comment.objects.in_public_threads()) == {top, child, grandchild}


def test_public_count_leaves_out_replies_under_a_hidden_comment():
    top = CommentFactory(approved=True)
    hidden = CommentFactory(pending=True, parent=top)
    CommentFactory(approved=True, parent=hidden)
    under_reply = CommentFactory(approved=True, parent=CommentFactory(approved=True, parent=top))
    public = set(Comment.objects.in_public_threads())
    assert public == {top, under_reply.parent, under_reply}


def test_comments_per_page_is_a_setting(settings):
    settings.COMMENTS_PER_PAGE = 2
    post = PostFactory()
    CommentFactory.create_batch(3, approved=True, post=post)
    assert len(threads.public_threads(post=post).page.object_list) == 2
    assert len(threads.public_threads(post=post, page_number=2).page.object_list) == 1


def test_shared_part_shows_the_stored_public_count_without_counting_comments():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    top = CommentFactory(approved=True)
    CommentFactory(approved=True, parent=CommentFactory(pending=True, parent=top))
    post = top.post
    post.refresh_from_db()
    assert post.approved_comment_count == 1  # the reply under a pending comment is not public
    with CaptureQueriesContext(connection) as queries:
        shared = threads.public_threads(post=post)
    assert shared.comment_count == 1
    counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counted == []  # the public count is the stored one
