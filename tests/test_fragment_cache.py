"""With the page cache off (or passed by, as for a visitor with a session), a post page is built
from fragments (blog.fragments): the post, its article and head, and the shared comment threads,
each kept under the generations it is built from. Every change a reader would notice shows on
the next request; nothing of one visitor is kept."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog import fragments
from comments import services, threads
from comments.models import Comment, ModerationSettings
from tests.clock import tomorrow_at
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, edit_in_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def post():
    return PostFactory(title="First light", tags=["sky"])


def page(client, post, query="") -> str:
    response = client.get(post.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_post_page_read_before_takes_no_query(client, post):
    CommentFactory(post=post, approved=True, body="Kept words.")
    with CaptureQueriesContext(connection) as cold:
        first = page(client, post)
    with CaptureQueriesContext(connection) as warm:
        second = page(client, post)
    assert len(cold) > 0
    assert len(warm) == 0
    assert "Kept words." in second and "First light" in second
    # The same page, but for the form's stamp, signed when the page was built.
    strip = re.compile(r'value="[^"]+" name="stamp"|name="stamp" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)


def test_fragments_are_off_with_no_lifetime(client, post, settings):
    settings.FRAGMENT_CACHE_SECONDS = 0
    page(client, post)
    with CaptureQueriesContext(connection) as again:
        page(client, post)
    assert len(again) > 0


def test_no_fragment_keeps_the_form_or_its_stamp(client, post):
    page(client, post)
    kept = threads.public_fragment(post=post)[0].html + "".join(fragments.post_parts(post).values())
    assert "<form" not in kept and 'name="stamp"' not in kept


def approve(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="page",
    )


def reject(comment):
    services.moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.REJECTED,
        moderator=None,
        via="page",
    )


def test_approving_a_comment_shows_it_at_once(client, post, django_capture_on_commit_callbacks):
    comment = CommentFactory(post=post, pending=True, body="Lovely sky tonight.")
    assert "Lovely sky" not in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        approve(comment)
    html = page(client, post)
    assert "Lovely sky tonight." in html and "1 comment<" in html


@pytest.mark.parametrize("how", ["reject", "delete in the admin"])
def test_rejecting_or_deleting_a_comment_hides_it_at_once(
    client, admin_client, post, how, django_capture_on_commit_callbacks
):
    comment = CommentFactory(post=post, approved=True, body="Lovely sky tonight.")
    assert "Lovely sky tonight." in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "reject":
            reject(comment)
        else:
            delete = reverse("admin:comments_comment_delete", args=[comment.pk])
            assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert "Lovely sky tonight." not in page(client, post)


def test_a_comment_edited_in_place_in_the_admin_shows_at_once(
    client, admin_client, post, django_capture_on_commit_callbacks
):
    comment = CommentFactory(post=post, approved=True, body="Lovely sky tonight.")
    assert "Lovely sky tonight." in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        edit_in_admin(admin_client, comment, body="Lovely sky this morning.")
    html = page(client, post)
    assert "Lovely sky this morning." in html and "Lovely sky tonight." not in html


def test_closing_comments_in_the_settings_or_on_the_post_shows_at_once(
    client, admin_client, post, django_capture_on_commit_callbacks
):
    other = PostFactory()
    assert "Leave a comment" in page(client, post) and "Leave a comment" in page(client, other)
    with django_capture_on_commit_callbacks(execute=True):
        post.comments_enabled = False
        post.save()
    assert "Comments are closed" in page(client, post)
    assert "Leave a comment" in page(client, other)
    with django_capture_on_commit_callbacks(execute=True):
        edit_in_admin(admin_client, ModerationSettings.load(), close_after_days=0)
    assert "Comments are closed" in page(client, other)


def test_a_post_closes_to_comments_by_age_on_time(client):
    start = tomorrow_at(8)
    ModerationSettings.objects.update_or_create(pk=1, defaults={"close_after_days": 7})
    with time_machine.travel(start, tick=False):
        post = PostFactory(publish_at=start - timedelta(days=7) + timedelta(minutes=5))
        assert "Leave a comment" in page(client, post)
        with CaptureQueriesContext(connection) as warm:
            page(client, post)
        assert len(warm) == 0
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert "Comments are closed" in page(client, post)


def test_editing_a_post_or_its_neighbour_or_author_shows_at_once(
    client, post, django_capture_on_commit_callbacks
):
    older = PostFactory(title="Older light", publish_at=post.publish_at - timedelta(days=1))
    assert "Previous: Older light" in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        older.title = "Older light, revised"
        older.save()
    assert "Previous: Older light, revised" in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "First light, revised"
        post.save()
    assert "<h1>First light, revised</h1>" in page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        post.author.first_name, post.author.last_name = "Ada", "Lovelace"
        post.author.save()
    assert "Ada Lovelace" in page(client, post)


def test_unpublishing_a_post_makes_its_page_404_at_once(
    client, post, django_capture_on_commit_callbacks
):
    page(client, post)
    with django_capture_on_commit_callbacks(execute=True):
        type(post).objects.filter(pk=post.pk).unpublish()
    assert client.get(post.get_absolute_url()).status_code == 404


def test_a_scheduled_post_shows_as_the_next_one_when_it_goes_live(client):
    start = tomorrow_at(8)
    with time_machine.travel(start, tick=False):
        post = PostFactory(title="First light", publish_at=start - timedelta(days=1))
        later = PostFactory(title="Dawn chorus", publish_at=start + timedelta(hours=1))
        assert "Dawn chorus" not in page(client, post)
        assert client.get(later.get_absolute_url()).status_code == 404
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert "Next: Dawn chorus" in page(client, post)
        assert client.get(later.get_absolute_url()).status_code == 200


def test_a_reply_link_names_the_comment_answered_from_kept_threads(client, post):
    comment = CommentFactory(post=post, approved=True, author_name="Grace")
    page(client, post)
    html = page(client, post, f"?replyto={comment.pk}")
    assert "Replying to" in html and "Grace" in html
    assert f'name="parent" value="{comment.pk}"' in html


def test_a_commenters_pending_reply_shows_in_its_thread_from_kept_threads(client, post, settings):
    settings.COMMENT_MIN_SECONDS = 0
    comment = CommentFactory(post=post, approved=True, body="Top of the thread.")
    page(client, post)  # the shared threads kept
    client.post(
        f"/comments/post/{post.pk}/",
        CommentFormDataFactory(post=post, body="My reply.", parent=comment.pk),
    )
    html = page(client, post)
    shown = html[html.index('<section class="comments"') : html.index('id="comment-form"')]
    assert "My reply." in shown and "own-pending" not in shown  # in its thread, not below
    assert "Top of the thread." in threads.public_fragment(post=post)[0].html
    assert "My reply." not in threads.public_fragment(post=post)[0].html


def test_unknown_comment_page_numbers_share_the_first_pages_fragment(post):
    keys = {
        threads.public_threads_key(post=post, page_number=threads.comment_page_number(value))
        for value in [None, "", "abc", "-1", "1234567"]
    }
    assert keys == {threads.public_threads_key(post=post, page_number=None)}
    assert threads.public_threads_key(post=post, page_number=2) not in keys


def test_a_comment_sent_back_with_errors_gets_the_whole_post_page(client, post, settings):
    settings.COMMENT_MIN_SECONDS = 0
    page(client, post)  # the parts kept
    response = client.post(
        f"/comments/post/{post.pk}/", CommentFormDataFactory(post=post, body=" ")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>First light</h1>" in html and 'rel="canonical"' in html
    assert "Please write a comment." in html


STAMP = re.compile(r'name="stamp" value="([^"]+)"')


def test_the_blank_form_is_rendered_once_and_renewed_before_its_stamp_is_half_its_life_old(
    client, post, monkeypatch
):
    import crispy_forms.utils

    renders = []
    real_render = crispy_forms.utils.render_crispy_form
    monkeypatch.setattr(
        crispy_forms.utils,
        "render_crispy_form",
        lambda *args, **kwargs: renders.append(1) or real_render(*args, **kwargs),
    )
    start = tomorrow_at(8)
    with time_machine.travel(start, tick=False):
        post.publish_at = start - timedelta(days=1)
        post.save()
        first = STAMP.search(page(client, post)).group(1)
        again = STAMP.search(page(client.__class__(), post)).group(1)
    assert again == first and len(renders) == 1, "one render shared by every reader"
    half_life = timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
    with time_machine.travel(start + half_life + timedelta(seconds=1), tick=False):
        renewed = STAMP.search(page(client, post)).group(1)
    assert renewed != first and len(renders) == 2


def test_a_signed_in_readers_form_is_their_own_not_the_shared_one(client, post, editor):
    page(client, post)  # the shared blank form is kept
    client.force_login(editor)
    html = page(client, post)
    name_field = html.split('name="author_name"')[1].split(">")[0]
    assert editor.get_full_name() in name_field and "disabled" in name_field
