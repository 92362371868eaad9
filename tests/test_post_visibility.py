from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_published_returns_only_published_posts_whose_time_has_come():
    live = PostFactory()
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    assert list(Post.objects.published()) == [live]


def test_scheduled_post_appears_by_itself_when_its_time_comes(client):
    post = PostFactory(publish_at=timezone.now() + timedelta(seconds=60))
    assert client.get(post.get_absolute_url()).status_code == 404
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert client.get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_unpublished_post_is_404_for_anonymous_and_non_staff(client, trait):
    post = PostFactory(**{trait: True})
    assert client.get(post.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(post.get_absolute_url()).status_code == 404


def test_unpublished_post_is_not_on_the_index(client):
    PostFactory(title="Secret draft", draft=True)
    PostFactory(title="Future post", scheduled=True)
    PostFactory(title="Visible post")
    html = client.get(reverse("blog:index")).content.decode()
    assert "Visible post" in html
    assert "Secret draft" not in html
    assert "Future post" not in html


def test_staff_editor_sees_draft_with_noindex_and_never_cache(admin_client):
    post = PostFactory(draft=True)
    response = admin_client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]
    assert b"Preview: this post is" in response.content
