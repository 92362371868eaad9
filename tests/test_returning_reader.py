"""Commenting as a returning reader: the browser remembers their details (never the server),
and their own pending reply shows inside the thread it answers, to them alone."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from comments import services, threads
from comments.forms import CommentForm
from comments.models import Comment
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "static/js/remember-commenter.js"


def submit_url(post):
    return f"/comments/post/{post.pk}/"


def reply(client, parent, **data):
    """Send a reply to `parent` as this client; it stays pending (moderation is on by default)."""
    response = client.post(
        submit_url(parent.post), CommentFormDataFactory(post=parent.post, parent=parent.pk, **data)
    )
    assert response.status_code == 302
    return Comment.objects.get(body=data["body"])


def thread_of(html: str, comment) -> str:
    """The HTML of the <li> holding `comment`'s article and its replies."""
    start = html.rindex('<li class="comment-thread">', 0, html.index(f'id="c{comment.pk}"'))
    depth, position = 0, start
    for tag in re.finditer(r"<(/?)li\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            position = start + tag.end()
            break
    return html[start:position]


# "Remember my name, e-mail and website"


def test_comment_form_offers_to_remember_the_readers_details_behind_a_hidden_wrapper(client):
    post = PostFactory()
    html = client.get(post.get_absolute_url()).content.decode()
    wrapper = re.search(r'<div id="comment-remember"\s+hidden="">', html)
    assert wrapper, "the box is shown only once the script has found storage to keep them in"
    box_area = html[wrapper.start() : html.index("</div> </div> </div>", wrapper.start())]
    assert 'type="checkbox" name="remember"' in box_area
    assert "Remember my name, e-mail and website in this browser" in box_area
    assert "never sent to us in a cookie" in box_area
    assert re.search(r'<script src="/static/js/remember-commenter\.js" defer></script>', html)


def test_remember_box_is_unticked_by_default_and_not_a_comment_field():
    form = CommentForm(post=PostFactory())
    assert form.fields["remember"].required is False
    assert not form.fields["remember"].initial
    assert "remember" not in CommentForm.Meta.fields
    assert "remember" not in {field.name for field in Comment._meta.get_fields()}


def test_sending_with_the_box_ticked_stores_nothing_of_the_reader_in_a_cookie(client):
    post = PostFactory()
    data = CommentFormDataFactory(
        post=post, author_name="Ada Remembered", author_email="ada@example.org"
    )
    response = client.post(submit_url(post), {**data, "remember": "on"})
    assert response.status_code == 302
    for cookie in response.cookies.values():
        assert "Ada" not in cookie.value and "ada@example.org" not in cookie.value
    ticked = {name for name in response.cookies}
    unticked = Client().post(submit_url(post), CommentFormDataFactory(post=post))
    assert ticked == set(unticked.cookies)  # the box changes nothing on the server's side


def test_post_page_is_the_same_for_everyone_whatever_they_asked_us_to_remember(client):
    post = PostFactory()
    # A name no made-up author or title can contain ("Ada" was in "Adams", now and then).
    name = "Ada Qzxremembered"
    client.post(
        submit_url(post), {**CommentFormDataFactory(post=post, author_name=name), "remember": "on"}
    )
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "Qzxremembered" not in page
    assert not re.search(r'name="remember"[^>]*checked', page)


def test_remember_script_keeps_the_details_in_local_storage_and_never_in_a_cookie():
    script = SCRIPT.read_text()
    assert "localStorage" in script
    assert "document.cookie" not in script
    assert "removeItem" in script  # unticking and sending forgets them
    assert "wrapper.hidden = false" in script  # the box appears only when the script runs


# Own pending replies inside their thread


def test_own_pending_reply_is_shown_under_the_comment_it_answers(client):
    first = CommentFactory(approved=True, body="First thread.")
    second = CommentFactory(approved=True, post=first.post, body="Second thread.")
    mine = reply(client, first, body="My reply, waiting.")
    html = client.get(first.post.get_absolute_url()).content.decode()
    thread = thread_of(html, first)
    assert f'id="c{mine.pk}"' in thread
    assert '<ol class="comment-replies">' in thread
    assert "Your reply is awaiting moderation." in thread
    assert f'id="c{second.pk}"' not in thread
    assert html.count(f'id="c{mine.pk}"') == 1  # not listed again after the threads
    assert 'class="own-pending"' not in html


def test_own_pending_reply_to_a_reply_nests_two_levels_deep(client):
    top = CommentFactory(approved=True)
    answer = CommentFactory(approved=True, parent=top)
    mine = reply(client, answer, body="Replying to the reply.")
    html = client.get(top.post.get_absolute_url()).content.decode()
    assert f'id="c{mine.pk}"' in thread_of(html, answer)
    assert thread_of(html, answer) in thread_of(html, top)


def test_own_pending_reply_takes_its_place_in_time_among_approved_replies(client):
    top = CommentFactory(approved=True)
    earlier = CommentFactory(approved=True, parent=top, body="Earlier reply.")
    mine = reply(client, top, body="Mine, in between.")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        later = CommentFactory(approved=True, parent=top, body="Later reply.")
    html = client.get(top.post.get_absolute_url()).content.decode()
    order = [html.index(f'id="c{comment.pk}"') for comment in (top, earlier, mine, later)]
    assert order == sorted(order)


def test_another_visitor_and_the_shared_html_never_see_the_pending_reply(client):
    top = CommentFactory(approved=True)
    reply(client, top, body="Only I can see this.")
    other = Client().get(top.post.get_absolute_url()).content.decode()
    top.post.refresh_from_db()  # the stored comment count, as the page read it
    shared = str(threads.render_public_threads(threads.public_threads(post=top.post)))
    assert "Only I can see this." not in other
    assert "Only I can see this." not in shared
    assert "awaiting moderation" not in shared
    assert shared in other


def test_page_showing_an_own_pending_reply_is_private_and_not_cached(client):
    top = CommentFactory(approved=True)
    reply(client, top, body="Private reply.")
    client.get(top.post.get_absolute_url())  # the flash message is shown once
    response = client.get(top.post.get_absolute_url())
    assert "Private reply." in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "X-Page-Cache" not in response


def test_own_pending_reply_to_a_comment_on_another_comment_page_is_listed_naming_its_parent(
    client, settings
):
    settings.COMMENTS_PER_PAGE = 1
    first = CommentFactory(approved=True, author_name="Grace First")
    second = CommentFactory(approved=True, post=first.post)
    mine = reply(client, first, body="Reply from another page.")
    html = client.get(f"{first.post.get_absolute_url()}?cpage=2").content.decode()
    assert f'id="c{second.pk}"' in html and f'id="c{first.pk}"' not in html
    own = html[html.index('class="own-pending"') :]
    assert f'id="c{mine.pk}"' in own
    assert "In reply to <bdi>Grace First</bdi>" in own
    assert "Your reply is awaiting moderation." in own


def test_own_new_comment_is_still_listed_after_the_threads(client):
    post = PostFactory()
    CommentFactory(approved=True, post=post)
    client.post(submit_url(post), CommentFormDataFactory(post=post, body="A new thread of mine."))
    html = client.get(post.get_absolute_url()).content.decode()
    own = html[html.index('class="own-pending"') :]
    assert "A new thread of mine." in own
    assert "Your comment is awaiting moderation." in own
    assert "In reply to" not in own


def test_pending_reply_to_a_comment_since_removed_does_not_name_it(client, settings):
    settings.COMMENTS_PER_PAGE = 1
    first = CommentFactory(approved=True, author_name="Grace Removed")
    mine = reply(client, first, body="Reply to a comment now gone.")
    services.moderate(
        comments=Comment.objects.filter(pk=first.pk), status="rejected", moderator=None, via="page"
    )
    html = client.get(first.post.get_absolute_url()).content.decode()
    own = html[html.index('class="own-pending"') :]
    assert f'id="c{mine.pk}"' in own
    assert "Grace Removed" not in html
