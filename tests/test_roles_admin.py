import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.factories import PostFactory, UserFactory, post_admin_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:blog_post_add")
CHANGELIST_URL = reverse("admin:blog_post_changelist")


def change_url(post):
    return reverse("admin:blog_post_change", args=[post.pk])


def test_roles_migration_gives_editors_publishing_and_authors_only_writing():
    editors = Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    authors = Group.objects.get(name="Authors").permissions.values_list("codename", flat=True)
    assert {"add_post", "change_post", "delete_post", "view_post", "publish_post"} <= set(editors)
    assert {"add_previewlink", "change_previewlink", "add_tag", "change_tag"} <= set(editors)
    assert set(authors) == {"add_post", "change_post", "view_post", "add_image", "view_image"}


def test_editors_manage_tags_and_authors_do_not(client, editor, author):
    tags_url = reverse("admin:taggit_tag_changelist")
    client.force_login(editor)
    assert client.get(tags_url).status_code == 200
    client.force_login(author)
    assert client.get(tags_url).status_code == 403


def test_editor_can_publish_a_new_post_under_another_authors_name(client, editor, author):
    client.force_login(editor)
    data = post_admin_form(_action="publish", author=author.pk)
    response = client.post(ADD_URL, data)
    assert response.status_code == 302
    post = Post.objects.get(slug="notes-on-gardening")
    assert post.status == Post.Status.PUBLISHED
    assert post.publish_at is not None and post.publish_at <= timezone.now()
    assert post.author == author
    assert post in Post.objects.published()


def test_author_cannot_publish_by_posting_status(client, author, editor):
    client.force_login(author)
    soon = timezone.now() - timedelta(hours=1)
    data = post_admin_form(status=Post.Status.PUBLISHED, publish_at=f"{soon:%Y-%m-%dT%H:%M}")
    response = client.post(ADD_URL, data)
    assert response.status_code == 302
    post = Post.objects.get(slug="notes-on-gardening")
    assert post.status == Post.Status.DRAFT
    assert post.publish_at is None
    assert post not in Post.objects.published()

    # The same request from an editor, with the Publish button, does publish.
    client.force_login(editor)
    client.post(change_url(post), {**data, "author": author.pk, "_action": "publish"})
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_author_cannot_publish_their_own_draft_when_editing_it(client, author):
    post = PostFactory(author=author, draft=True, slug="my-draft")
    client.force_login(author)
    response = client.post(
        change_url(post),
        post_admin_form(title="Better title", slug="my-draft", status=Post.Status.PUBLISHED),
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Better title"
    assert post.status == Post.Status.DRAFT


def test_author_creates_posts_under_their_own_name_only(client, author, editor):
    client.force_login(author)
    client.post(ADD_URL, post_admin_form(author=editor.pk))
    post = Post.objects.get(slug="notes-on-gardening")
    assert post.author == author


def test_author_status_and_publish_date_are_read_only_for_authors_not_editors(
    client, author, editor
):
    client.force_login(author)
    html = client.get(ADD_URL).content.decode()
    assert 'name="title"' in html
    assert 'name="status"' not in html
    assert 'name="publish_at"' not in html
    client.force_login(editor)
    html = client.get(ADD_URL).content.decode()
    assert 'name="publish_at"' in html
    assert 'name="author"' in html


def test_author_can_edit_own_post_but_not_someone_elses(client, author):
    own = PostFactory(author=author, draft=True)
    others = PostFactory(draft=True, title="Not yours")
    client.force_login(author)
    assert client.get(change_url(own)).status_code == 200
    assert client.get(change_url(others)).status_code == 403
    response = client.post(
        change_url(others), post_admin_form(title="Taken over", slug=others.slug)
    )
    assert response.status_code == 403
    others.refresh_from_db()
    assert others.title == "Not yours"


def test_author_changelist_lists_only_their_own_posts(client, author, editor):
    PostFactory(author=author, title="Mine to edit", draft=True)
    PostFactory(title="Someone else's draft", draft=True)
    client.force_login(author)
    html = client.get(CHANGELIST_URL).content.decode()
    assert "Mine to edit" in html
    assert "Someone else&#x27;s draft" not in html
    client.force_login(editor)
    html = client.get(CHANGELIST_URL).content.decode()
    assert "Mine to edit" in html
    assert "Someone else&#x27;s draft" in html


def test_editor_can_edit_any_post(client, editor, author):
    post = PostFactory(author=author, draft=True, slug="by-author")
    client.force_login(editor)
    data = post_admin_form(title="Edited by the editor", slug="by-author", author=author.pk)
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert post.title == "Edited by the editor"


def test_only_editors_can_delete_posts(client, author, editor):
    own = PostFactory(author=author, draft=True)
    others = PostFactory(draft=True)
    client.force_login(author)
    for post in (own, others):
        delete_url = reverse("admin:blog_post_delete", args=[post.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Post.objects.filter(pk__in=[own.pk, others.pk]).count() == 2
    client.force_login(editor)
    delete_url = reverse("admin:blog_post_delete", args=[others.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Post.objects.filter(pk=others.pk).exists()


def test_moderator_cannot_add_or_change_posts(client, moderator, editor):
    post = PostFactory(title="Untouched")
    client.force_login(moderator)
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, post_admin_form()).status_code == 403
    assert client.get(change_url(post)).status_code == 403
    assert client.post(change_url(post), post_admin_form(title="Changed")).status_code == 403
    assert client.get(CHANGELIST_URL).status_code == 403
    post.refresh_from_db()
    assert post.title == "Untouched"
    assert not Post.objects.filter(slug="notes-on-gardening").exists()
    assert moderator.has_perm("comments.moderate_comment")
    client.force_login(editor)
    assert client.get(change_url(post)).status_code == 200


def test_publish_actions_are_offered_only_to_users_who_may_publish(client, author, editor):
    draft = PostFactory(author=author, draft=True)
    client.force_login(author)
    assert "Publish selected posts" not in client.get(CHANGELIST_URL).content.decode()
    client.post(CHANGELIST_URL, {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    client.force_login(editor)
    html = client.get(CHANGELIST_URL).content.decode()
    assert "Publish selected posts" in html
    assert "Unpublish selected posts" in html


def test_publish_action_publishes_drafts_now_and_reports_the_count(client, editor):
    undated = PostFactory(draft=True)
    dated = PostFactory(draft=True, publish_at=timezone.now() + timedelta(days=3))
    already_live = PostFactory()
    client.force_login(editor)
    response = client.post(
        CHANGELIST_URL,
        {"action": "publish_selected", "_selected_action": [undated.pk, dated.pk, already_live.pk]},
        follow=True,
    )
    assert "2 posts published." in response.content.decode()
    undated.refresh_from_db()
    dated.refresh_from_db()
    assert undated.is_published
    assert undated.publish_at <= timezone.now()
    assert dated.is_scheduled


def test_unpublish_action_returns_posts_to_draft_and_reports_the_count(client, editor):
    live = PostFactory()
    scheduled = PostFactory(scheduled=True)
    untouched = PostFactory()
    client.force_login(editor)
    response = client.post(
        CHANGELIST_URL,
        {"action": "unpublish_selected", "_selected_action": [live.pk, scheduled.pk]},
        follow=True,
    )
    assert "2 posts returned to draft." in response.content.decode()
    assert list(Post.objects.published()) == [untouched]


def test_changelist_shows_published_scheduled_and_draft_in_words(client, editor):
    PostFactory(title="Live one")
    PostFactory(title="Future one", scheduled=True)
    PostFactory(title="Unfinished one", draft=True)
    client.force_login(editor)
    html = client.get(CHANGELIST_URL).content.decode()
    for label in ("Published", "Scheduled for ", "Draft"):
        assert f'<td class="field-publication_status">{label}' in html
    assert ">Comments</a>" in html


def test_changelist_search_looks_in_title_and_body(client, editor):
    PostFactory(title="About herons", body="Grey birds by the river.")
    PostFactory(title="About bread", body="Flour, water, salt.")
    client.force_login(editor)
    html = client.get(CHANGELIST_URL, {"q": "river"}).content.decode()
    assert "About herons" in html
    assert "About bread" not in html


def test_author_dropdown_offers_only_people_who_may_write_and_the_posts_own(client, editor, author):
    UserFactory(username="reader")
    UserFactory(username="gatekeeper", is_staff=True, groups=["Moderators"])
    former = UserFactory(username="former", is_staff=True)
    post = PostFactory(author=former, draft=True)
    client.force_login(editor)

    def offered(url):
        html = client.get(url).content.decode()
        select = re.search(r'<select name="author".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)

    assert offered(ADD_URL) == sorted([editor.username, author.username])
    assert offered(change_url(post)) == sorted([editor.username, author.username, "former"])
