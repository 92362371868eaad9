"""Every page's footer leads readers on: a visible feed link, the months with posts and the most
used tags; drafts and scheduled posts show in neither."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from blog import site
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1]


def test_the_footer_has_a_visible_feed_link(client):
    PostFactory()
    html = footer(client.get("/").content.decode())
    assert '<a class="feed-link" href="/blog/feed/">RSS feed</a>' in html


def test_the_footer_lists_the_months_with_public_posts_newest_first(client):
    now = timezone.localtime()
    PostFactory(publish_at=now - timedelta(days=1))
    last_year = now - timedelta(days=400)
    PostFactory(publish_at=last_year)
    PostFactory(draft=True)
    PostFactory(scheduled=True, publish_at=now + timedelta(days=70))
    html = footer(client.get("/").content.decode())
    newest = f'href="/blog/{(now - timedelta(days=1)):%Y/%m}/"'
    oldest = f'href="/blog/{timezone.localtime(last_year):%Y/%m}/"'
    assert newest in html and oldest in html
    assert html.index(newest) < html.index(oldest)
    assert html.count('href="/blog/20') == 2
    assert client.get(f"/blog/{timezone.localtime(last_year):%Y/%m}/").status_code == 200


def test_the_footer_names_the_tags_of_public_posts_only(client):
    PostFactory(tags=["kale", "beans"])
    PostFactory(draft=True, tags=["secret-project"])
    html = footer(client.get("/").content.decode())
    assert 'href="/blog/tag/kale/"' in html and 'href="/blog/tag/beans/"' in html
    assert "secret-project" not in client.get("/").content.decode()


def test_the_footer_costs_no_query_once_built(django_assert_num_queries):
    PostFactory(tags=["kale"])
    site.shared_parts()
    with django_assert_num_queries(0):
        site.shared_parts()


def test_a_new_post_shows_in_the_footer_at_once(client):
    PostFactory(tags=["kale"])
    Client().get("/")
    PostFactory(tags=["onions"])
    assert 'href="/blog/tag/onions/"' in footer(client.get("/").content.decode())


def test_the_footer_is_kept_with_the_fragments_off_and_a_new_post_still_shows_at_once(
    client, settings, django_assert_num_queries
):
    # Its months and tag counts read every published post: on a big site, most of a page's time.
    settings.FRAGMENT_CACHE_SECONDS = 0
    PostFactory(tags=["kale"])
    site.shared_parts()
    with django_assert_num_queries(0):
        site.shared_parts()
    PostFactory(tags=["onions"])
    assert 'href="/blog/tag/onions/"' in footer(client.get("/").content.decode())


def test_the_sites_name_alone_reads_the_settings_only(django_assert_num_queries):
    PostFactory(tags=["kale"])
    with django_assert_num_queries(1):
        assert site.site_name()
    with django_assert_num_queries(0):
        site.site_name()
