"""Every admin save keeps a revision; the admin shows a readable diff and restores in one step."""

import pytest
from django.urls import reverse

from blog.models import Post, PostRevision
from tests.factories import PostFactory, post_admin_form
from tests.test_roles_admin import ADD_URL, CHANGELIST_URL, change_url

pytestmark = pytest.mark.django_db


def revisions_url(post):
    return reverse("admin:blog_post_revisions", args=[post.pk])


def restore_url(revision):
    return reverse("admin:blog_post_restore", args=[revision.post_id, revision.pk])


def test_every_save_keeps_a_revision_with_who_and_what(client, editor):
    client.force_login(editor)
    data = post_admin_form(author=editor.pk, tags="Garden, Soil", _action="draft")
    client.post(ADD_URL, data)
    post = Post.objects.get(slug="notes-on-gardening")
    client.post(change_url(post), {**data, "body": "Water the *roses*.", "_action": "publish"})
    first, second = post.revisions.order_by("created", "pk")
    assert (first.body, first.status, first.tags) == (
        "Water the *tomatoes*.",
        Post.Status.DRAFT,
        "Garden, Soil",
    )
    assert (second.body, second.status, second.note) == (
        "Water the *roses*.",
        Post.Status.PUBLISHED,
        "Publish",
    )
    assert first.created_by == second.created_by == editor


def test_revisions_page_shows_a_line_diff(client, editor):
    client.force_login(editor)
    data = post_admin_form(author=editor.pk, body="Line one\nLine two", _action="draft")
    client.post(ADD_URL, data)
    post = Post.objects.get(slug="notes-on-gardening")
    client.post(change_url(post), {**data, "body": "Line one\nLine 2"})
    html = client.get(revisions_url(post)).content.decode()
    assert '<span class="diff-del">- Line two</span>' in html
    assert '<span class="diff-add">+ Line 2</span>' in html
    assert '<span class="diff-same">  Line one</span>' in html
    assert f'href="{revisions_url(post)}"' in client.get(change_url(post)).content.decode()


def test_restoring_a_revision_round_trips_and_is_itself_a_revision(client, editor):
    client.force_login(editor)
    data = post_admin_form(author=editor.pk, title="First title", tags="alpha", _action="draft")
    client.post(ADD_URL, data)
    post = Post.objects.get(slug="notes-on-gardening")
    original = post.revisions.get()
    edited = {**data, "title": "Overwritten", "body": "Gone paragraph", "tags": "beta"}
    client.post(change_url(post), edited)
    post.refresh_from_db()
    assert post.title == "Overwritten"

    response = client.post(restore_url(original))
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body, sorted(post.tags.names())) == (
        "First title",
        "Water the *tomatoes*.",
        ["alpha"],
    )
    assert "tomatoes" in post.body_html
    newest = post.revisions.order_by("-created", "-pk").first()
    assert post.revisions.count() == 3
    assert newest.note == "Restored revision 1"
    assert (newest.title, newest.tags) == ("First title", "alpha")


def test_restoring_never_changes_whether_a_post_is_live(client, editor):
    client.force_login(editor)
    data = post_admin_form(author=editor.pk, _action="publish")
    client.post(ADD_URL, data)
    post = Post.objects.get(slug="notes-on-gardening")
    client.post(change_url(post), {**data, "_action": "unpublish"})
    live_revision = post.revisions.get(status=Post.Status.PUBLISHED)
    client.post(restore_url(live_revision))
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_authors_may_not_restore_on_others_posts_or_their_live_ones(client, author, editor):
    others = PostFactory(draft=True)
    own_live = PostFactory(author=author)
    for post in (others, own_live):
        revision = PostRevision.objects.create(
            post=post, title="Old", body="old", status=post.status
        )
        client.force_login(author)
        assert client.post(restore_url(revision)).status_code == 403
        post.refresh_from_db()
        assert post.title != "Old"
    assert client.get(revisions_url(others)).status_code == 403
    assert client.get(revisions_url(own_live)).status_code == 200


def test_restore_asks_first_showing_what_it_would_change(client, editor):
    post = PostFactory(title="New title")
    PostRevision.objects.create(post=post, title="Older", body="older", status="draft")
    revision = PostRevision.objects.create(post=post, title="Old", body="old", status="draft")
    client.force_login(editor)
    response = client.get(restore_url(revision))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Restore revision 2 of" in html
    assert '<span class="diff-del">- New title</span>' in html
    assert '<span class="diff-add">+ Old</span>' in html
    assert "<h3>Status</h3>" not in html, "a restore never changes the status"
    post.refresh_from_db()
    assert post.title == "New title"
    response = client.post(restore_url(revision), follow=True)
    assert "Restored revision 2." in response.content.decode()


def test_any_two_revisions_or_one_and_the_current_text_compare(client, editor):
    post = PostFactory(title="Now", cover_image_alt="A pot")
    for title in ("One", "Two"):
        PostRevision.objects.create(post=post, title=title, body="same", status="draft")
    client.force_login(editor)
    html = client.get(revisions_url(post) + "?from=1&to=2").content.decode()
    assert "From revision 1 to revision 2" in html
    assert '<span class="diff-del">- One</span>' in html
    assert '<span class="diff-add">+ Two</span>' in html
    html = client.get(revisions_url(post) + "?from=2&to=current").content.decode()
    assert "From revision 2 to the current text" in html
    assert '<span class="diff-add">+ Now</span>' in html
    assert "<h3>Cover image alt text</h3>" in html, "fields named as the form names them"
    for bad in ("?from=3&to=1", "?from=x&to=current", "?from=%C2%B2&to=1", "?from=1"):
        response = client.get(revisions_url(post) + bad)
        assert response.status_code == 200
        assert 'id="comparison"' not in response.content.decode()


def test_bulk_publish_keeps_a_revision(client, editor):
    draft = PostFactory(draft=True)
    client.force_login(editor)
    client.post(CHANGELIST_URL, {"action": "publish_selected", "_selected_action": [draft.pk]})
    assert draft.revisions.get().status == Post.Status.PUBLISHED
