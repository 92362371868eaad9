"""A post sent back to its author, in a real browser at 1280 and 390 px: the editor's note leads
the author's admin index and the post's form, and the post list says "Changes requested".

`SCREENSHOT_AUTHOR_PANEL=docs/author-panel.png` also saves the author's admin index (1280 px).
"""

import os

import pytest
from playwright.sync_api import expect

from blog.models import Post
from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.geometry import WIDTHS, scrolls_sideways
from tests.e2e.test_accessibility import assert_no_violations
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOTE = "The second paragraph repeats the first: cut it, and add a source for the 400 mg dose."


@pytest.mark.parametrize("width", WIDTHS)
def test_author_finds_the_editors_note_on_the_index_the_form_and_the_list(
    live_server, new_context, width
):
    writer = staff_in("Authors", "writer")
    chief = staff_in("Editors", "chief")
    post = PostFactory(title="Magnesium and sleep", author=writer, status=Post.Status.REVIEW)
    PostFactory(title="Still being written", author=writer, draft=True)
    viewport = {"viewport": {"width": width, "height": 900}}

    editor = new_context(**viewport).new_page()
    log_in_to_admin(editor, live_server, chief)
    editor.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    editor.get_by_label("Review note").fill(NOTE)
    editor.get_by_role("button", name="Send back to author").click()
    expect(editor.locator(".messagelist")).to_be_visible()

    author = new_context(**viewport).new_page()
    log_in_to_admin(author, live_server, writer)
    panel = author.locator("#changes-requested")
    expect(panel).to_contain_text(NOTE)
    expect(panel.get_by_role("link", name="Still being written")).to_have_count(0)
    assert not scrolls_sideways(author)
    assert_no_violations(author, f"author's admin index at {width} px")
    if (path := os.environ.get("SCREENSHOT_AUTHOR_PANEL")) and width == 1280:
        author.screenshot(path=path)

    panel.get_by_role("link", name="Magnesium and sleep").click()
    note = author.locator("#review-note")
    expect(note).to_contain_text(NOTE)
    note_box, title_box = note.bounding_box(), author.locator("#id_title").bounding_box()
    assert note_box["y"] + note_box["height"] <= title_box["y"], "the note comes before the form"
    expect(author.get_by_label("Review note")).to_have_count(0)
    assert not scrolls_sideways(author)
    assert_no_violations(author, f"post sent back, at {width} px")

    author.goto(f"{live_server.url}/admin/blog/post/")
    author.locator("#changelist-filter").get_by_role("link", name="Changes requested").click()
    rows = author.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".field-publication_status")).to_have_text("Changes requested")

    # Submitting again ends it: the panel is gone.
    author.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    author.get_by_role("button", name="Submit for review").click()
    author.goto(f"{live_server.url}/admin/")
    expect(author.locator("#changes-requested")).to_have_count(0)
