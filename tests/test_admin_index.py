"""The admin index speaks each role's language and leads with its work."""

import pytest
from django.urls import reverse

from blog.models import Post
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

LIBRARY_NAMES = ["Axes", "Taggit", "Tasks database backend", "Django_Tasks", "Access attempts"]


def admin_index(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("role", ["editor", "author", "moderator"])
def test_no_role_sees_a_librarys_name(client, request, role):
    html = admin_index(client, request.getfixturevalue(role))
    for name in LIBRARY_NAMES:
        assert name not in html, f"{role} sees {name}"


def test_the_owner_sees_plain_section_names_and_the_tags_with_the_posts(client):
    html = admin_index(client, UserFactory(is_staff=True, is_superuser=True))
    for name in LIBRARY_NAMES[:3]:
        assert f">{name}</a>" not in html
    assert ">Login lockouts</a>" in html and ">Background tasks</a>" in html
    blog = html.split('class="app-blog', 1)[1].split("</table>", 1)[0]
    assert reverse("admin:taggit_tag_changelist") in blog


def test_an_author_is_met_by_their_drafts_before_the_sections(client, author):
    PostFactory(author=author, draft=True, title="Half written")
    PostFactory(draft=True, title="Someone else's")
    html = admin_index(client, author)
    assert "Your drafts" in html and "Half written" in html
    assert "Someone else's" not in html
    assert html.index("Your drafts") < html.index('class="app-blog')


def test_an_editor_is_met_by_the_posts_awaiting_review(client, editor, author):
    PostFactory(author=author, status=Post.Status.REVIEW, publish_at=None, title="Please read")
    html = admin_index(client, editor)
    assert html.index("Please read") < html.index('class="app-blog')


def test_a_moderator_is_met_by_the_pending_comments(client, moderator):
    CommentFactory(pending=True)
    html = admin_index(client, moderator)
    assert "1 comment awaiting moderation" in html
    assert html.index("awaiting moderation") < html.index('class="app-comments')
    assert "Your drafts" not in html


def test_a_post_sent_back_is_not_repeated_among_the_drafts(client, author):
    PostFactory(author=author, draft=True, title="Sent back", review_note="Shorter, please.")
    html = admin_index(client, author)
    assert "Your drafts" not in html
