"""Ways from one post to others: month archives, author pages, previous/next, related posts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=UTC)


def titles(response, key="post_list") -> list[str]:
    return [post.title for post in response.context[key]]


def test_month_archive_lists_that_months_published_posts_newest_first(client):
    PostFactory(title="May 2", publish_at=at(2024, 5, 2))
    PostFactory(title="May 20", publish_at=at(2024, 5, 20))
    PostFactory(title="June 1", publish_at=at(2024, 6, 1))
    PostFactory(title="May draft", draft=True)
    response = client.get(reverse("blog:archive_month", args=["2024", "05"]))
    assert response.status_code == 200
    assert titles(response) == ["May 20", "May 2"]
    assert b"Posts from May 2024" in response.content
    assert b'href="/blog/2024/06/"' in response.content  # the next month with posts


@pytest.mark.parametrize("path", ["/blog/2024/07/", "/blog/2024/13/", "/blog/0000/01/"])
def test_month_without_published_posts_or_invalid_is_404(client, path):
    PostFactory(publish_at=at(2024, 5, 2))
    PostFactory(title="Scheduled for July", scheduled=True, publish_at=at(2099, 7, 1))
    assert client.get(path).status_code == 404


def test_month_archive_does_not_show_scheduled_posts(client):
    PostFactory(title="Scheduled", publish_at=at(2099, 7, 1))
    assert client.get("/blog/2099/07/").status_code == 404


def test_post_page_links_its_date_to_the_month_archive(client):
    post = PostFactory(publish_at=at(2024, 5, 2))
    assert b'href="/blog/2024/05/"' in client.get(post.get_absolute_url()).content


def test_author_page_lists_the_authors_published_posts(client):
    ada = UserFactory(first_name="Ada", last_name="Lovelace")
    PostFactory(title="Ada's post", author=ada)
    PostFactory(title="Ada's draft", author=ada, draft=True)
    PostFactory(title="Someone else's")
    url = reverse("blog:author", args=[ada.pk])
    response = client.get(url)
    assert titles(response) == ["Ada's post"]
    assert b"Posts by Ada Lovelace" in response.content
    assert ada.username.encode() not in client.get(url).content
    post_page = client.get(PostFactory(author=ada).get_absolute_url())
    assert f'href="{url}"'.encode() in post_page.content


def test_author_without_published_posts_is_404(client):
    writer = UserFactory()
    PostFactory(author=writer, draft=True)
    assert client.get(reverse("blog:author", args=[writer.pk])).status_code == 404
    assert client.get(reverse("blog:author", args=[999999])).status_code == 404


def test_post_links_to_the_previous_and_next_published_posts(client):
    now = datetime.now(UTC)
    older = PostFactory(title="Older", publish_at=now - timedelta(days=3))
    PostFactory(title="Draft in between", draft=True)
    middle = PostFactory(title="Middle", publish_at=now - timedelta(days=2))
    PostFactory(title="Scheduled", scheduled=True)
    newer = PostFactory(title="Newer", publish_at=now - timedelta(days=1))
    response = client.get(middle.get_absolute_url())
    assert response.context["previous_post"] == older
    assert response.context["next_post"] == newer
    assert f'rel="prev" href="{older.get_absolute_url()}"'.encode() in response.content
    assert f'rel="next" href="{newer.get_absolute_url()}"'.encode() in response.content
    first = client.get(older.get_absolute_url()).context
    assert first["previous_post"] is None
    assert first["next_post"] == middle


def test_posts_published_at_the_same_moment_still_chain(client):
    moment = datetime.now(UTC) - timedelta(days=1)
    a, b, c = (PostFactory(title=t, publish_at=moment) for t in "abc")
    context = client.get(b.get_absolute_url()).context
    assert (context["previous_post"], context["next_post"]) == (a, c)


def test_related_posts_share_tags_most_shared_first_published_only(client):
    now = datetime.now(UTC)
    post = PostFactory(tags=["django", "python", "web"])
    one_tag = PostFactory(title="One tag", tags=["web"], publish_at=now - timedelta(hours=1))
    two_tags = PostFactory(
        title="Two tags", tags=["django", "python"], publish_at=now - timedelta(days=9)
    )
    PostFactory(title="Unrelated", tags=["gardening"])
    PostFactory(title="Related draft", tags=["django", "python", "web"], draft=True)
    PostFactory(title="Related scheduled", tags=["django"], scheduled=True)
    response = client.get(post.get_absolute_url())
    assert response.context["related_posts"] == [two_tags, one_tag]
    assert b"Related posts" in response.content
    assert b"Related draft" not in response.content


def test_related_posts_are_at_most_three_and_absent_without_tags(client):
    post = PostFactory(tags=["django"])
    PostFactory.create_batch(5, tags=["django"])
    assert len(client.get(post.get_absolute_url()).context["related_posts"]) == 3
    untagged = PostFactory()
    response = client.get(untagged.get_absolute_url())
    assert response.context["related_posts"] == []
    assert b"Related posts" not in response.content
