from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, PreviewLink
from tests.factories import PostFactory, post_admin_form

pytestmark = pytest.mark.django_db


def change_url(post):
    return reverse("admin:blog_post_change", args=[post.pk])


def make_link(post, **fields):
    return PreviewLink.objects.create(post=post, **fields)


def expiry_fields(when):
    return {"expires_at_0": f"{when:%Y-%m-%d}", "expires_at_1": f"{when:%H:%M:%S}"}


def test_author_previews_own_draft_on_the_post_page_but_not_someone_elses(client, author):
    own = PostFactory(author=author, draft=True)
    others = PostFactory(draft=True)
    client.force_login(author)
    response = client.get(own.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview: this post is" in response.content
    assert client.get(others.get_absolute_url()).status_code == 404


def test_editor_previews_anyones_draft_and_moderator_none(client, editor, moderator):
    draft = PostFactory(draft=True)
    client.force_login(editor)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.force_login(moderator)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_change_page_links_a_draft_to_its_preview_and_a_live_post_to_the_site(client, author):
    draft = PostFactory(author=author, draft=True)
    live = PostFactory(author=author)
    client.force_login(author)
    response = client.get(change_url(draft))
    assert response.context["absolute_url"] in response.content.decode()
    assert (
        '<a href="{}" class="viewsitelink">Preview</a>'.format(response.context["absolute_url"])
        in response.content.decode()
    )
    page = client.get(response.context["absolute_url"], follow=True)
    assert page.status_code == 200
    assert page.context["post"] == draft
    assert b"Preview: this post is" in page.content
    html = client.get(change_url(live)).content.decode()
    assert 'class="viewsitelink">View on site</a>' in html
    assert 'class="viewsitelink">Preview</a>' not in html


def test_editor_creates_a_share_link_on_the_post_page_and_sees_its_full_address(
    client, editor, settings
):
    settings.SITE_URL = "https://blog.example.com"
    post = PostFactory(draft=True)
    client.force_login(editor)
    expires = timezone.now() + timedelta(days=2)
    response = client.post(
        change_url(post), post_admin_form(post, extra_links=[expiry_fields(expires)])
    )
    assert response.status_code == 302
    link = PreviewLink.objects.get(post=post)
    assert link.created_by == editor
    assert abs(link.expires_at - expires) < timedelta(seconds=1)
    html = client.get(change_url(post)).content.decode()
    assert "preview_links-TOTAL_FORMS" in html
    assert f"https://blog.example.com/blog/preview/{link.token}/" in html
    assert "Active" in html


def test_added_share_link_row_is_saved_even_with_its_default_expiry_untouched(client, editor):
    post = PostFactory(draft=True)
    client.force_login(editor)
    client.post(change_url(post), post_admin_form(post))
    assert not PreviewLink.objects.exists()
    # The browser sends the default expiry twice: as the value and as its hidden initial.
    default = expiry_fields(timezone.now() + timedelta(days=7))
    hidden_initial = {f"initial-preview_links-0-{k}": v for k, v in default.items()}
    data = post_admin_form(post, extra_links=[default])
    response = client.post(change_url(post), {**data, **hidden_initial})
    assert response.status_code == 302
    assert PreviewLink.objects.filter(post=post).count() == 1


def test_author_cannot_create_share_links(client, author):
    post = PostFactory(author=author, draft=True)
    client.force_login(author)
    expires = timezone.now() + timedelta(days=2)
    data = post_admin_form(post, extra_links=[expiry_fields(expires)])
    assert client.post(change_url(post), data).status_code == 302
    assert not PreviewLink.objects.exists()
    assert "preview_links-TOTAL_FORMS" not in client.get(change_url(post)).content.decode()


def test_share_link_with_an_expiry_in_the_past_is_refused(client, editor):
    post = PostFactory(draft=True)
    client.force_login(editor)
    past = timezone.now() - timedelta(hours=1)
    response = client.post(
        change_url(post), post_admin_form(post, extra_links=[expiry_fields(past)])
    )
    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()
    assert not PreviewLink.objects.exists()


def test_share_link_shows_the_draft_to_anyone_with_noindex_and_never_cache(client):
    post = PostFactory(draft=True, title="Secret plans", body="The *whole* story.")
    link = make_link(post)
    assert client.get(post.get_absolute_url()).status_code == 404
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Secret plans" in html
    assert "<em>whole</em>" in html
    assert '<meta name="robots" content="noindex' in html
    assert "noindex" in response["X-Robots-Tag"]
    cache_control = response["Cache-Control"]
    assert any(word in cache_control for word in ("no-cache", "no-store", "private"))
    assert "max-age=0" in cache_control


def test_revoking_a_share_link_in_the_admin_makes_it_404(client, editor):
    post = PostFactory(draft=True)
    link = make_link(post)
    kept = make_link(post)
    assert client.get(link.get_absolute_url()).status_code == 200
    client.force_login(editor)
    existing = [
        {"id": link.pk, "revoke": "on", **expiry_fields(link.expires_at)},
        {"id": kept.pk, **expiry_fields(kept.expires_at)},
    ]
    response = client.post(change_url(post), post_admin_form(post, links=existing))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    client.logout()
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get(kept.get_absolute_url()).status_code == 200
    client.force_login(editor)
    assert "Revoked" in client.get(change_url(post)).content.decode()


def test_expired_share_link_is_404(client):
    post = PostFactory(draft=True)
    expired = make_link(post, expires_at=timezone.now() - timedelta(minutes=1))
    current = make_link(post, expires_at=timezone.now() + timedelta(minutes=1))
    assert client.get(expired.get_absolute_url()).status_code == 404
    assert client.get(current.get_absolute_url()).status_code == 200


def test_unknown_token_is_404(client):
    make_link(PostFactory(draft=True))
    url = reverse("blog:post_preview", kwargs={"token": "not-a-real-token"})
    assert client.get(url).status_code == 404


def test_share_link_of_a_scheduled_post_still_previews_it(client):
    post = PostFactory(scheduled=True)
    response = client.get(make_link(post).get_absolute_url())
    assert response.status_code == 200
    assert b"scheduled for" in response.content


def test_share_link_of_a_published_post_redirects_to_the_public_page(client):
    post = PostFactory(draft=True)
    link = make_link(post)
    assert client.get(link.get_absolute_url()).status_code == 200
    Post.objects.filter(pk=post.pk).publish()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()


def test_share_link_expiry_past_the_30_day_cap_is_refused_and_the_form_shows_the_cap(
    client, editor
):
    post = PostFactory(draft=True)
    client.force_login(editor)
    assert "at most 30 days after it is made" in client.get(change_url(post)).content.decode()
    far = timezone.now() + timedelta(days=31)
    response = client.post(
        change_url(post), post_admin_form(post, extra_links=[expiry_fields(far)])
    )
    assert response.status_code == 200
    assert "A share link works for at most 30 days" in response.content.decode()
    assert not PreviewLink.objects.exists()
    within = timezone.now() + timedelta(days=29)
    data = post_admin_form(post, extra_links=[expiry_fields(within)])
    assert client.post(change_url(post), data).status_code == 302
    assert PreviewLink.objects.count() == 1


def test_an_existing_share_link_cannot_be_extended_past_30_days_from_when_it_was_made(
    client, editor
):
    post = PostFactory(draft=True)
    link = make_link(post)
    PreviewLink.objects.filter(pk=link.pk).update(created=timezone.now() - timedelta(days=20))
    client.force_login(editor)
    later = timezone.now() + timedelta(days=15)
    existing = [{"id": link.pk, **expiry_fields(later)}]
    response = client.post(change_url(post), post_admin_form(post, links=existing))
    assert response.status_code == 200
    assert "A share link works for at most 30 days" in response.content.decode()


def test_a_share_link_made_over_30_days_ago_is_404_whatever_its_expiry(client):
    post = PostFactory(draft=True)
    old = make_link(post, expires_at=timezone.now() + timedelta(days=3650))
    PreviewLink.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    recent = make_link(post, expires_at=timezone.now() + timedelta(days=3650))
    assert client.get(old.get_absolute_url()).status_code == 404
    assert client.get(recent.get_absolute_url()).status_code == 200


# The admin's "View on site" shortcut, /admin/r/<content type>/<id>/


def view_on_site_url(obj):
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


UNPUBLISHED = {
    "draft": {"draft": True},
    "in review": {"status": Post.Status.REVIEW, "publish_at": None},
    "scheduled": {"scheduled": True},
}


@pytest.mark.parametrize("state", UNPUBLISHED)
def test_view_on_site_leads_staff_only_to_posts_they_may_view(client, author, moderator, state):
    others = PostFactory(**UNPUBLISHED[state])
    own = PostFactory(author=author, **UNPUBLISHED[state])
    client.force_login(moderator)
    assert client.get(view_on_site_url(others)).status_code == 404
    client.force_login(author)
    assert client.get(view_on_site_url(others)).status_code == 404
    response = client.get(view_on_site_url(own))
    assert response.status_code == 302
    assert own.get_absolute_url() in response["Location"]


def test_view_on_site_leads_editors_to_any_post(client, editor):
    draft = PostFactory(draft=True)
    client.force_login(editor)
    response = client.get(view_on_site_url(draft))
    assert response.status_code == 302
    assert draft.get_absolute_url() in response["Location"]


def test_view_on_site_never_gives_away_a_share_links_token(client, author, editor):
    link = PreviewLink.objects.create(post=PostFactory(author=author, draft=True))
    for user in (author, editor):
        client.force_login(user)
        assert client.get(view_on_site_url(link)).status_code == 404


def test_view_on_site_with_an_unknown_type_or_id_is_404(client, editor):
    client.force_login(editor)
    post_type = ContentType.objects.get_for_model(Post).pk
    for args in ([post_type, 10**20], [10**20, 1], [post_type, "x"]):
        assert client.get(reverse("admin:view_on_site", args=args)).status_code == 404


def test_view_on_site_asks_visitors_to_log_in(client):
    response = client.get(view_on_site_url(PostFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
