"""A post's revisions in a real browser at 1280 and 390 px: numbered as the restore message
numbers them, any two compared or one with the current text, fields named as the form names
them, and a restore that asks first."""

import pytest
from playwright.sync_api import expect

from blog import revisions
from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.geometry import WIDTHS, scrolls_sideways
from tests.e2e.test_accessibility import assert_no_violations
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_any_two_revisions_and_restore_after_confirming(live_server, new_context, width):
    chief = staff_in("Editors", "chief")
    post = PostFactory(title="First title", author=chief, draft=True, cover_image_alt="")
    revisions.record(post=post, user=chief, note="Save draft")
    for title, alt in (("Second title", "A pot"), ("Third title", "A pot on a balcony")):
        post.title, post.cover_image_alt = title, alt
        post.save()
        revisions.record(post=post, user=chief, note="Save draft")
    post.title = "Unsaved in any revision"
    post.save()

    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_to_admin(page, live_server, chief)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/revisions/")
    expect(page.locator("#revision-3 h2")).to_contain_text("Revision 3")
    expect(page.locator("#revision-2 h3").first).to_have_text("Title")
    expect(page.locator("#revision-2")).to_contain_text("Cover image alt text")

    page.get_by_label("Compare", exact=True).select_option("1")
    page.get_by_label("with", exact=True).select_option("3")
    page.get_by_role("button", name="Compare").click()
    comparison = page.locator("#comparison")
    expect(comparison.locator("h2")).to_have_text("From revision 1 to revision 3")
    expect(comparison.locator(".diff-del")).to_contain_text(["- First title"])
    expect(comparison.locator(".diff-add")).to_contain_text(["+ Third title"])

    page.locator("#revision-2").get_by_role("link", name="Compare with the current text").click()
    expect(comparison.locator("h2")).to_have_text("From revision 2 to the current text")
    expect(comparison.locator(".diff-add").first).to_have_text("+ Unsaved in any revision")
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"revisions at {width} px")

    page.locator("#revision-2").get_by_role("link", name="Restore revision 2…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Restore revision 2 of")
    expect(page.locator(".diff-add").first).to_have_text("+ Second title")
    post.refresh_from_db()
    assert post.title == "Unsaved in any revision", "nothing restored before confirming"
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"restore confirmation at {width} px")
    page.get_by_role("button", name="Restore revision 2").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored revision 2.")
    post.refresh_from_db()
    assert post.title == "Second title"
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/revisions/")
    expect(page.locator("#revision-4 h2")).to_contain_text("Restored revision 2")
