from io import StringIO

import pytest
from django.core.management import call_command

from tests.wordpress_exports import SAMPLE

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_an_imported_post_with_its_comment_threads_reads_well_from_its_old_link(
    live_server, new_context
):
    call_command("import_wordpress", str(SAMPLE), stdout=StringIO())
    page = new_context(viewport=PHONE).new_page()
    page.route("https://trail.example/**", lambda route: route.abort())  # the old site is gone
    page.goto(live_server.url + "/2023/09/17/first-ultra-50k")

    assert page.url == live_server.url + "/blog/first-ultra-50k/"
    assert page.get_by_role("heading", level=1).inner_text() == "My First Ultra: 50 km in the Rain"
    assert page.locator("figcaption", has_text="The finish, 7 h 12 min.").is_visible()
    assert page.get_by_role("listitem").filter(has_text="Tape your feet").is_visible()
    assert page.get_by_role("link", name="my log").get_attribute("href") == (
        "https://example.org/strava"
    )
    # The three-deep thread, each reply inside the comment it answers.
    first = page.locator(".comment-thread", has_text="Seven hours in the rain, respect!").first
    reply = first.locator(".comment-replies .comment-thread", has_text="The last 10 km hurt.")
    assert reply.first.is_visible()
    answer = reply.first.locator(".comment-replies", has_text="See you at the next one.")
    assert answer.is_visible()
    assert answer.locator(".comment-text").inner_html().count("<br>") == 1
    # Only approved comments: not the pending question, not the trashed one.
    assert page.get_by_text("Which tape").count() == 0
    assert page.locator(".comment-text").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
