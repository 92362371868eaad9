"""Every tag an editor can type gets a working tag page, whatever its letters."""

import pytest
from django.apps import apps
from django.urls import reverse
from taggit.models import Tag

from blog.models import Post
from tests.factories import PostFactory, post_admin_form
from tests.test_roles_admin import ADD_URL

pytestmark = pytest.mark.django_db

ODD_TAGS = ["Ernährung", "日本語", "!!!", "C++", "Ünïcödé & more", "—"]


@pytest.mark.parametrize("name", ODD_TAGS)
def test_post_with_any_tag_renders_and_links_to_a_working_tag_page(client, name):
    post = PostFactory(tags=[name])
    tag = Tag.objects.get(name=name)
    tag_url = reverse("blog:tag", args=[tag.slug])

    page = client.get(post.get_absolute_url())
    assert page.status_code == 200
    assert f'href="{tag_url}"' in page.content.decode()

    tag_page = client.get(tag_url)
    assert tag_page.status_code == 200
    assert tag_page.context["tag"] == tag
    assert list(tag_page.context["object_list"]) == [post]
    for feed in ("blog:tag_feed_rss", "blog:tag_feed_atom"):
        assert client.get(reverse(feed, args=[tag.slug])).status_code == 200


def test_unicode_tag_keeps_its_letters_in_the_url():
    PostFactory(tags=["Ernährung"])
    assert reverse("blog:tag", args=[Tag.objects.get().slug]) == "/blog/tag/ern%C3%A4hrung/"


def test_ascii_tag_pages_keep_their_urls(client):
    PostFactory(tags=["Magnesium Rich"])
    assert Tag.objects.get().slug == "magnesium-rich"
    assert client.get("/blog/tag/magnesium-rich/").status_code == 200


def test_punctuation_only_tags_get_distinct_stable_slugs(client):
    first = PostFactory(tags=["!!!"])
    second = PostFactory(tags=["???"])
    slugs = {tag.name: tag.slug for tag in Tag.objects.all()}
    assert slugs["!!!"] != slugs["???"]
    assert all(slug.startswith("tag-") for slug in slugs.values())
    for name, post in (("!!!", first), ("???", second)):
        response = client.get(reverse("blog:tag", args=[slugs[name]]))
        assert list(response.context["object_list"]) == [post]


def test_tags_typed_in_the_admin_form_all_get_working_pages(client, editor):
    client.force_login(editor)
    data = post_admin_form(_action="publish", author=editor.pk, tags="Ernährung, 日本語, !!!")
    assert client.post(ADD_URL, data).status_code == 302
    post = Post.objects.get(slug="notes-on-gardening")
    assert sorted(post.tags.names()) == sorted(["Ernährung", "日本語", "!!!"])
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200
    for tag in post.tags.all():
        assert client.get(reverse("blog:tag", args=[tag.slug])).status_code == 200


def test_migration_gives_a_tag_saved_with_an_empty_slug_its_fallback(client):
    from importlib import import_module

    from blog.tagging import fallback_slug

    post = PostFactory(tags=["!!!"])
    Tag.objects.update(slug="")  # as taggit saved it before the fix
    migration = import_module("blog.migrations.0006_fill_empty_tag_slugs")
    migration.fill_empty_tag_slugs(apps, None)
    assert Tag.objects.get().slug == fallback_slug("!!!")
    assert client.get(post.get_absolute_url()).status_code == 200


def test_unknown_tag_slug_is_404(client):
    assert client.get("/blog/tag/n%C3%B6pe/").status_code == 404


def tag_page_count(client, slug="kale") -> int:
    response = client.get(reverse("blog:tag", args=[slug]))
    assert response.status_code == 200
    return response.context["paginator"].count


def test_tag_page_count_is_cached_yet_exact_as_posts_gain_lose_and_publish_the_tag(
    client, settings
):
    from datetime import timedelta

    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.PAGE_CACHE_SECONDS = 0  # the view's own work, not the page cache's
    PostFactory.create_batch(2, tags=["kale"])
    other = PostFactory(tags=["leeks"])
    PostFactory(tags=["kale"], scheduled=True)  # live tomorrow
    PostFactory(tags=["kale"], draft=True)
    assert tag_page_count(client) == 2
    with CaptureQueriesContext(connection) as queries:
        assert tag_page_count(client) == 2
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    other.tags.add("kale")
    assert tag_page_count(client) == 3
    other.tags.remove("kale")
    assert tag_page_count(client) == 2
    other.delete()
    PostFactory(tags=["kale"])
    assert tag_page_count(client) == 3
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert tag_page_count(client) == 4  # the scheduled post went live, no job ran


def test_tag_name_longer_than_its_column_is_a_form_error(client, editor):
    client.force_login(editor)
    data = post_admin_form(_action="publish", author=editor.pk, tags="a" * 101)
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "A tag can be at most 100 characters long" in response.content.decode()
    assert not Post.objects.exists()


def test_tags_whose_slugs_outgrow_the_column_get_short_distinct_working_slugs(client):
    # NFKC makes each "ﷺ" eighteen letters; the two names differ only past the column's end.
    names = ["\ufdfa" * 10, "\ufdfa" * 10 + "!", "\ufdfa" * 9 + "x"]
    post = PostFactory(tags=names)
    slugs = set(post.tags.values_list("slug", flat=True))
    assert len(slugs) == 3 and all(len(slug) <= 100 for slug in slugs)
    for slug in slugs:
        assert client.get(reverse("blog:tag", args=[slug])).status_code == 200
