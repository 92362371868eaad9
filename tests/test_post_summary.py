"""The automatic summary is plain text, escaped exactly once where it is shown."""

from html import unescape
from importlib import import_module

import pytest
from django.apps import apps

from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

BODY = "Salt & pepper, *not* <b>bold</b> &lt;script&gt; and \"quotes\" aren't 'lost'.\n\nMore."


def test_automatic_summary_decodes_entities_into_plain_text():
    post = PostFactory(body=BODY, summary="")
    assert post.summary == "Salt & pepper, not bold <script> and “quotes” aren’t ‘lost’."


def test_index_shows_an_ampersand_escaped_once(client):
    PostFactory(body=BODY, summary="")
    html = client.get("/").content.decode()
    assert "Salt &amp; pepper, not bold &lt;script&gt; and" in html
    assert "&amp;amp;" not in html and "&amp;lt;" not in html and "<script>" not in html


def test_meta_description_shows_an_ampersand_escaped_once(client):
    post = PostFactory(body=BODY, summary="")
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<meta name="description" content="Salt &amp; pepper, not bold &lt;script&gt;' in html
    assert "&amp;amp;" not in html


def test_migration_rederives_old_automatic_summaries_and_keeps_written_ones():
    automatic = PostFactory(body=BODY, summary="")
    written = PostFactory(body=BODY, summary="Fish &amp; chips, as I wrote it")
    old = "Salt &amp; pepper, not bold &lt;script&gt; and “quotes” aren’t ‘lost’."
    Post.objects.filter(pk=automatic.pk).update(summary=old)
    migration = import_module("blog.migrations.0007_unescape_automatic_summaries")
    migration.unescape_automatic_summaries(apps, None)
    automatic.refresh_from_db()
    written.refresh_from_db()
    assert automatic.summary == unescape(old)
    assert written.summary == "Fish &amp; chips, as I wrote it"
