"""Stored XSS in a real browser: a sample of tests/xss_payloads.py through every field kind, on the
public pages, the feeds, the admin's comment pages and the moderation desk (issue 12).

Each payload's code also sets `window.__xss`, so it is caught even where a dialog would not open.
The check runs twice: with the page's Content-Security-Policy bypassed, so markup that got through
unescaped really runs (a dialog opens, the global is set), and with it enforced, where such markup
is refused and reported instead (a violation). Either way each field must show its payload as
text: a refusal by the policy is no excuse for markup that should have been escaped.
"""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page

from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.xss_payloads import MARKERS, TEMPLATES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Script, event handlers (auto-firing ones too: onload, onerror, autofocus+onfocus, ontoggle),
# breaking out of attributes, titles, textareas and scripts, javascript: links in HTML and
# Markdown, mXSS, srcdoc, and an entity-encoded handler.
SAMPLE = [0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 17, 20, 21, 35, 36, 37, 40, 41, 51, 56]
PAYLOADS = {
    MARKERS[i]: TEMPLATES[i].format(m=MARKERS[i]).replace("alert(", "window.__xss=1,alert(")
    for i in SAMPLE
}
NAME_LENGTH = Comment._meta.get_field("author_name").max_length

# Runs before any page script, outside the page's policy.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
# Markup that could run, as the browser built the page (after its parser's repairs).
LIVE_MARKUP = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\x00-\\x20]/g, "").toLowerCase();
      if (attr.name.startsWith("on") || attr.name === "srcdoc" ||
          (["href", "src", "action", "formaction", "data"].includes(attr.name) &&
           value.startsWith("javascript:"))) {
        found.push(`<${el.localName} ${attr.name}="${attr.value.slice(0, 60)}">`);
      }
    }
  }
  return found;
}"""


def text(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


@pytest.fixture
def stored(settings):
    """One published post per payload (title, summary, body, cover alt text, tag), and each
    payload as an approved comment's name, body and website on the first post (and pending on
    the second, for the moderation desk)."""
    settings.POSTS_PER_PAGE = len(PAYLOADS)
    (settings.MEDIA_ROOT / "covers").mkdir(parents=True)
    Image.new("RGB", (4, 3)).save(settings.MEDIA_ROOT / "covers" / "cover.png")
    now = timezone.now()
    posts = {
        marker: PostFactory(
            title=payload,
            slug=f"xss-{marker}",
            summary=payload,
            body=payload,
            cover_image="covers/cover.png",
            cover_image_alt=payload,
            tags=[payload[:100]],
            publish_at=now - timedelta(minutes=n + 1),
        )
        for n, (marker, payload) in enumerate(PAYLOADS.items())
    }
    first, second = list(posts.values())[:2]
    for n, payload in enumerate(PAYLOADS.values()):
        for post, status in ((first, "approved"), (second, "pending")):
            CommentFactory(
                post=post,
                author_name=payload[:NAME_LENGTH],
                body=payload,
                author_url=f"https://example.com/{payload}"[:200],
                created=now - timedelta(seconds=n),
                **{status: True},
            )
    return posts


@pytest.fixture(params=["policy bypassed", "policy enforced"])
def browse(request, new_context, live_server):
    """visit(path, user=None) -> the loaded page, after asserting nothing ran on it."""
    bypass = request.param == "policy bypassed"
    contexts = {}

    def visit(path: str, user=None) -> Page:
        if user not in contexts:
            context = new_context(bypass_csp=bypass)
            context.add_init_script(WATCH)
            if user is not None:
                client = Client()
                client.force_login(user)
                cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": cookie,
                            "url": live_server.url,
                        }
                    ]
                )
            page = context.new_page()
            page.fired = []
            page.on(
                "dialog",
                lambda dialog, page=page: (page.fired.append(dialog.message), dialog.dismiss()),
            )
            page.on(
                "console",
                lambda message, page=page: (
                    page.fired.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            contexts[user] = page
        page = contexts[user]
        response = page.goto(live_server.url + path)
        assert response.status == 200, (path, response.status)
        page.wait_for_timeout(30)  # handlers queued by the parser (ontoggle) run
        ran = page.evaluate("[window.__xss, window.__violations]")
        assert ran == [None, []], f"{path}: ran {ran}"
        assert page.fired == [], f"{path}: {page.fired}"
        assert page.evaluate(LIVE_MARKUP) == [], path
        return page

    return visit


def shown(page: Page, selector: str = "body") -> str:
    return text(page.locator(selector).first.inner_text())


def assert_shown_as_text(page: Page, values, selector="body", where=""):
    on_page = shown(page, selector)
    missing = [value for value in values if text(value) not in on_page]
    assert not missing, f"{where or page.url}: not shown as text: {missing[:3]}"


def test_public_pages_show_each_payload_as_text_and_run_none(browse, stored, client):
    first = next(iter(stored.values()))
    page = browse(first.get_absolute_url())
    payloads = list(PAYLOADS.values())
    assert_shown_as_text(page, [p[:NAME_LENGTH] for p in payloads], ".comments", "comment names")
    assert_shown_as_text(page, payloads, ".comments", "comment bodies")
    hrefs = page.eval_on_selector_all(
        ".comment-author a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert sorted(hrefs) == sorted(f"https://example.com/{p}"[:200] for p in payloads)

    for marker, post in stored.items():
        payload = PAYLOADS[marker]
        page = browse(post.get_absolute_url())
        assert_shown_as_text(page, [payload], "h1", "title")
        assert_shown_as_text(page, [payload[:100]], ".tags", "tag name")
        alts = page.eval_on_selector_all("img[alt]", "imgs => imgs.map(i => i.alt)")
        assert payload in alts, f"alt text of {marker}: {alts}"
        assert marker in shown(page, "article")  # the sanitised body keeps the text around it

        tag = post.tags.get()
        page = browse(reverse("blog:tag", args=[tag.slug]))
        assert_shown_as_text(page, [f"Posts tagged “{payload[:100]}”"], "h1", "tag page")

        page = browse(reverse("blog:search") + "?" + urlencode({"q": payload}))
        assert page.input_value("#search-page-q") == payload
        assert_shown_as_text(page, [f"for “{payload}”"], "main", "search echo")

    page = browse(reverse("blog:index"))
    titles = page.eval_on_selector_all(".post-card h2", "hs => hs.map(h => h.innerText)")
    summaries = page.eval_on_selector_all(".post-summary", "ps => ps.map(p => p.innerText)")
    assert sorted(map(text, titles)) == sorted(map(text, payloads))
    assert sorted(map(text, summaries)) == sorted(map(text, payloads))


def test_feeds_carry_each_payload_as_escaped_text(new_context, stored, live_server):
    first = next(iter(stored.values()))
    fetch = new_context().request
    feeds = [
        reverse("blog:feed_rss"),
        reverse("blog:feed_atom"),
        reverse("blog:tag_feed_rss", args=[first.tags.get().slug]),
        reverse("comments:post_feed", args=[first.pk]),
    ]
    for path in feeds:
        body = fetch.get(live_server.url + path).text()
        ET.fromstring(body)  # well-formed: nothing broke out of its element
        assert any(marker in body for marker in PAYLOADS), f"{path} shows no payload"
        for payload in PAYLOADS.values():
            if "<" in payload:
                assert payload not in body, f"{path} carries {payload!r} unescaped"


def test_admin_comment_pages_and_the_desk_show_each_payload_as_text(browse, stored):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    payloads = list(PAYLOADS.values())
    names = [p[:NAME_LENGTH] for p in payloads]
    page = browse(reverse("admin:comments_comment_changelist"), root)
    assert_shown_as_text(page, names, "#result_list", "comment list names")
    assert_shown_as_text(page, payloads, "#result_list", "comment list bodies")
    page = browse(reverse("admin:comments_comment_changelist") + "?status__exact=pending", root)
    assert_shown_as_text(page, payloads, "#result_list", "the desk's queue")
    page = browse(reverse("admin:index"), root)  # the desk's "Awaiting review" panel
    second = list(stored.values())[1]
    assert text(second.title) in shown(page)
    for comment in Comment.objects.filter(body__in=payloads[::5]):
        page = browse(reverse("admin:comments_comment_change", args=[comment.pk]), root)
        values = page.eval_on_selector_all("input, textarea", "fields => fields.map(f => f.value)")
        assert comment.body in values and comment.author_name in values
        page = browse(reverse("admin:comments_comment_reply", args=[comment.pk]), root)
        assert_shown_as_text(page, [comment.body], "#content", "reply page")
