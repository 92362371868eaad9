"""The moderation desk far down a long queue, at 1280 and 390 px (issue 24, item 10): a decision's
confirmation and its Undo in view where the moderator clicked, the decided row marked, the counts
(with Show counts on, every filter's) and the sidebar's badge following without a reload, the
current row framed without lines through its text, the comment's page with History clear of a
long title and no "Moderated by" once a decision is undone, "Lena K." with one full stop, a queue
titled by what it lists; axe finds nothing on the queue or the comment's page.

`SCREENSHOT_DESK_SCROLLED=docs/moderation-desk-scrolled.png` also saves the queue at 1280 px
after a decision on its 25th row.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from comments.models import Comment
from tests.e2e.admin_login import staff_in
from tests.e2e.geometry import WIDTHS, broken_words, overlap, scrolls_sideways
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUE = "/admin/comments/comment/?status__exact=pending"
LONG_TITLE = (
    "What we learnt growing tomatoes, peppers and aubergines in an unheated greenhouse through "
    "three wet northern summers, with notes on blight"
)
AXE = Axe()


def assert_no_violations(page: Page, label: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


@pytest.fixture
def long_queue():
    """30 pending comments, newest first: every third on a post with a very long title, the
    newest by "Lena K."."""
    long_post = PostFactory(title=LONG_TITLE)
    short_post = PostFactory(title="Magnesium")
    for n in range(29):
        CommentFactory(
            post=long_post if n % 3 == 0 else short_post,
            author_name=f"Reader {n}",
            body=f"Comment number {n}: " + "a sentence of ordinary length about the post. " * 3,
        )
    lena = CommentFactory(post=long_post, author_name="Lena K.", body="Lena's comment.")
    return {"long_post": long_post, "short_post": short_post, "lena": lena}


def moderator_page(new_context, live_server, width: int) -> Page:
    client = Client()
    client.force_login(staff_in("Moderators", "mo"))
    context = new_context(viewport={"width": width, "height": 900 if width > 400 else 844})
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
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def in_viewport(page: Page, box) -> bool:
    size = page.viewport_size
    return (
        box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


def post_filter_link(page: Page, post):
    return page.locator(
        f"#changelist-filter a[href*='post={post.pk}&'], "
        f"#changelist-filter a[href$='post={post.pk}']"
    ).first


# The current row's decorations, and every line of text in it that one of them crosses: only the
# row itself may be framed (a frame per cell draws bars between its lines), and its frame must
# run clear of the text.
_FRAME_CROSSING_TEXT = """row => {
  const found = [];
  for (const element of row.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    if (style.boxShadow !== "none") found.push(element.className + " has a box-shadow");
    if (style.outlineStyle !== "none" && element !== document.activeElement) {
      found.push(element.className + " has an outline");
    }
  }
  const style = getComputedStyle(row);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const box = row.getBoundingClientRect();
  // The frame's inner edge: text must lie inside it.
  const inner = Math.max(0, -offset);
  const edge = {
    top: box.top + inner, bottom: box.bottom - inner,
    left: box.left + inner, right: box.right - inner,
  };
  const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (!rect.width) continue;
      if (rect.top < edge.top || rect.bottom > edge.bottom || rect.left < edge.left
          || rect.right > edge.right) {
        found.push("the frame crosses " + JSON.stringify(node.data.trim().slice(0, 30)));
      }
    }
  }
  if (style.outlineStyle === "none" && width === 0) found.push("the row is not framed");
  return found;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_far_down_the_queue_the_decision_its_undo_and_the_counts_are_where_the_moderator_is(
    live_server, new_context, long_queue, width
):
    page = moderator_page(new_context, live_server, width)
    page.goto(live_server.url + QUEUE)
    page.evaluate("window.__samePage = true")
    count, badge = page.locator(".desk-count"), page.locator("#nav-sidebar a.pending-badge")
    short_post = long_queue["short_post"]
    expect(count).to_have_text("30 pending")
    expect(badge).to_have_text("30 pending")
    expect(post_filter_link(page, short_post)).to_have_text("Magnesium (19 pending)")

    row = page.locator("#result_list tbody tr").nth(24)
    row.scroll_into_view_if_needed()
    row.get_by_role("button", name="Approve").click()

    confirmation = row.locator(".desk-done")
    expect(confirmation).to_contain_text("Approved the comment by Reader ")
    undo = confirmation.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    assert in_viewport(page, undo.bounding_box()), "the Undo is off the screen"
    assert in_viewport(page, confirmation.bounding_box()), "the confirmation is off the screen"
    expect(row.locator("td.field-status")).to_have_text("Approved")
    assert "desk-decided" in row.get_attribute("class")
    expect(count).to_have_text("29 pending")
    expect(badge).to_have_text("29 pending")
    expect(badge).to_have_attribute("title", "29 awaiting review")
    decided_post = Comment.objects.exclude(status=Comment.Status.PENDING).get().post
    label = "Magnesium (18 pending)" if decided_post == short_post else f"{LONG_TITLE} (10 pending)"
    expect(post_filter_link(page, decided_post)).to_have_text(label)
    assert not scrolls_sideways(page)
    if width == 1280 and (path := os.environ.get("SCREENSHOT_DESK_SCROLLED")):
        page.screenshot(path=path)
    assert_no_violations(page, f"the queue with a decided row at {width}px")

    undo.click()

    expect(row.locator("td.field-status")).to_have_text("Pending")
    expect(confirmation).to_have_text("Undone: 1 comment is back.")
    assert "desk-decided" not in row.get_attribute("class")
    expect(count).to_have_text("30 pending")
    expect(badge).to_have_text("30 pending")
    expect(post_filter_link(page, short_post)).to_have_text("Magnesium (19 pending)")
    assert Comment.objects.pending().count() == 30
    assert page.evaluate("window.__samePage") is True  # no page load
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_with_show_counts_on_every_filters_counts_follow_a_decision_and_its_undo(
    live_server, new_context, long_queue, width
):
    page = moderator_page(new_context, live_server, width)
    page.goto(live_server.url + QUEUE + "&_facets=True")
    by_status = page.locator("#changelist-filter details", has_text="By status")
    expect(by_status).to_contain_text("Pending (30)")
    expect(by_status).to_contain_text("Spam (0)")
    row = page.locator("#result_list tbody tr").nth(24)
    row.scroll_into_view_if_needed()

    row.get_by_role("button", name="Spam").click()

    expect(by_status).to_contain_text("Pending (29)")
    expect(by_status).to_contain_text("Spam (1)")
    row.get_by_role("button", name="Undo").click()
    expect(by_status).to_contain_text("Pending (30)")
    expect(by_status).to_contain_text("Spam (0)")
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_current_row_is_framed_clear_of_its_text(live_server, new_context, long_queue, width):
    page = moderator_page(new_context, live_server, width)
    page.goto(live_server.url + QUEUE)
    page.keyboard.press("j")
    page.keyboard.press("j")

    current = page.locator("#result_list tr.desk-current")
    expect(current).to_have_count(1)
    assert current.evaluate(_FRAME_CROSSING_TEXT) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_is_titled_by_what_it_lists(live_server, new_context, long_queue, width):
    page = moderator_page(new_context, live_server, width)
    page.goto(live_server.url + QUEUE)

    assert page.title().startswith("Comments awaiting moderation |")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Comments awaiting moderation")
    assert broken_words(heading) == []
    assert not overlap(heading, page.locator(".desk-count"))
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"the queue at {width}px")


@pytest.mark.parametrize("width", WIDTHS)
def test_lena_k_decided_and_undone_has_one_full_stop_and_no_moderator_on_her_page(
    live_server, new_context, long_queue, width
):
    lena = long_queue["lena"]
    page = moderator_page(new_context, live_server, width)
    page.goto(live_server.url + QUEUE)
    row = page.locator("#result_list tbody tr", has_text="Lena's comment.")

    row.get_by_role("button", name="Reject").click()

    expect(row.locator(".desk-done span")).to_have_text("Rejected the comment by Lena K.")
    row.get_by_role("button", name="Undo").click()
    expect(row.locator("td.field-status")).to_have_text("Pending")

    page.goto(live_server.url + f"/admin/comments/comment/{lena.pk}/change/")
    expect(page.locator("#content")).not_to_contain_text("Moderated by")
    expect(page.locator("#content")).not_to_contain_text("Moderated at")
    title = page.locator("#content h2").first
    expect(title).to_contain_text(LONG_TITLE)
    tools = page.locator(".object-tools")
    for tool in tools.locator("a").all():
        assert not overlap(tool, title), f"{tool.inner_text()} overlaps the title"
        box, bar = tool.bounding_box(), tools.bounding_box()
        assert box["y"] + box["height"] <= bar["y"] + bar["height"] + 0.5, "cut off"
    assert not overlap(page.locator(".object-tools"), page.locator(".desk-decide"))
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"the comment's page at {width}px")
