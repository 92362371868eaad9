"""A draft's preview for its editors: no comment form (it would 404) and no tag links (they 404)."""

import pytest
from django.urls import reverse

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_draft_preview_has_no_comment_form_and_no_tag_links(client, editor):
    draft = PostFactory(draft=True, tags=["unreleased"])
    client.force_login(editor)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "unreleased" in html
    assert reverse("blog:tag", args=["unreleased"]) not in html
    assert reverse("comments:submit", args=[draft.pk]) not in html


def test_published_post_keeps_its_comment_form_and_tag_links(client):
    post = PostFactory(tags=["released"])
    html = client.get(post.get_absolute_url()).content.decode()
    assert reverse("blog:tag", args=["released"]) in html
    assert reverse("comments:submit", args=[post.pk]) in html
