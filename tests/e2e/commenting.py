"""A reader's comment and a moderator's bulk approve in a real browser: one copy for e2e tests."""

from playwright.sync_api import Page

NOTICE = "Please note, comments need to be approved before they are published."


def leave_comment(page: Page, body: str, *, name="Dana Reader", email="dana@example.com"):
    """Fill the comment form by its visible labels and send it."""
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Comment").fill(body)
    page.get_by_role("button", name="Post comment").click()


def approve_selected(moderator: Page) -> None:
    """Run the queue's bulk approve on the rows ticked."""
    moderator.locator('select[name="action"]').select_option(label="Approve selected comments")
    moderator.get_by_role("button", name="Go").click()
