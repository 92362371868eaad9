"""Tag pages and related posts read a bounded part of the tables, and still show only what the
public may see, in the right order.

A tag page finds its posts one of two ways (PostQuerySet.with_tag): going down the public index
and probing the through table (a common tag), or from the tag's own rows (a rare one). Both must
give the same pages; related posts are ranked among the newest posts of each tag only.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog import models, pagination
from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["going down the public index", "from the tag's rows"])
def tag_lookup(request, monkeypatch, settings):
    """Run the test once with every tag common, once with every tag rare."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.POSTS_PER_PAGE = 3
    monkeypatch.setattr(
        pagination, "COMMON_TAG_PAGE_END", 0 if request.param.startswith("going") else 10**9
    )
    return request.param


def tag_page(client, slug, page=1):
    return client.get(reverse("blog:tag", args=[slug]), {"page": page})


def test_tag_pages_list_public_posts_newest_first_over_pages_either_way(client, tag_lookup):
    now = timezone.now()
    public = [
        PostFactory(title=f"Kale {n}", tags=["kale", "other"], publish_at=now - timedelta(hours=n))
        for n in range(1, 8)
    ]
    PostFactory(title="Kale draft", tags=["kale"], draft=True)
    PostFactory(title="Kale scheduled", tags=["kale"], scheduled=True)
    PostFactory(title="Leeks", tags=["leeks"])
    shown = []
    for page in (1, 2, 3):
        response = tag_page(client, "kale", page)
        assert response.status_code == 200
        shown += list(response.context["object_list"])
        assert b"Kale draft" not in response.content
        assert b"Kale scheduled" not in response.content
    assert shown == public  # newest first, each once, nothing else
    assert response.context["paginator"].count == 7
    assert tag_page(client, "kale", 4).status_code == 404


def test_tag_used_only_by_a_draft_or_a_scheduled_post_has_no_page_either_way(client, tag_lookup):
    PostFactory(tags=["secret"], draft=True)
    PostFactory(tags=["soon"], scheduled=True)
    PostFactory(tags=["kale"])
    assert tag_page(client, "secret").status_code == 404
    assert tag_page(client, "soon").status_code == 404


def test_tag_page_query_count_is_the_same_with_3_and_30_posts_either_way(client, tag_lookup):
    PostFactory.create_batch(3, tags=["kale", "leeks"])
    tag_page(client, "kale")  # the counts are cached from here on

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert tag_page(client, "kale").status_code == 200
        return len(captured)

    with_three = queries()
    PostFactory.create_batch(27, tags=["kale", "leeks"])
    tag_page(client, "kale")
    assert queries() == with_three
    assert with_three <= 3  # the tag, the page's ids with their posts, the stored counts


def test_a_tag_on_most_posts_is_common_and_a_tag_on_few_is_not(settings):
    settings.PAGE_CACHE_SECONDS = 0
    for n in range(12):
        PostFactory(tags=["everywhere", *(["rare"] if n == 0 else [])])
    everywhere, rare = Tag.objects.get(slug="everywhere"), Tag.objects.get(slug="rare")
    # 12 x 12 = 144 >= 12 x 10 (the page end used for the choice, here 10), 1 < 120
    pagination.COMMON_TAG_PAGE_END, saved = 10, pagination.COMMON_TAG_PAGE_END
    try:
        assert pagination.tag_is_common(everywhere)
        assert not pagination.tag_is_common(rare)
    finally:
        pagination.COMMON_TAG_PAGE_END = saved


def related(client, post):
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.context["related_posts"]


def test_related_posts_never_include_drafts_or_scheduled_posts_even_the_newest(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    now = timezone.now()
    post = PostFactory(tags=["django", "python"], publish_at=now - timedelta(days=3))
    older = PostFactory(tags=["python"], publish_at=now - timedelta(days=5))
    # Newer ids, sharing both tags: the first candidates, and none may show.
    PostFactory(title="Draft", tags=["django", "python"], draft=True)
    PostFactory(title="Scheduled", tags=["django", "python"], scheduled=True)
    PostFactory(
        title="In review", tags=["django", "python"], status=Post.Status.REVIEW, publish_at=None
    )
    assert related(client, post) == [older]


def test_related_posts_rank_shared_tags_then_newest_among_each_tags_newest(
    client, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS = 0
    monkeypatch.setattr(models, "RELATED_CANDIDATES", 3)
    now = timezone.now()
    post = PostFactory(tags=["django", "python", "web"], publish_at=now - timedelta(days=1))
    oldest_both = PostFactory(tags=["django", "python"], publish_at=now - timedelta(days=30))
    for n in range(3):  # the three newest of "python": one tag shared each
        PostFactory(tags=["python"], publish_at=now - timedelta(days=10 + n))
    web = PostFactory(tags=["web"], publish_at=now - timedelta(days=20))
    web_django = PostFactory(tags=["web", "django"], publish_at=now - timedelta(days=25))
    # oldest_both is among the newest three of "django" (with web_django and the post itself)
    shown = related(client, post)
    assert shown[:2] == [web_django, oldest_both]  # two shared tags, newest first
    assert len(shown) == 3 and shown[2] != web  # then one tag shared, newest first
    assert shown[2].publish_at > web.publish_at


def test_related_posts_of_a_post_with_many_tags_need_one_query(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    tags = [f"t{n}" for n in range(8)]
    post = PostFactory(tags=tags)
    other = PostFactory(tags=tags[3:5])
    public = Post.objects.published()
    post = public.prefetch_related("tags").get(pk=post.pk)
    with CaptureQueriesContext(connection) as captured:
        assert list(public.for_listing().related_to(post)[:3]) == [other]
    assert len(captured) == 1
    assert related(client, post) == [other]


def admin_filter_choices(client, field):
    response = client.get("/admin/blog/post/")
    assert response.status_code == 200
    filters = response.context["cl"].filter_specs
    [spec] = [spec for spec in filters if getattr(spec, "field_path", None) == field]
    return {label for _, label in spec.lookup_choices}


def test_admin_post_list_offers_only_tags_and_authors_of_posts_the_user_may_open(
    client, editor, author
):
    from tests.factories import UserFactory

    other = UserFactory(username="other-author", is_staff=True, groups=["Authors"])
    PostFactory(author=author, tags=["mine"], draft=True)
    PostFactory(author=other, tags=["theirs"], draft=True)
    UserFactory(username="no-posts", is_staff=True, groups=["Authors"])
    Tag.objects.create(name="unused", slug="unused")

    client.force_login(editor)
    assert admin_filter_choices(client, "tags") == {"mine", "theirs"}
    assert {"author", "other-author"} <= admin_filter_choices(client, "author")
    assert "no-posts" not in admin_filter_choices(client, "author")
    client.force_login(author)
    assert admin_filter_choices(client, "tags") == {"mine"}


def test_admin_post_list_takes_the_same_queries_with_3_and_30_tags_and_authors(
    client, editor, monkeypatch
):
    from tests.factories import UserFactory

    # On PostgreSQL the paginator skips its COUNT when the planner guesses over 10,000 rows, a
    # guess other tests' rows can sway: always count here, the filters are what is measured.
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 10**9)
    client.force_login(editor)
    PostFactory.create_batch(3, tags=["a", "b"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/blog/post/").status_code == 200
        return len(captured)

    with_three = queries()
    for n in range(27):
        PostFactory(author=UserFactory(), tags=[f"tag-{n}"])
    assert queries() == with_three
