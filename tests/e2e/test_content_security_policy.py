"""Under the strict Content-Security-Policy, a real browser reports no violation and the admin's
JavaScript (prepopulated slug, date shortcuts, related-object popups, inlines) still works."""

import pytest
from playwright.sync_api import Page, expect

from blog.models import Post
from tests.e2e.admin_login import log_in_to_admin
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# Runs before any page script (injected by the browser, so the page's CSP does not apply).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def open_watched_page(context) -> tuple[Page, list[str]]:
    """A page whose console errors are collected (CSP refusals are logged there too)."""
    page = context.new_page()
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def context(new_context):
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    return context


def test_public_post_page_runs_clean_and_inline_script_is_refused(live_server, context):
    post = PostFactory(
        title="Strict policy", body="Some *Markdown*.\n\n![a picture](/static/x.png)"
    )
    CommentFactory(post=post, approved=True, author_url="https://example.com/")
    page, errors = open_watched_page(context)
    page.goto(live_server.url + post.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Strict policy")
    # The JSON-LD data block in the head is not code: the policy need not (and does not) allow it.
    assert page.locator('script[type="application/ld+json"]').count() >= 1
    assert violations(page) == []
    assert [e for e in errors if "Content Security Policy" in e] == []

    # The watch can fail: an injected inline script is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("window.__cspViolations.length > 0")
    assert violations(page) == ["script-src-elem inline"]
    assert page.evaluate("window.ran === undefined")


def test_admin_post_form_scripts_work_under_the_policy(live_server, context):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    page, errors = open_watched_page(context)
    log_in_to_admin(page, live_server, admin)
    page.goto(live_server.url + "/admin/blog/post/add/")

    # prepopulate.js fills the slug from the title.
    page.get_by_label("Title").press_sequentially("Content Security Policy works")
    expect(page.locator("#id_slug")).to_have_value("content-security-policy-works")

    # post-preview.js renders the body beside it as it is typed (fetch to the admin endpoint).
    page.get_by_label("Body").fill("Some **bold** words.")
    expect(page.locator("#body-preview .post-body strong")).to_have_text("bold")

    # RelatedObjectLookups: "add another author" opens a popup window.
    with page.expect_popup() as popup_info:
        page.locator("#add_id_author").click()
    popup = popup_info.value
    expect(popup.get_by_label("Username")).to_be_visible()
    assert popup.evaluate("window.__cspViolations") == []
    popup.close()

    # inlines.js adds a share-link row, and removes it again.
    rows = page.locator("#preview_links-group .inline-related:not(.empty-form)")
    before = rows.count()
    page.get_by_role("button", name="Add another Share link").click()
    expect(rows).to_have_count(before + 1)
    rows.last.get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(before)

    page.get_by_label("Body").fill("Saved under the policy.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".errorlist")).to_have_count(0)
    expect(page.locator("ul.messagelist")).to_contain_text("saved")
    assert Post.objects.filter(slug="content-security-policy-works").exists()
    assert violations(page) == []
    assert [e for e in errors if "Content Security Policy" in e] == []


def test_admin_comment_page_has_styled_moderation_buttons_and_no_violation(live_server, context):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    comment = CommentFactory(pending=True)
    page, errors = open_watched_page(context)
    log_in_to_admin(page, live_server, admin)
    page.goto(live_server.url + f"/admin/comments/comment/{comment.pk}/change/")
    button = page.locator(".desk-decide button.desk-act-approve").first
    expect(button).to_be_visible()
    # The styles in static/css/admin-moderation.css (no inline <style>) apply.
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(46, 125, 50)"
    assert violations(page) == []
    assert [e for e in errors if "Content Security Policy" in e] == []
