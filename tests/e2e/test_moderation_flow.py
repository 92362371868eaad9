"""The comment moderation path in a real browser: a reader comments, a moderator approves it.

Four browser contexts stand for four people, each with their own cookies: the reader, another
visitor, an editor (who may look at the queue but not moderate) and a moderator.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from blog.importing import import_file
from comments.models import Comment
from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.commenting import NOTICE, approve_selected, leave_comment
from tests.factories import UserFactory

# serialized_rollback (conftest.py asks for it too): the Editors and Moderators groups come
# from data migrations, which a transactional test that ran before would have flushed away.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED_POST = Path("blog/demo/magnesium-glycinate-migraines.txt")
SEED_TITLE = "How Magnesium Glycinate Helps Migraines: The Optimal 400mg Dose"
COMMENT = "400mg before bed halved my migraine days. Thank you for the clear write-up!"


@pytest.fixture
def post(settings):
    settings.COMMENT_MIN_SECONDS = 0  # the spam check refuses forms sent within 3 s
    return import_file(SEED_POST, author=UserFactory(username="writer")).post


def comments_heading(page: Page):
    return page.locator("#comments-heading")


def test_reader_comment_waits_for_a_moderator_then_everyone_sees_it(live_server, new_context, post):
    post_url = live_server.url + post.get_absolute_url()

    # The reader opens the imported post: no comments yet, and the form says they are moderated.
    reader = new_context().new_page()
    reader.goto(post_url)
    expect(reader.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    expect(comments_heading(reader)).to_have_text("0 comments")
    expect(reader.get_by_text(NOTICE)).to_be_visible()

    # They comment, by the form's visible labels.
    leave_comment(reader, COMMENT)

    expect(reader).to_have_url(re.compile(re.escape(post_url) + "#comments$"))
    expect(reader.get_by_role("status")).to_have_text(
        "Thank you! Your comment is awaiting moderation."
    )
    expect(reader.get_by_role("status")).to_be_in_viewport()  # where the page opened
    own = reader.locator("article.comment", has_text=COMMENT)
    expect(own).to_be_visible()
    expect(own).to_contain_text("Your comment is awaiting moderation.")
    expect(comments_heading(reader)).to_have_text("0 comments")

    # Another visitor does not see it.
    visitor = new_context().new_page()
    visitor.goto(post_url)
    expect(comments_heading(visitor)).to_have_text("0 comments")
    expect(visitor.get_by_text(COMMENT)).to_have_count(0)

    # An editor may not open the queue: commenters' personal data is for moderators only.
    editor = new_context().new_page()
    log_in_to_admin(editor, live_server, staff_in("Editors", "eddie"))
    response = editor.goto(live_server.url + "/admin/comments/comment/")
    assert response.status == 403
    expect(editor.get_by_text(COMMENT[:40])).to_have_count(0)

    # A moderator approves it from the list.
    moderator_user = staff_in("Moderators", "mo")
    moderator = new_context().new_page()
    log_in_to_admin(moderator, live_server, moderator_user)
    moderator.goto(live_server.url + "/admin/comments/comment/")
    row = moderator.get_by_role("row", name=re.compile(re.escape(COMMENT[:40])))
    row.get_by_role("checkbox").check()
    approve_selected(moderator)
    expect(moderator.locator("ul.messagelist")).to_have_text("Approved 1 comment. Undo")

    comment = Comment.objects.get(body=COMMENT)
    assert comment.status == Comment.Status.APPROVED
    assert comment.moderated_by == moderator_user

    # The reader's comment is now published: counted, and no longer marked as waiting.
    reader.reload()
    published = reader.locator("article.comment", has_text=COMMENT)
    expect(published).to_be_visible()
    expect(published).to_contain_text("Dana Reader")
    expect(published).not_to_contain_text("awaiting moderation")
    expect(reader.get_by_text("awaiting moderation")).to_have_count(0)
    expect(comments_heading(reader)).to_have_text("1 comment")

    # And the other visitor sees it too.
    visitor.reload()
    expect(visitor.locator("article.comment", has_text=COMMENT)).to_be_visible()
    expect(comments_heading(visitor)).to_have_text("1 comment")


def test_a_refused_comment_opens_at_the_form_with_focus_on_the_error_summary(
    live_server, new_context, post
):
    reader = new_context().new_page()
    reader.goto(live_server.url + post.get_absolute_url())
    leave_comment(reader, "   ")  # passes `required`, not the form

    expect(reader).to_have_url(re.compile(r"/comments/post/\d+/#comment-errors$"))
    summary = reader.locator("#comment-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Please write a comment.")
    # The summary links to the field, and the text typed so far is kept.
    summary.get_by_role("link").click()
    expect(reader.get_by_role("textbox", name="Comment")).to_be_focused()
    expect(reader.get_by_role("textbox", name="Name")).to_have_value("Dana Reader")
