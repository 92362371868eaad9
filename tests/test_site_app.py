"""The site-level app `core`: what joins blog and comments (blog knows nothing of comments)."""

import pytest
from django.conf import settings

from blog.models import Post
from comments.demo import DEMO_COMMENTS, add_demo_comments
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_post_list_links_each_post_to_its_comments_awaiting_moderation(client, editor):
    post = PostFactory(title="Busy post")
    CommentFactory.create_batch(2, pending=True, post=post)
    Post.objects.filter(pk=post.pk).update(pending_comment_count=2)  # the stored count it shows
    client.force_login(editor)
    html = client.get("/admin/blog/post/").content.decode()
    link = f'<a href="/admin/comments/comment/?post={post.pk}&amp;status__exact=pending">'
    assert f"{link}2 pending</a>" in html


def test_admin_header_names_the_site(client, editor):
    client.force_login(editor)
    assert f"{settings.SITE_NAME} administration" in client.get("/admin/").content.decode()


def test_demo_comments_go_to_the_post_they_are_given_once():
    post = PostFactory()
    line = add_demo_comments(post=post)
    assert Comment.objects.filter(post=post).count() == len(DEMO_COMMENTS)
    assert line.startswith(f"Demo comments: {len(DEMO_COMMENTS)} added, 2 awaiting")
    assert add_demo_comments(post=post) == "Demo comments already loaded."
    assert Comment.objects.count() == len(DEMO_COMMENTS)


def test_unknown_page_uses_the_site_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert settings.SITE_NAME in response.content.decode()
