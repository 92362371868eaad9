"""Every machine-readable date on the reader pages is a valid HTML date-time without fractions.

`|date:'c'` printed microseconds ("2026-11-25T16:59:11.712463+00:00"), which the W3C Nu HTML
checker rejects; this checks every datetime attribute and date meta tag against a strict pattern.
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db

STRICT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
# Microseconds everywhere, so a format that prints them cannot pass.
PUBLISHED = datetime(2026, 1, 15, 9, 30, 45, 712463, tzinfo=UTC)
DATE_METAS = {"article:published_time", "article:modified_time"}


class MachineDates(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "datetime" in attrs:
            self.values.append(attrs["datetime"])
        if tag == "meta" and attrs.get("property") in DATE_METAS:
            self.values.append(attrs["content"])


def machine_dates(response) -> list[str]:
    assert response.status_code == 200
    parser = MachineDates()
    parser.feed(response.content.decode())
    return parser.values


@pytest.fixture
def post():
    post = PostFactory(publish_at=PUBLISHED, tags=["sleep"], title="Sleep well")
    PostFactory(publish_at=PUBLISHED, tags=["sleep"], title="Sleep better")  # related, in tag
    CommentFactory(post=post, approved=True)
    return post


def pages(client, post):
    yield client.get(reverse("blog:index"))
    yield client.get(reverse("blog:tag", args=["sleep"]))
    yield client.get(reverse("blog:search") + "?q=sleep")
    # The reader's own pending comment shows only to them: post one, then read the page.
    client.post(reverse("comments:submit", args=[post.pk]), CommentFormDataFactory(post=post))
    yield client.get(post.get_absolute_url())


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_every_machine_date_has_seconds_an_offset_and_no_fraction(
    client, settings, post, time_zone
):
    settings.TIME_ZONE = time_zone
    for response in pages(client, post):
        values = machine_dates(response)
        assert values, response.request["PATH_INFO"]
        for value in values:
            assert STRICT.fullmatch(value), (response.request["PATH_INFO"], value)


def test_post_page_has_the_post_date_its_comments_and_the_meta_tags(client, settings, post):
    settings.TIME_ZONE = "Europe/Paris"
    client.post(reverse("comments:submit", args=[post.pk]), CommentFormDataFactory(post=post))
    values = machine_dates(client.get(post.get_absolute_url()))
    assert values.count("2026-01-15T10:30:45+01:00") >= 3  # <time>, published_time, related
    # + modified_time, the approved comment and the reader's own pending one
    assert len(values) == 6, values
