"""Previewing and publishing in a real browser at 1280 and 390 px: the Preview button shows the
post with no error banner, the full-page preview leads back to the editor, and Publish and
Schedule say when, with a link to the post."""

import pytest
from playwright.sync_api import expect

from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.geometry import WIDTHS, scrolls_sideways
from tests.e2e.test_accessibility import assert_no_violations
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_preview_button_shows_the_post_without_an_error_banner(live_server, new_context, width):
    chief = staff_in("Editors", "chief")
    post = PostFactory(title="Balcony tomatoes", author=chief, draft=True)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_to_admin(page, live_server, chief)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.get_by_label("Body").fill("Water them **in the morning**.")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#body-preview strong")).to_have_text("in the morning")
    expect(page.locator(".errornote")).to_have_count(0)
    expect(page.get_by_text("Please correct")).to_have_count(0)
    expect(page.locator("#body-preview")).to_contain_text("nothing was saved")
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"post form after Preview at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_and_schedule_say_when_and_link_to_the_post(live_server, new_context, width):
    chief = staff_in("Editors", "chief")
    draft = PostFactory(title="Balcony tomatoes", author=chief, draft=True)
    later = PostFactory(title="Winter squash", author=chief, draft=True)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_to_admin(page, live_server, chief)

    # The full-page preview of a draft leads back to its editor.
    page.goto(f"{live_server.url}/admin/blog/post/{draft.pk}/change/")
    page.locator(".object-tools").get_by_role("link", name="Preview").click()
    expect(page.locator(".preview-banner")).to_contain_text("a draft")
    page.get_by_role("link", name="Back to the editor").click()
    expect(page).to_have_url(f"{live_server.url}/admin/blog/post/{draft.pk}/change/")

    page.get_by_role("button", name="Publish", exact=True).click()
    message = page.locator(".messagelist")
    expect(message).to_contain_text("“Balcony tomatoes” is live since ")
    assert_no_violations(page, f"message after Publish at {width} px")
    message.get_by_role("link", name="view it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Balcony tomatoes")

    page.goto(f"{live_server.url}/admin/blog/post/{later.pk}/change/")
    page.get_by_label("Publish date").fill("2999-01-02T09:30")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(message).to_contain_text(
        "“Winter squash” is scheduled to go live at 2999-01-02 09:30 (site time)"
    )
    message.get_by_role("link", name="preview it").click()
    expect(page.locator(".preview-banner")).to_contain_text("scheduled for January 2, 2999")
