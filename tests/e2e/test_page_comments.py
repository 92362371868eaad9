"""Comments on an owner's page in a real browser at 1280 and 390 px: the owner allows them, a
reader with JavaScript off comments, a moderator approves it in the queue, the reader sees it;
the page with its comment section has no axe violation."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from blog.models import Page
from comments.models import Comment
from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.commenting import NOTICE, approve_selected, leave_comment
from tests.factories import PageFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = Axe()
COMMENT = "Thank you for saying plainly what you keep about us."


@pytest.mark.parametrize("width", [1280, 390])
def test_the_owner_opens_a_page_to_comments_and_a_readers_comment_is_approved(
    live_server, new_context, settings, width
):
    settings.COMMENT_MIN_SECONDS = 0  # the spam check refuses forms sent within 3 s
    page = PageFactory(title="Privacy", slug="privacy", body="We keep *little*.")
    url = live_server.url + page.get_absolute_url()
    viewport = {"width": width, "height": 900}

    # Comments are off: the reader sees the page and no comment section.
    reader = new_context(viewport=viewport, java_script_enabled=False).new_page()
    reader.goto(url)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Privacy")
    expect(reader.locator("#comments")).to_have_count(0)

    # The owner ticks "Allow comments" on the page's form.
    owner = new_context(viewport=viewport).new_page()
    log_in_to_admin(
        owner, live_server, UserFactory(username="owner", is_staff=True, is_superuser=True)
    )
    owner.goto(live_server.url + reverse("admin:blog_page_change", args=[page.pk]))
    allow = owner.get_by_label("Allow comments")
    expect(allow).not_to_be_checked()
    allow.check()
    owner.get_by_role("button", name="Save", exact=True).click()
    expect(owner.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Page.objects.get(pk=page.pk).comments_enabled

    # The reader, JavaScript off, comments through the plain form.
    reader.reload()
    expect(reader.get_by_text(NOTICE)).to_be_visible()
    leave_comment(reader, COMMENT)
    expect(reader).to_have_url(re.compile(re.escape(url) + "#comments$"))
    expect(reader.get_by_role("status")).to_have_text(
        "Thank you! Your comment is awaiting moderation."
    )
    assert Comment.objects.get(body=COMMENT).status == Comment.Status.PENDING

    # A moderator approves it in the queue.
    moderator = new_context(viewport=viewport).new_page()
    log_in_to_admin(moderator, live_server, staff_in("Moderators", "mo"))
    moderator.goto(live_server.url + reverse("admin:comments_comment_changelist"))
    row = moderator.get_by_role("row", name=re.compile(re.escape(COMMENT[:40])))
    expect(row).to_contain_text("Privacy")
    row.get_by_role("checkbox").check()
    approve_selected(moderator)
    expect(moderator.locator("ul.messagelist")).to_contain_text("Approved 1 comment.")

    # The reader sees it published on the page; so does a stranger.
    reader.reload()
    published = reader.locator("article.comment", has_text=COMMENT)
    expect(published).to_be_visible()
    expect(published).not_to_contain_text("awaiting moderation")
    expect(reader.locator("#comments-heading")).to_have_text("1 comment")
    stranger = new_context(viewport=viewport).new_page()
    stranger.goto(url)
    expect(stranger.locator("article.comment", has_text=COMMENT)).to_be_visible()
    assert stranger.evaluate("document.documentElement.scrollWidth") <= width
    results = AXE.run(stranger)
    assert results.violations_count == 0, results.generate_report()
