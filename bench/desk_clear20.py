"""Clear 20 pending comments (approve 15, spam 3, reject 2) in a real browser, four ways, and count
the requests, full page loads and clicks or keys each way takes (issue 13's figure).

Run with `make bench-desk` (pytest with the e2e fixtures, against live_server; prints a table).
Before the desk: bulk actions (tick, choose, Go) or each comment's page. After: the queue's row
buttons without JavaScript, and with JavaScript (keys j, a, s, r).
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUEUE = "/admin/comments/comment/?status__exact=pending"
PLAN = ["approve"] * 15 + ["spam"] * 3 + ["reject"] * 2  # in queue order, newest first
BULK = {"approve": "Approve selected comments", "spam": "Mark selected as spam"}
BULK["reject"] = "Reject selected comments"
RESULTS = []


class Counter:
    """Requests to the app (not static files), page loads, and the clicks/keys we make."""

    def __init__(self, page, live_server):
        self.requests = self.loads = self.gestures = 0
        page.on("request", self._seen)
        self.base = live_server.url

    def _seen(self, request):
        if request.url.startswith(self.base) and "/static/" not in request.url:
            self.requests += 1
            self.loads += request.resource_type == "document"

    def __call__(self, n=1):
        self.gestures += n


@pytest.fixture
def desk(new_context, live_server):
    post = PostFactory(title="Busy post")
    comments = [CommentFactory(post=post, body=f"Comment number {i}.") for i in range(20)][::-1]
    # Newest first in the queue: comments[0] is shown first, and gets PLAN[0].
    user = UserFactory(username="mo", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)

    def open_page(javascript):
        context = new_context(
            java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
        )
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        page = context.new_page()
        return page, Counter(page, live_server)

    return open_page, comments


def planned(comments):
    """{action: [comment bodies]} as PLAN deals them out in queue order."""
    by_body = {}
    for action, comment in zip(PLAN, comments, strict=True):
        by_body.setdefault(action, []).append(comment.body)
    return by_body


def check_cleared(comments):
    got = [Comment.objects.get(pk=c.pk).status for c in comments]
    want = [{"approve": "approved", "spam": "spam", "reject": "rejected"}[a] for a in PLAN]
    assert got == want


def record(way, count):
    RESULTS.append((way, count.requests, count.loads, count.gestures))


def row(page, body):
    return page.locator("#result_list tbody tr", has_text=body)


def test_before_bulk_actions(desk, live_server):
    open_page, comments = desk
    page, count = open_page(javascript=True)
    page.goto(live_server.url + QUEUE)
    for action, bodies in planned(comments).items():
        for body in bodies:
            row(page, body).locator("input.action-select").check()
            count()
        page.locator('select[name="action"]').select_option(label=BULK[action])
        page.get_by_role("button", name="Go").click()
        count(2)
        page.wait_for_load_state()
    check_cleared(comments)
    record("before: bulk actions (tick, choose, Go)", count)


def test_before_each_comments_page(desk, live_server):
    open_page, comments = desk
    page, count = open_page(javascript=True)
    page.goto(live_server.url + QUEUE)
    labels = {"approve": "Approve", "spam": "Mark as spam", "reject": "Reject"}
    for action, comment in zip(PLAN, comments, strict=True):
        row(page, comment.body).locator("th.field-created a").click()  # open its page
        page.locator(".desk-decide").get_by_role("button", name=labels[action], exact=True).click()
        page.locator(".breadcrumbs a").nth(2).click()  # back to the queue (pending first)
        count(3)
    check_cleared(comments)
    record("before: each comment's page (open, decide, back)", count)


def test_after_row_buttons_without_javascript(desk, live_server):
    open_page, comments = desk
    page, count = open_page(javascript=False)
    page.goto(live_server.url + QUEUE)
    names = {"approve": "Approve", "spam": "Spam", "reject": "Reject"}
    for action, comment in zip(PLAN, comments, strict=True):
        row(page, comment.body).get_by_role("button", name=names[action]).click()
        count()
        page.wait_for_load_state()
    check_cleared(comments)
    record("after: row buttons, no JavaScript", count)


def test_after_keys_with_javascript(desk, live_server):
    open_page, comments = desk
    page, count = open_page(javascript=True)
    page.goto(live_server.url + QUEUE)
    page.keyboard.press("j")
    count()
    keys = {"approve": "a", "spam": "s", "reject": "r"}
    for action, comment in zip(PLAN, comments, strict=True):
        page.keyboard.press(keys[action])
        count()
        status = {"approve": "Approved", "spam": "Spam", "reject": "Rejected"}[action]
        page.locator("#result_list tbody tr", has_text=comment.body).locator(
            "td.field-status", has_text=status
        ).wait_for()
    check_cleared(comments)
    record("after: keys j + a/s/r, JavaScript on", count)


def test_print_the_table():
    print("\n\nClear 20 pending (approve 15, spam 3, reject 2), Chromium at 1280 px:\n")
    print("| way | requests | full page loads | clicks or keys |")
    print("| --- | ---: | ---: | ---: |")
    for way, requests, loads, gestures in RESULTS:
        print(f"| {way} | {requests} | {loads} | {gestures} |")
