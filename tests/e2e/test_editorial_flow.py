"""The editorial path in a real browser: an Author writes and submits, an Editor publishes.

`SCREENSHOT_EDITING_PAGE=docs/editing-page.png` also saves the editing page with its preview.
"""

import os

import pytest
from playwright.sync_api import expect

from blog.models import Post
from tests.e2e.admin_login import log_in_to_admin, staff_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Growing tomatoes on a balcony"
BODY = (
    "Tomatoes want **six hours of sun** and a deep pot.\n\n"
    "## What you need\n\n"
    "- a 30 litre pot\n- a cane\n- *patience*\n\n"
    "Water them in the morning, never the leaves."
)


def test_author_submits_and_editor_publishes_with_the_buttons(live_server, new_context):
    writer = staff_in("Authors", "writer")
    chief = staff_in("Editors", "chief")

    # The Author writes; the preview beside the body follows the typing.
    author = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in_to_admin(author, live_server, writer)
    author.goto(live_server.url + "/admin/blog/post/add/")
    expect(author.get_by_role("button", name="Publish")).to_have_count(0)
    author.get_by_label("Title").fill(TITLE)
    author.get_by_label("Body").fill(BODY)
    preview = author.locator("#body-preview .post-body")
    expect(preview.locator("strong")).to_have_text("six hours of sun")
    expect(preview.locator("h2")).to_have_text("What you need")
    if path := os.environ.get("SCREENSHOT_EDITING_PAGE"):
        author.locator("#body-preview").scroll_into_view_if_needed()
        author.screenshot(path=path)
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator(".messagelist")).to_contain_text("was added successfully")
    post = Post.objects.get(title=TITLE)
    assert post.status == Post.Status.REVIEW

    # Not public yet.
    reader = new_context().new_page()
    assert reader.goto(live_server.url + post.get_absolute_url()).status == 404

    # The Editor finds it awaiting review on the admin index and publishes it.
    editor = new_context().new_page()
    log_in_to_admin(editor, live_server, chief)
    panel = editor.locator("#posts-awaiting-review")
    expect(panel).to_contain_text("Posts awaiting review")
    panel.get_by_role("link", name=TITLE).click()
    expect(editor.get_by_role("button", name="Send back to author")).to_be_visible()
    editor.get_by_role("button", name="Publish", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text(f"“{TITLE}” is live since")

    # Now the reader sees it.
    assert reader.goto(live_server.url + post.get_absolute_url()).status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.locator(".post-body strong")).to_have_text("six hours of sun")
