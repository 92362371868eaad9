"""The body preview: the public page's renderer, by a Preview button or a staff-only endpoint."""

import pytest
from django.urls import reverse

from blog.models import Post
from tests.factories import PostFactory, post_admin_form
from tests.test_roles_admin import ADD_URL, change_url

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("admin:blog_post_preview_body")
BODY = "Some *emphasis* and <script>alert(1)</script> a [link](https://example.com)."


def test_preview_button_rerenders_the_form_with_the_body_as_readers_will_see_it(client, author):
    post = PostFactory(author=author, draft=True, body="Old body")
    client.force_login(author)
    data = post_admin_form(title=post.title, slug=post.slug, body=BODY, _action="preview")
    response = client.post(change_url(post), data)
    html = response.content.decode()
    assert response.status_code == 200
    post.body = BODY
    post.save()
    assert post.body_html in html  # the very HTML the public page will show
    assert "<em>emphasis</em>" in html and "<script>alert(1)" not in html
    assert "Preview only: nothing was saved." in html
    assert BODY.replace("<", "&lt;").replace(">", "&gt;") in html  # the text stays in the form
    assert 'src="/static/js/post-preview.js" defer' in html


def test_preview_of_a_new_post_saves_nothing(client, editor):
    client.force_login(editor)
    client.post(ADD_URL, post_admin_form(author=editor.pk, _action="preview"))
    assert not Post.objects.exists()


def test_preview_endpoint_renders_like_the_public_page_for_staff(client, author):
    own = PostFactory(author=author, draft=True)
    client.force_login(author)
    for data in ({"body": BODY}, {"body": BODY, "post": own.pk}):
        response = client.post(PREVIEW_URL, data)
        assert response.status_code == 200
        own.body = BODY
        own.save()
        assert response.json() == {"html": own.body_html}


def test_preview_endpoint_refuses_anonymous_visitors(client):
    response = client.post(PREVIEW_URL, {"body": BODY})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_preview_endpoint_refuses_an_author_on_someone_elses_post(client, author):
    others = PostFactory(draft=True)
    client.force_login(author)
    assert client.post(PREVIEW_URL, {"body": BODY, "post": others.pk}).status_code == 403
    assert client.post(PREVIEW_URL, {"body": BODY, "post": 999999}).status_code == 404
    assert client.post(PREVIEW_URL, {"body": BODY, "post": "x"}).status_code == 404


def test_preview_endpoint_refuses_staff_without_post_permissions_and_gets(
    client, moderator, editor
):
    client.force_login(moderator)
    assert client.post(PREVIEW_URL, {"body": BODY}).status_code == 403
    client.force_login(editor)
    assert client.get(PREVIEW_URL).status_code == 405
