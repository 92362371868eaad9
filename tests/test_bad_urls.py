"""A NUL character ("%00") in a URL is a 400 for everyone, never a 500 (PostgreSQL refuses NUL)."""

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/blog/preview/%00/",
    "/blog/preview/a%00b/",
    "/blog/%00/",
    "/blog/tag/a%00/",
    "/?page=%00",
    "/blog/search/?q=%00",
    "/blog/search/?q%00=a",
    "/admin/blog/post/?status__exact=%00",
    "/admin/blog/post/?q=a%00",
    "/admin/comments/comment/?status__exact=%00",
    "/admin/blog/post/%00/change/",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_the_url_is_a_bad_request_for_visitors(client, url):
    PostFactory()
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_the_url_is_a_bad_request_for_staff(client, editor, url):
    PostFactory()
    client.force_login(editor)
    assert client.get(url).status_code == 400


def test_ordinary_percent_escapes_still_work(client, editor):
    post = PostFactory()
    client.force_login(editor)
    assert client.get("/admin/blog/post/?q=a%25%2000b").status_code == 200
    assert client.get(post.get_absolute_url() + "?utm=%C3%A4").status_code == 200
