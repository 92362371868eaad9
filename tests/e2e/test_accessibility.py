"""axe-core in the browser finds no accessibility violations on the pages readers use.

axe-core's script comes bundled in the axe-playwright-python package (no node needed); it is
injected into each page and run in light and dark colour schemes (contrast is checked in both).
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect
from taggit.models import Tag

from tests.public_pages import post_with_an_inline_image

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}


def assert_no_violations(page, label):
    results = AXE.run(page)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_public_pages(live_server, new_context, demo_seed_post, scheme):
    tag = Tag.objects.filter(post__isnull=False).order_by("name").first()
    pages = {
        "index": "/",
        "post with comments": demo_seed_post.get_absolute_url(),
        "post with an inline image": post_with_an_inline_image().get_absolute_url(),
        "tag page": reverse("blog:tag", args=[tag.slug]),
        "search": reverse("blog:search") + "?q=magnesium",
        "month archive": f"/blog/{demo_seed_post.publish_at:%Y/%m}/",
        "author page": reverse("blog:author", args=[demo_seed_post.author_id]),
    }
    page = new_context(color_scheme=scheme).new_page()
    for label, url in pages.items():
        page.goto(live_server.url + url)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUND[scheme], "the page follows the reader's colour scheme"
        assert_no_violations(page, label)

    # The comment form, sent empty past the browser's own checks, comes back with errors.
    page.goto(live_server.url + demo_seed_post.get_absolute_url())
    form = page.locator("form[action*='/comments/post/']")
    form.evaluate("form => { form.noValidate = true; }")
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    assert page.locator(".is-invalid, .errorlist").count() > 0
    assert_no_violations(page, "comment form with errors")


def test_keyboard_reader_meets_the_skip_link_first_and_sees_where_focus_is(
    live_server, new_context, demo_seed_post
):
    page = new_context().new_page()
    page.goto(live_server.url + demo_seed_post.get_absolute_url())
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.inner_text() == "Skip to content"
    box = focused.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link shows when focused"
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    # A jump within the page reaches page.url a moment after the key press: wait for it.
    expect(page).to_have_url(re.compile(r"#main$"))
