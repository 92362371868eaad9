"""The moderation desk in a real browser: row actions with and without JavaScript, undo, keys,
History, the phone layout and the Editor who cannot moderate (issue 13)."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import Page, expect

from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUE = "/admin/comments/comment/?status__exact=pending"


def staff_in(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def open_as(new_context, live_server):
    """A page logged in as `user` (session cookie from force_login), console errors collected."""

    def open_page(user, *, javascript=True, width=1280, height=900) -> tuple[Page, list[str]]:
        client = Client()
        client.force_login(user)
        context = new_context(
            java_script_enabled=javascript, viewport={"width": width, "height": height}
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, errors

    return open_page


@pytest.fixture
def queue():
    """Three pending comments on one post, newest first in the queue."""
    post = PostFactory(title="Magnesium")
    return [
        CommentFactory(post=post, author_name=name, body=f"Comment by {name}.")
        for name in ("Carol", "Bob", "Ann")
    ][::-1]


def row(page: Page, author: str):
    return page.locator("#result_list tbody tr", has_text=f"Comment by {author}.")


def status_of(comment) -> str:
    return Comment.objects.get(pk=comment.pk).status


def test_row_buttons_act_in_place_with_javascript_and_undo_puts_it_back(
    live_server, open_as, queue
):
    ann = queue[0]
    page, errors = open_as(staff_in("Moderators", "mo"))
    page.goto(live_server.url + QUEUE)
    page.evaluate("window.__samePage = true")

    row(page, "Ann").get_by_role("button", name="Approve").click()

    expect(row(page, "Ann").locator("td.field-status")).to_have_text("Approved")
    expect(row(page, "Ann").locator(".desk-done")).to_contain_text("Approved the comment by Ann.")
    expect(page.locator(".desk-notice")).to_have_text("Approved the comment by Ann.")  # read out
    assert page.evaluate("window.__samePage") is True  # no page load
    assert status_of(ann) == Comment.Status.APPROVED

    row(page, "Ann").get_by_role("button", name="Undo").click()

    expect(row(page, "Ann").locator("td.field-status")).to_have_text("Pending")
    expect(row(page, "Ann").locator(".desk-done")).to_have_text("Undone: 1 comment is back.")
    assert status_of(ann) == Comment.Status.PENDING
    assert errors == []


def test_row_buttons_work_without_javascript_and_the_message_offers_undo(
    live_server, open_as, queue
):
    bob = queue[1]
    page, _ = open_as(staff_in("Moderators", "mo"), javascript=False)
    page.goto(live_server.url + QUEUE)

    row(page, "Bob").get_by_role("button", name="Spam").click()

    expect(page.locator("ul.messagelist")).to_contain_text("Marked the comment by Bob as spam.")
    assert page.url == live_server.url + QUEUE  # back on the same filtered queue
    assert status_of(bob) == Comment.Status.SPAM
    expect(row(page, "Bob")).to_have_count(0)  # no longer pending

    page.locator("ul.messagelist").get_by_role("button", name="Undo").click()

    expect(page.locator("ul.messagelist")).to_contain_text("Undone: 1 comment is back.")
    assert status_of(bob) == Comment.Status.PENDING


def test_keys_move_act_and_undo_and_question_mark_lists_them(live_server, open_as, queue):
    ann, bob, carol = queue
    page, errors = open_as(staff_in("Moderators", "mo"))
    page.goto(live_server.url + QUEUE)

    page.keyboard.press("j")  # the first row
    page.keyboard.press("a")  # approve Ann, move on to Bob
    expect(row(page, "Ann").locator("td.field-status")).to_have_text("Approved")
    page.keyboard.press("s")  # Bob is spam, move on to Carol
    expect(row(page, "Bob").locator("td.field-status")).to_have_text("Spam")
    page.keyboard.press("r")
    expect(row(page, "Carol").locator("td.field-status")).to_have_text("Rejected")
    page.keyboard.press("u")  # take back the last one
    expect(row(page, "Carol").locator("td.field-status")).to_have_text("Pending")
    page.keyboard.press("k")
    expect(row(page, "Bob")).to_have_class(re.compile(r"\bdesk-current\b"))

    assert [status_of(c) for c in queue] == ["approved", "spam", "pending"]
    expect(page.locator("#desk-keys dl")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.locator("#desk-keys dl")).to_be_visible()
    assert errors == []


def test_decisions_show_in_the_comments_history(live_server, open_as, queue):
    ann = queue[0]
    page, _ = open_as(staff_in("Moderators", "mo"))
    page.goto(live_server.url + QUEUE)
    row(page, "Ann").get_by_role("button", name="Reject").click()
    expect(row(page, "Ann").locator("td.field-status")).to_have_text("Rejected")

    page.goto(live_server.url + f"/admin/comments/comment/{ann.pk}/history/")

    history = page.locator("#change-history")
    expect(history).to_contain_text("mo")
    expect(history).to_contain_text("Status: Pending → Rejected (via queue).")


def test_change_page_buttons_sit_under_the_title_and_and_next_moves_on(live_server, open_as, queue):
    ann, bob, _ = queue
    page, _ = open_as(staff_in("Moderators", "mo"))
    page.goto(live_server.url + f"/admin/comments/comment/{ann.pk}/change/")
    title = page.locator("#content h2, #content h1").first.bounding_box()
    bar = page.locator(".desk-decide").bounding_box()
    assert bar["y"] >= title["y"] + title["height"]  # below the heading, not on it

    page.get_by_role("button", name="Approve and next").click()

    expect(page).to_have_url(re.compile(rf"/admin/comments/comment/{bob.pk}/change/$"))
    expect(page.locator("ul.messagelist")).to_contain_text("Approved the comment by Ann.")


@pytest.mark.parametrize("where", ["queue", "change page"])
def test_phone_width_has_no_sideways_scroll_and_44px_buttons(live_server, open_as, queue, where):
    page, _ = open_as(staff_in("Moderators", "mo"), width=390, height=844)
    url = QUEUE if where == "queue" else f"/admin/comments/comment/{queue[0].pk}/change/"
    page.goto(live_server.url + url)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    buttons = page.locator(".desk-actions .desk-act, .desk-decide .desk-act")
    assert buttons.count() >= 3
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box["height"] >= 44 and box["width"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_editor_gets_no_queue_and_a_forged_post_is_refused(live_server, open_as, queue):
    ann = queue[0]
    page, _ = open_as(staff_in("Editors", "eddie"))
    # Commenters' personal data is for moderators only: the queue itself is refused.
    assert page.goto(live_server.url + QUEUE).status == 403
    expect(page.get_by_text("Ann")).to_have_count(0)
    page.goto(live_server.url + "/admin/")  # its log-out form carries a CSRF token

    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const body = new FormData();
            body.append("csrfmiddlewaretoken", token);
            const headers = {Accept: "application/json"};
            const response = await fetch(url, {method: "POST", body, headers});
            return response.status;
        }""",
        f"/admin/comments/comment/{ann.pk}/approve/?from=queue",
    )

    assert status == 403
    assert status_of(ann) == Comment.Status.PENDING


def test_approve_and_reply_from_the_desk_shows_on_the_public_page_as_staff(
    live_server, open_as, queue
):
    ann = queue[0]
    page, _ = open_as(staff_in("Moderators", "mo"))
    page.goto(live_server.url + QUEUE)
    row(page, "Ann").get_by_role("link", name="Reply").click()
    page.get_by_label("Your reply").fill("Glad it helped, Ann.")
    page.get_by_role("button", name="Approve and reply").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Approved and replied to")
    assert page.url == live_server.url + QUEUE

    reader = open_as(UserFactory(username="reader"))[0]
    reader.goto(live_server.url + ann.post.get_absolute_url())
    reply = reader.locator("article.comment", has_text="Glad it helped, Ann.")
    expect(reply).to_be_visible()
    expect(reply.locator(".comment-staff")).to_have_text("Staff")


def test_at_1280_px_the_queue_and_the_post_lists_pending_column_fit_without_sideways_scroll(
    live_server, open_as, queue
):
    page, _ = open_as(UserFactory(username="boss", is_staff=True, is_superuser=True))
    for url in (QUEUE, "/admin/blog/post/"):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url
        results = page.locator("#changelist .results")
        assert results.evaluate("r => r.scrollWidth <= r.clientWidth"), url
    expect(page.locator("td.field-pending_comments a").first).to_have_text("3 pending")
    expect(page.locator("td.field-pending_comments a").first).to_be_in_viewport()
    expect(page.locator("#nav-sidebar .pending-badge")).to_have_text("3 pending")


def test_email_link_confirmation_page_fits_390_px_with_a_44_px_button(
    live_server, new_context, queue
):
    from django.urls import reverse

    from comments.notifications import make_link_token

    token = make_link_token(comment=queue[0], action="approve", moderator=None)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(live_server.url + reverse("comments:moderate_link", args=[token]))

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_role("button", name="Approve").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
