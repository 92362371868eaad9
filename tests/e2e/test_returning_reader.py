"""A returning reader in a real browser: their details remembered by the browser (opt-in), and
their pending reply shown inside the thread it answers, to them alone."""

import re

import pytest
from playwright.sync_api import Page, expect

from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REMEMBER = "Remember my name, e-mail and website in this browser"


@pytest.fixture(autouse=True)
def _send_at_once(settings):
    settings.COMMENT_MIN_SECONDS = 0  # the spam check refuses forms sent within 3 s


def details(page: Page):
    return [
        page.get_by_role("textbox", name="Name"),
        page.get_by_role("textbox", name="Email"),
        page.get_by_role("textbox", name="Website"),
    ]


def send(page: Page, body: str) -> None:
    page.get_by_role("textbox", name="Comment").fill(body)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")


def test_browser_remembers_the_readers_details_when_asked_and_forgets_them_when_unticked(
    live_server, new_context
):
    first, second = PostFactory(), PostFactory()
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + first.get_absolute_url())
    name, email, website = details(page)
    remember = page.get_by_role("checkbox", name=REMEMBER)
    expect(remember).to_be_visible()
    expect(remember).not_to_be_checked()
    name.fill("Ada Returning")
    email.fill("ada@example.org")
    website.fill("https://ada.example.org/")
    remember.check()
    send(page, "Remembered, I hope.")

    # Another post: the browser fills the details in, and still nothing of them is a cookie.
    page.goto(live_server.url + second.get_absolute_url())
    name, email, website = details(page)
    expect(name).to_have_value("Ada Returning")
    expect(email).to_have_value("ada@example.org")
    expect(website).to_have_value("https://ada.example.org/")
    expect(page.get_by_role("checkbox", name=REMEMBER)).to_be_checked()
    for cookie in context.cookies():
        assert "Returning" not in cookie["value"] and "example.org" not in cookie["value"]

    # Unticked and sent: forgotten.
    page.get_by_role("checkbox", name=REMEMBER).uncheck()
    send(page, "Forget me now, please.")
    assert Comment.objects.filter(author_name="Ada Returning").count() == 2
    page.goto(live_server.url + first.get_absolute_url())
    for field in details(page):
        expect(field).to_have_value("")
    expect(page.get_by_role("checkbox", name=REMEMBER)).not_to_be_checked()
    assert page.evaluate("() => window.localStorage.length") == 0


def test_without_javascript_the_remember_box_is_not_offered(live_server, new_context):
    post = PostFactory()
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + post.get_absolute_url())
    expect(page.get_by_role("textbox", name="Name")).to_be_visible()
    expect(page.get_by_text(REMEMBER)).to_be_hidden()


def test_pending_reply_shows_nested_under_its_parent_to_its_author_only(live_server, new_context):
    parent = CommentFactory(approved=True, author_name="Grace Parent", body="The first thread.")
    other = CommentFactory(approved=True, post=parent.post, body="A later thread.")
    url = live_server.url + parent.post.get_absolute_url()

    reader = new_context().new_page()
    reader.goto(url)
    reader.get_by_role("link", name="Reply to Grace Parent").click()
    expect(reader.get_by_text("Replying to Grace Parent")).to_be_visible()
    name, email, _ = details(reader)
    name.fill("Rey Replier")
    email.fill("rey@example.org")
    send(reader, "My reply, still waiting.")

    parent_thread = reader.locator("li.comment-thread", has=reader.locator(f"#c{parent.pk}")).last
    nested = parent_thread.locator("ol.comment-replies article.comment-pending")
    expect(nested).to_contain_text("My reply, still waiting.")
    expect(nested).to_contain_text("Your reply is awaiting moderation.")
    other_thread = reader.locator("li.comment-thread", has=reader.locator(f"#c{other.pk}")).last
    expect(other_thread).not_to_contain_text("My reply, still waiting.")
    expect(reader.locator(".own-pending")).to_have_count(0)

    stranger = new_context().new_page()
    stranger.goto(url)
    expect(stranger.locator(f"#c{parent.pk}")).to_be_visible()
    expect(stranger.get_by_text("My reply, still waiting.")).to_have_count(0)
    expect(stranger.get_by_text(re.compile("awaiting moderation"))).to_have_count(0)
