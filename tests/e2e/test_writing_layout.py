"""The post form and the post list on a laptop (1280 px) and a phone (390 px), checked by
geometry: nothing drawn over the body, the title shown whole, no word broken in a column title,
no page scrolling sideways; and axe finds nothing on either page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.geometry import WIDTHS, broken_words, overlap, scrolls_sideways
from tests.e2e.test_accessibility import assert_no_violations
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LONG_TITLE = "How Magnesium Glycinate Helps Migraines: The Optimal 400mg Dose for Adults"


@pytest.mark.parametrize("width", WIDTHS)
def test_post_form_shows_title_body_and_preview_side_by_side_or_stacked(
    live_server, new_context, width
):
    chief = staff_in("Editors", "chief")
    post = PostFactory(title=LONG_TITLE, author=chief, body="Some **bold** words.\n\n" * 30)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_to_admin(page, live_server, chief)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    preview = page.locator("#body-preview")
    expect(preview.locator("strong").first).to_have_text("bold")
    body = page.locator("#id_body")

    assert not overlap(body, preview), "the preview is never drawn over the body"
    assert not scrolls_sideways(page)
    title = page.locator("#id_title")
    assert title.evaluate("input => input.scrollWidth <= input.clientWidth"), "title shown whole"
    body_box, preview_box = body.bounding_box(), preview.bounding_box()
    if width >= 1024:
        assert body_box["width"] >= 400, "the body gets half the form, not a sliver"
        assert abs(body_box["y"] - preview_box["y"]) < 40, "the preview is beside the body"
    else:
        assert body_box["width"] >= width - 60, "the body takes the phone's width"
        assert preview_box["y"] >= body_box["y"] + body_box["height"], "the preview is below"
    assert_no_violations(page, f"post form at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_post_list_column_titles_break_between_words_only(live_server, new_context, width):
    chief = staff_in("Editors", "chief")
    post = PostFactory(title=LONG_TITLE, author=chief)
    PostFactory(title="A scheduled one", author=chief, scheduled=True)
    CommentFactory(post=post, pending=True)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_to_admin(page, live_server, chief)
    page.goto(f"{live_server.url}/admin/blog/post/")
    headers = page.locator("#result_list thead th")
    assert headers.count() >= 6
    for index in range(headers.count()):
        header = headers.nth(index)
        assert broken_words(header) == [], header.inner_text()
    assert broken_words(page.locator("#result_list tbody")) == []
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"post list at {width} px")
