"""Pinned posts (WordPress's sticky posts) head the index's first page, and only the first."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from tests.factories import PostFactory
from tests.wordpress_exports import SAMPLE, item, write_export

pytestmark = pytest.mark.django_db

TITLES = re.compile(r'<h2><a href="/blog/([^/]+)/">')


def slugs_on(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return TITLES.findall(response.content.decode())


def pinned_on(client, url) -> int:
    return client.get(url).content.decode().count('class="post-pinned"')


@pytest.fixture
def twelve_posts(settings):
    """post-1 (the oldest) to post-12 (the newest); ten a page."""
    settings.POSTS_PER_PAGE = 10
    now = timezone.now()
    return [
        PostFactory(slug=f"post-{n}", publish_at=now - timedelta(days=100 - n))
        for n in range(1, 13)
    ]


def pin(*posts) -> None:
    for post in posts:
        post.pinned = True
        post.save()


def test_pinned_posts_head_the_first_page_newest_first_and_are_not_repeated(client, twelve_posts):
    pin(twelve_posts[0], twelve_posts[5])  # post-1 (on page 2 otherwise) and post-6
    assert slugs_on(client, "/") == ["post-6", "post-1"] + [
        f"post-{n}" for n in (12, 11, 10, 9, 8, 7, 5, 4, 3)
    ]
    assert pinned_on(client, "/") == 2


def test_later_pages_are_the_same_as_without_pins(client, twelve_posts):
    before = slugs_on(client, "/?page=2")
    pin(twelve_posts[0], twelve_posts[5])
    assert slugs_on(client, "/?page=2") == before == ["post-2", "post-1"]
    assert pinned_on(client, "/?page=2") == 0


def test_drafts_and_scheduled_posts_are_never_pinned_to_the_index(client, twelve_posts):
    PostFactory(slug="secret", draft=True, pinned=True)
    PostFactory(slug="tomorrow", scheduled=True, pinned=True)
    assert "secret" not in slugs_on(client, "/")
    assert "tomorrow" not in slugs_on(client, "/")
    assert pinned_on(client, "/") == 0


def test_tag_pages_do_not_pin(client):
    PostFactory(slug="pinned", pinned=True, tags=["sky"])
    assert pinned_on(client, "/blog/tag/sky/") == 0


def test_the_first_page_takes_one_query_more_however_many_posts_are_pinned(
    client, twelve_posts, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # count the page's own queries

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get("/")  # the published count is cached from here on
    unpinned, second_page = count("/"), count("/?page=2")
    pin(twelve_posts[0])
    client.get("/")  # a save forgets the published count: counted again once
    one = count("/")
    Post.objects.filter(pk__in=[p.pk for p in twelve_posts[:5]]).update(pinned=True)
    assert pinned_on(client, "/") == 5
    assert count("/") == one == unpinned == second_page + 1 == 2


def test_pinning_a_post_shows_on_the_cached_index_at_once(client, twelve_posts):
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    pin(twelve_posts[0])
    assert slugs_on(client, "/")[0] == "post-1"
    post = Post.objects.get(slug="post-1")
    post.pinned = False
    post.save()
    assert slugs_on(client, "/")[0] == "post-12"


def test_a_scheduled_pinned_post_heads_the_cached_index_once_it_goes_live(
    client, twelve_posts, time_machine
):
    PostFactory(slug="soon", pinned=True, publish_at=timezone.now() + timedelta(hours=1))
    assert "soon" not in slugs_on(client, "/")
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    assert slugs_on(client, "/")[0] == "soon"


# The admin


def test_an_editor_may_pin_a_post_and_an_author_may_not(client, editor, author):
    post = PostFactory(author=author, draft=True)
    client.force_login(editor)
    page = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'name="pinned"' in page
    client.force_login(author)
    page = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'name="pinned"' not in page and "Pinned to the front page" in page


# The WordPress import


def test_a_sticky_wordpress_post_is_imported_pinned(client):
    call_command("import_wordpress", str(SAMPLE), stdout=StringIO())
    assert list(Post.objects.pinned().values_list("slug", flat=True)) == ["first-ultra-50k"]
    assert slugs_on(client, "/")[0] == "first-ultra-50k"
    assert pinned_on(client, "/") == 1


def test_a_post_imported_before_pins_existed_is_pinned_by_a_re_run(tmp_path):
    from wordpress_import.importer import Options, fingerprint, item_source, post_fingerprint
    from wordpress_import.models import ImportedPost
    from wordpress_import.wxr import Item, WxrReader

    export = write_export(tmp_path / "e.xml", item(1, sticky=True), item(2))
    call_command("import_wordpress", str(export), stdout=StringIO())
    # Leave the rows as an import made before pins existed did.
    Post.objects.update(pinned=False)
    items = {thing.wp_id: thing for thing in WxrReader(export) if isinstance(thing, Item)}
    for mapping in ImportedPost.objects.select_related("post"):
        mapping.saved_hash = post_fingerprint(mapping.post)
        mapping.source_hash = fingerprint(item_source(items[mapping.wp_id], Options()))
        mapping.save()
    out = StringIO()
    call_command("import_wordpress", str(export), stdout=out)
    assert "Posts: 0 created, 1 updated; 1 skipped: 1 unchanged" in out.getvalue()
    assert list(Post.objects.pinned().values_list("slug", flat=True)) == ["post-1"]


def test_unpinning_an_imported_post_here_counts_as_an_edit_a_re_run_keeps(tmp_path):
    export = write_export(tmp_path / "e.xml", item(1, sticky=True))
    call_command("import_wordpress", str(export), stdout=StringIO())
    Post.objects.filter(slug="post-1").update(pinned=False)
    out = StringIO()
    call_command("import_wordpress", str(export), stdout=out)
    assert "edited here (kept; --overwrite replaces)" in out.getvalue()
    assert not Post.objects.pinned().exists()
