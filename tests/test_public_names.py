"""Login names are never public: posts, author pages, feeds, structured data and staff replies
show the name the writer gave in "Your public name", else the site's name."""

import json
import re

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "jdoe42"


@pytest.fixture
def nameless():
    """A writer who never gave a name: only a login."""
    return UserFactory(
        username=LOGIN, first_name="", last_name="", is_staff=True, groups=["Editors"]
    )


def public_texts(client, post) -> dict[str, str]:
    return {
        "post page": client.get(post.get_absolute_url()).content.decode(),
        "index": client.get("/").content.decode(),
        "author page": client.get(reverse("blog:author", args=[post.author_id])).content.decode(),
        "rss": client.get(reverse("blog:feed_rss")).content.decode(),
        "atom": client.get(reverse("blog:feed_atom")).content.decode(),
    }


def test_a_writer_without_a_name_is_shown_as_the_site_never_by_login(client, nameless, settings):
    post = PostFactory(author=nameless, title="Nameless light")
    for page, text in public_texts(client, post).items():
        assert LOGIN not in text, page
    html = public_texts(client, post)["post page"]
    assert (
        f'By <a href="{reverse("blog:author", args=[nameless.pk])}">{settings.SITE_NAME}</a>'
        in html
    )
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert ld["author"]["name"] == settings.SITE_NAME


def test_a_staff_reply_to_a_comment_is_signed_with_the_public_name(client, nameless, settings):
    from comments.services import reply_as_staff

    comment = CommentFactory(post=PostFactory(), approved=True)
    nameless.groups.clear()
    reply = reply_as_staff(comment=comment, moderator=nameless, body="Thanks!")
    assert reply.author_name == settings.SITE_NAME


def test_a_writer_sets_their_public_name_in_the_admin_and_readers_see_it(client, nameless):
    post = PostFactory(author=nameless, title="Named light")
    client.force_login(nameless)
    page = client.get(reverse("admin_public_name")).content.decode()
    assert "Your login name is never shown" in page
    assert reverse("admin_public_name") in client.get(reverse("admin:index")).content.decode()
    response = client.post(
        reverse("admin_public_name"), {"first_name": "Jane", "last_name": "Doe", "username": "x"}
    )
    assert response.status_code == 302
    nameless.refresh_from_db()
    assert (nameless.username, nameless.get_full_name()) == (LOGIN, "Jane Doe"), "only the name"
    client.logout()
    for page, text in public_texts(client, post).items():
        assert "Jane Doe" in text, page
        assert LOGIN not in text, page


def test_the_public_name_page_is_for_staff_only(client):
    response = client.get(reverse("admin_public_name"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
