"""Draft -> in review -> published (or scheduled), per role, through the admin's buttons."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from blog import workflow
from blog.models import Post
from tests.clock import tomorrow_at
from tests.factories import PostFactory, UserFactory, post_admin_form
from tests.test_roles_admin import ADD_URL, CHANGELIST_URL, change_url

pytestmark = pytest.mark.django_db

ADMIN_INDEX = reverse("admin:index")


def buttons_in(html):
    return {
        action
        for action in ("draft", "submit", "keep", "publish", "schedule", "unpublish", "return")
        if f'name="_action" value="{action}"' in html
    }


def form_for(post, **overrides):
    return post_admin_form(
        **{"title": post.title, "slug": post.slug, "body": post.body, **overrides}
    )


@pytest.fixture
def editor_with_mail():
    return UserFactory(
        username="editor2", email="editor@example.com", is_staff=True, groups=["Editors"]
    )


def test_author_gets_save_draft_and_submit_for_review_only(client, author):
    client.force_login(author)
    assert buttons_in(client.get(ADD_URL).content.decode()) == {"draft", "submit"}
    draft = PostFactory(author=author, draft=True)
    html = client.get(change_url(draft)).content.decode()
    assert buttons_in(html) == {"draft", "submit"}
    assert "Save draft" in html and "Submit for review" in html


def test_editor_gets_the_buttons_that_fit_the_posts_state(client, editor):
    client.force_login(editor)
    assert buttons_in(client.get(ADD_URL).content.decode()) == {"draft", "publish", "schedule"}
    submitted = PostFactory(status=Post.Status.REVIEW, publish_at=None)
    assert buttons_in(client.get(change_url(submitted)).content.decode()) == {
        "draft",
        "publish",
        "schedule",
        "return",
    }
    live = PostFactory()
    assert buttons_in(client.get(change_url(live)).content.decode()) == {"keep", "unpublish"}
    scheduled = PostFactory(scheduled=True)
    assert buttons_in(client.get(change_url(scheduled)).content.decode()) == {
        "keep",
        "publish",
        "schedule",
        "unpublish",
    }


@pytest.mark.parametrize("action", ["publish", "schedule", "unpublish", "return", "bogus"])
def test_author_posting_an_editors_action_is_refused(client, author, action):
    draft = PostFactory(author=author, draft=True, title="Mine")
    client.force_login(author)
    tomorrow = timezone.now() + timedelta(days=1)
    data = form_for(draft, title="Changed", publish_at=f"{tomorrow:%Y-%m-%dT%H:%M}")
    assert client.post(change_url(draft), {**data, "_action": action}).status_code == 403
    assert client.post(ADD_URL, {**post_admin_form(), "_action": action}).status_code == 403
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Mine", Post.Status.DRAFT)
    assert not Post.objects.filter(slug="notes-on-gardening").exists()


def test_author_submits_editors_are_mailed_after_commit_and_see_it_awaiting_review(
    client, author, editor_with_mail, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(ADD_URL, {**post_admin_form(), "_action": "submit"})
        assert response.status_code == 302
        assert mail.outbox == []  # nothing is sent before the post is committed
    for callback in callbacks:
        callback()
    post = Post.objects.get(slug="notes-on-gardening")
    assert post.status == Post.Status.REVIEW
    assert post not in Post.objects.published()
    assert [message.to for message in mail.outbox] == [["editor@example.com"]]
    assert "Notes on gardening" in mail.outbox[0].subject
    assert change_url(post) in mail.outbox[0].body

    assert "Posts awaiting review" not in client.get(ADMIN_INDEX).content.decode()
    client.force_login(editor_with_mail)
    html = client.get(ADMIN_INDEX).content.decode()
    assert "Posts awaiting review" in html
    assert f'href="{change_url(post)}">Notes on gardening</a>' in html


def test_submit_notify_publish_makes_the_post_public(
    client, author, editor_with_mail, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD_URL, {**post_admin_form(), "_action": "submit"})
    post = Post.objects.get(slug="notes-on-gardening")
    assert client.get(post.get_absolute_url()).status_code == 200  # the author's preview
    assert len(mail.outbox) == 1
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404

    client.force_login(editor_with_mail)
    response = client.post(
        change_url(post), {**form_for(post, author=author.pk), "_action": "publish"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert post in Post.objects.published()
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200


def test_authors_change_to_their_published_post_is_refused_and_the_page_keeps_its_text(
    client, author
):
    for post in (
        PostFactory(author=author, title="Live"),
        PostFactory(author=author, title="Soon", scheduled=True),
    ):
        client.force_login(author)
        html = client.get(change_url(post)).content.decode()
        assert buttons_in(html) == set()  # read-only to its author
        for action in ("draft", "submit", "keep"):
            data = {**form_for(post, title="Changed live"), "_action": action}
            assert client.post(change_url(post), data).status_code == 403
        post.refresh_from_db()
        assert post.title != "Changed live"
        assert post.status == Post.Status.PUBLISHED


def test_author_may_edit_their_submission_while_it_waits(client, author):
    post = PostFactory(author=author, status=Post.Status.REVIEW, publish_at=None)
    client.force_login(author)
    data = {**form_for(post, title="Better"), "_action": "submit"}
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert (post.title, post.status) == ("Better", Post.Status.REVIEW)


def test_editor_schedules_with_a_frozen_clock_and_the_post_goes_live_on_time(client, editor):
    start = tomorrow_at(10)
    with time_machine.travel(start, tick=False) as traveller:
        post = PostFactory(draft=True, author=editor)
        client.force_login(editor)
        when = timezone.localtime(start + timedelta(hours=2))
        data = {**form_for(post, author=editor.pk, publish_at=f"{when:%Y-%m-%dT%H:%M}")}
        assert client.post(change_url(post), {**data, "_action": "schedule"}).status_code == 302
        post.refresh_from_db()
        assert post.is_scheduled
        assert post.publish_at == start + timedelta(hours=2)
        assert post not in Post.objects.published()
        html = client.get(CHANGELIST_URL, {"state": "scheduled"}).content.decode()
        assert f"Scheduled for {when:%Y-%m-%d %H:%M}" in html
        traveller.shift(timedelta(hours=2, minutes=1))
        assert post in Post.objects.published()


def test_scheduling_in_the_past_is_a_form_error(client, editor):
    post = PostFactory(draft=True, author=editor)
    client.force_login(editor)
    past = timezone.localtime() - timedelta(hours=1)
    data = {**form_for(post, author=editor.pk, publish_at=f"{past:%Y-%m-%dT%H:%M}")}
    response = client.post(change_url(post), {**data, "_action": "schedule"})
    assert response.status_code == 200
    assert "Choose a time in the future to schedule." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_schedule_picker_defaults_to_tomorrow_morning(client, editor):
    client.force_login(editor)
    with time_machine.travel(tomorrow_at(22, 30), tick=False):
        html = client.get(ADD_URL).content.decode()
        tomorrow = timezone.localdate() + timedelta(days=1)
    assert f'type="datetime-local" name="publish_at" value="{tomorrow:%Y-%m-%d}T09:00"' in html


def test_editor_sends_a_submission_back_with_a_note_and_the_author_is_mailed(
    client, editor, django_capture_on_commit_callbacks
):
    writer = UserFactory(email="writer@example.com", is_staff=True, groups=["Authors"])
    post = PostFactory(author=writer, status=Post.Status.REVIEW, publish_at=None)
    client.force_login(editor)
    data = form_for(post, author=writer.pk)
    response = client.post(change_url(post), {**data, "_action": "return"})
    assert "Tell the author what to change." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        note = "Please add a source for the second claim."
        response = client.post(change_url(post), {**data, "review_note": note, "_action": "return"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.status, post.review_note) == (Post.Status.DRAFT, note)
    assert [message.to for message in mail.outbox] == [["writer@example.com"]]
    assert note in mail.outbox[0].body
    client.force_login(writer)
    html = client.get(change_url(post)).content.decode()
    assert note in html and 'name="review_note"' not in html  # shown to the author, read-only


def test_editor_unpublishes_and_the_post_leaves_the_public_site(client, editor):
    post = PostFactory()
    client.force_login(editor)
    data = form_for(post, author=post.author.pk)
    assert client.post(change_url(post), {**data, "_action": "unpublish"}).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404


def test_editors_plain_save_of_a_live_post_keeps_it_live_and_its_date(client, editor):
    post = PostFactory()
    published_at = post.publish_at
    client.force_login(editor)
    data = form_for(post, title="Typo fixed", author=post.author.pk)
    data["publish_at"] = f"{timezone.localtime(published_at):%Y-%m-%dT%H:%M}"
    assert client.post(change_url(post), {**data, "_action": "keep"}).status_code == 302
    post.refresh_from_db()
    assert post.title == "Typo fixed" and post.is_published


def test_state_filter_lists_draft_review_scheduled_and_published(client, editor):
    PostFactory(title="A draft", draft=True)
    PostFactory(title="A submission", status=Post.Status.REVIEW, publish_at=None)
    PostFactory(title="A future one", scheduled=True)
    PostFactory(title="A live one")
    client.force_login(editor)
    expected = {
        "draft": "A draft",
        "review": "A submission",
        "scheduled": "A future one",
        "published": "A live one",
    }
    titles = set(expected.values())
    for state, title in expected.items():
        html = client.get(CHANGELIST_URL, {"state": state}).content.decode()
        assert {t for t in titles if f">{t}</a>" in html} == {title}, state


def test_author_list_is_titled_my_posts_and_editors_can_filter_their_own(client, author, editor):
    PostFactory(title="Editor's own", author=editor)
    PostFactory(title="Someone else's")
    client.force_login(author)
    assert "<h1>My posts</h1>" in client.get(CHANGELIST_URL).content.decode()
    client.force_login(editor)
    html = client.get(CHANGELIST_URL, {"mine": "1"}).content.decode()
    assert "Editor&#x27;s own" in html and "Someone else&#x27;s" not in html


def test_authors_tag_filter_shows_only_tags_of_their_own_posts(client, author, editor):
    PostFactory(author=author, draft=True, tags=["gardening"])
    PostFactory(draft=True, tags=["secret-launch"])
    PostFactory(tags=["public-tag"])
    client.force_login(author)
    html = client.get(CHANGELIST_URL).content.decode()
    assert "gardening" in html
    assert "secret-launch" not in html
    assert "public-tag" not in html
    client.force_login(editor)
    assert "secret-launch" in client.get(CHANGELIST_URL).content.decode()


def test_slug_help_shows_a_whole_address(client, editor):
    client.force_login(editor)
    html = client.get(ADD_URL).content.decode()
    assert "/blog//" not in html
    assert "/blog/your-slug/" in html


def test_a_title_with_a_line_break_is_a_form_error(client, author):
    client.force_login(author)
    data = {**post_admin_form(), "title": "Notes\r\non gardening", "_action": "submit"}
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "A title is one line: remove the line break." in response.content.decode()
    assert not Post.objects.exists()


def test_a_title_saved_with_a_line_break_is_one_line_and_editors_are_mailed(
    author, editor_with_mail
):
    post = PostFactory(author=author, draft=True, title="Notes\non\u2028gardening ")
    assert post.title == "Notes on gardening"
    assert workflow.send_review_request(post_id=post.pk, actor_id=author.pk) == 1
    assert mail.outbox[0].subject == "Awaiting review: Notes on gardening"
