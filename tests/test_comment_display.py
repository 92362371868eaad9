import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import site
from comments.models import ModerationSettings, render_comment
from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def page_html(client, post, **params):
    response = client.get(post.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def comments_for_visitor(client, post, **params):
    html = page_html(client, post, **params)
    return html[html.index('<section class="comments"') :]


class CommentNesting(HTMLParser):
    """Records, for each shown comment (article id="c<pk>"), how deep in replies it sits."""

    def __init__(self):
        super().__init__()
        self.open_lists, self.depth_of = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ol":
            self.open_lists.append("comment-replies" in (attrs.get("class") or ""))
        elif tag == "article" and (attrs.get("id") or "").startswith("c"):
            self.depth_of[int(attrs["id"][1:])] = sum(self.open_lists)

    def handle_endtag(self, tag):
        if tag == "ol":
            self.open_lists.pop()


def shown_comments(html) -> dict[int, int]:
    """{comment pk: nesting depth} in page order."""
    parser = CommentNesting()
    parser.feed(html)
    return parser.depth_of


# Which comments, in which order


def test_approved_comments_are_shown_oldest_first(client):
    post = PostFactory()
    now = timezone.now()
    newer = CommentFactory(post=post, approved=True, created=now - timedelta(hours=1))
    older = CommentFactory(post=post, approved=True, created=now - timedelta(hours=2))
    assert list(shown_comments(comments_for_visitor(client, post))) == [older.pk, newer.pk]


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_unapproved_comment_is_not_shown_on_post(client, status):
    comment = CommentFactory(status=status, body="Not for the public eye")
    html = page_html(client, comment.post)
    assert "Not for the public eye" not in html
    assert shown_comments(html) == {}


def test_comments_of_other_posts_are_not_shown(client):
    post = PostFactory()
    CommentFactory(approved=True, body="Somewhere else entirely")
    assert "Somewhere else entirely" not in page_html(client, post)


def test_heading_counts_approved_comments_only(client):
    post = PostFactory()
    CommentFactory.create_batch(2, post=post, approved=True)
    CommentFactory(post=post, pending=True)
    CommentFactory(post=post, spam=True)
    assert '<h2 id="comments-heading">2 comments</h2>' in page_html(client, post)


def test_heading_says_one_comment_in_the_singular(client):
    comment = CommentFactory(approved=True)
    assert '<h2 id="comments-heading">1 comment</h2>' in page_html(client, comment.post)


# What each comment shows


def test_html_in_a_comment_is_shown_as_text(client):
    comment = CommentFactory(approved=True, body='<script>alert("x")</script> <b>bold</b>')
    html = comments_for_visitor(client, comment.post)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html
    assert "<b>bold" not in html


def test_html_in_the_author_name_is_shown_as_text(client):
    comment = CommentFactory(approved=True, author_name="<i>Eve</i>")
    html = comments_for_visitor(client, comment.post)
    assert "&lt;i&gt;Eve&lt;/i&gt;" in html
    assert "<i>Eve" not in html


def test_urls_in_a_comment_become_nofollow_ugc_links(client):
    comment = CommentFactory(approved=True, body="Read https://example.com/page please")
    html = comments_for_visitor(client, comment.post)
    assert (
        '<a href="https://example.com/page" rel="nofollow ugc noopener">'
        "https://example.com/page</a>" in html
    )


@pytest.mark.parametrize("url", ["https://ada.example/", ""])
def test_author_name_links_to_their_website_only_if_given(client, url):
    comment = CommentFactory(approved=True, author_name="Ada Lovelace", author_url=url)
    html = comments_for_visitor(client, comment.post)
    link = f'<a href="{url}" rel="nofollow ugc noopener">Ada Lovelace</a>'
    assert (link in html) == bool(url)
    assert "Ada Lovelace" in html


def test_comment_shows_when_it_was_written_in_a_time_element(client):
    comment = CommentFactory(approved=True)
    html = comments_for_visitor(client, comment.post)
    written = comment.created.replace(microsecond=0).isoformat()  # no fraction: valid HTML
    assert f'<time datetime="{written}">' in html


def test_comment_has_an_initials_avatar_and_no_third_party_images(client):
    comment = CommentFactory(approved=True, author_name="grace brewster hopper")
    html = comments_for_visitor(client, comment.post)
    assert '<span class="avatar" aria-hidden="true">GB</span>' in html
    assert "<img" not in html
    assert "gravatar" not in html.lower()


def test_commenter_email_address_is_never_shown(client):
    comment = CommentFactory(approved=True, author_email="private.person@example.com")
    html = page_html(client, comment.post)
    assert "private.person" not in html


def test_right_to_left_text_and_emoji_are_kept_with_automatic_direction(client):
    comment = CommentFactory(approved=True, author_name="דוד", body="שלום עולם 👋🏽")
    html = comments_for_visitor(client, comment.post)
    assert '<div class="comment-text" dir="auto"><p>שלום עולם 👋🏽</p></div>' in html
    assert '<bdi class="comment-author">דוד</bdi>' in html


def test_long_words_wrap_inside_comments_instead_of_widening_the_page():
    css = (Path(django_settings.BASE_DIR) / "static/css/site.css").read_text()
    rule = re.search(r"\.comment-text\s*\{([^}]*)\}", css)
    assert rule and "overflow-wrap: anywhere" in rule.group(1)


def test_comment_paragraphs_and_line_breaks_are_kept():
    html = render_comment("one\r\ntwo\r\n\r\nthree\rfour")
    assert html == "<p>one<br>two</p>\n<p>three<br>four</p>"


@pytest.mark.parametrize(
    "text",
    [
        'http://x.example/"><img src=x onerror=alert(1)>',
        'rel="nofollow" onclick="alert(1)"',
        "javascript:alert(1)",
    ],
)
def test_rendering_never_lets_markup_or_scripts_through(text):
    html = render_comment(text)
    assert "<img" not in html
    assert 'onclick="' not in html
    assert 'href="javascript' not in html


# Threads


def test_replies_nest_under_their_parent_up_to_three_levels(client):
    post = PostFactory()
    top = CommentFactory(post=post, approved=True)
    reply = CommentFactory(post=post, approved=True, parent=top)
    reply_to_reply = CommentFactory(post=post, approved=True, parent=reply)
    second = CommentFactory(post=post, approved=True)
    assert shown_comments(comments_for_visitor(client, post)) == {
        top.pk: 0,
        reply.pk: 1,
        reply_to_reply.pk: 2,
        second.pk: 0,
    }


def test_reply_whose_parent_is_not_approved_is_not_shown(client):
    parent = CommentFactory(pending=True)
    orphan = CommentFactory(post=parent.post, approved=True, parent=parent)
    assert orphan.pk not in shown_comments(comments_for_visitor(client, parent.post))


def test_each_approved_comment_has_a_reply_link(client):
    post = PostFactory()
    top = CommentFactory(post=post, approved=True)
    reply = CommentFactory(post=post, approved=True, parent=top)
    html = comments_for_visitor(client, post)
    for comment in (top, reply):
        assert f'href="?replyto={comment.pk}#comment-form"' in html


def test_no_reply_links_when_comments_are_closed(client):
    comment = CommentFactory(approved=True, post=PostFactory(comments_enabled=False))
    html = comments_for_visitor(client, comment.post)
    assert comment.pk in shown_comments(html)
    assert "replyto=" not in html


# Pages of threads


@pytest.fixture
def fifty_one_threads():
    """51 top-level comments a minute apart, the first with a reply written last."""
    post = PostFactory()
    start = timezone.now() - timedelta(days=1)
    threads = [
        CommentFactory(post=post, approved=True, created=start + timedelta(minutes=n))
        for n in range(51)
    ]
    late_reply = CommentFactory(post=post, approved=True, parent=threads[0])
    return post, threads, late_reply


def test_a_comment_page_holds_fifty_comments_counting_replies_in_whole_threads(
    client, fifty_one_threads
):
    post, threads, late_reply = fifty_one_threads
    first = shown_comments(comments_for_visitor(client, post))
    # The first thread and its reply, then 48 more threads: 50 comments.
    assert [pk for pk, depth in first.items() if depth == 0] == [c.pk for c in threads[:49]]
    assert late_reply.pk in first and len(first) == 50
    second = shown_comments(comments_for_visitor(client, post, cpage=2))
    assert list(second) == [threads[49].pk, threads[50].pk]


def test_no_comment_page_splits_a_thread_or_holds_more_than_the_limit_but_a_long_thread(
    client, settings
):
    settings.COMMENTS_PER_PAGE = 5
    post = PostFactory()
    start = timezone.now() - timedelta(days=1)
    threads, tops = [], []
    for n, size in enumerate([1, 3, 2, 1, 6, 1]):
        top = CommentFactory(post=post, approved=True, created=start + timedelta(minutes=n))
        tops.append(top)
        thread, parent = [top.pk], top
        for _ in range(size - 1):  # a reply, a reply to it, then more replies to the first
            parent = CommentFactory(post=post, approved=True, parent=parent)
            thread.append(parent.pk)
            parent = parent if parent.depth < 2 else top
        threads.append(thread)
    CommentFactory(post=post, pending=True, parent=tops[0])  # not shown: not counted

    pages = [list(shown_comments(comments_for_visitor(client, post, cpage=n))) for n in range(1, 5)]

    by_page = [[t for t in threads if t[0] in page] for page in pages]
    assert by_page == [threads[0:2], threads[2:4], threads[4:5], threads[5:6]]
    for page, page_threads in zip(pages, by_page, strict=True):
        assert sorted(page) == sorted(pk for thread in page_threads for pk in thread)
        assert len(page) <= 5 or len(page_threads) == 1  # a 6-comment thread: a page to itself
    assert "Comment page 4 of 4" in comments_for_visitor(client, post, cpage=4)


def test_heading_counts_all_approved_comments_not_just_this_page(client, fifty_one_threads):
    post, _, _ = fifty_one_threads
    assert "52 comments" in page_html(client, post)


def test_newest_comments_page_is_linked(client, fifty_one_threads):
    post, _, _ = fifty_one_threads
    html = comments_for_visitor(client, post)
    assert '<a href="?cpage=2#comments">Newest comments</a>' in html
    assert "Comment page 1 of 2" in html


@pytest.mark.parametrize(("cpage", "shown_page"), [("99", 2), ("0", 2), ("abc", 1)])
def test_out_of_range_comment_page_shows_the_nearest_real_page(
    client, fifty_one_threads, cpage, shown_page
):
    post, _, _ = fifty_one_threads
    html = comments_for_visitor(client, post, cpage=cpage)
    assert f"Comment page {shown_page} of 2" in html


def test_single_page_of_comments_has_no_page_links(client):
    comment = CommentFactory(approved=True)
    assert "cpage=" not in comments_for_visitor(client, comment.post)


# Cost


def test_post_page_query_count_does_not_grow_with_comments(client):
    ModerationSettings.load()
    quiet, busy = CommentFactory(approved=True).post, PostFactory()
    for _ in range(50):
        top = CommentFactory(post=busy, approved=True)
        reply = CommentFactory(post=busy, approved=True, parent=top)
        CommentFactory(post=busy, approved=True, parent=reply)
        CommentFactory(post=busy, pending=True, parent=top)
    CommentFactory.create_batch(50, post=busy, approved=True)
    site.shared_parts()  # every page's header and footer, built once (test_site_footer)
    with CaptureQueriesContext(connection) as without_comments:
        page_html(client, quiet)
    with CaptureQueriesContext(connection) as with_comments:
        html = page_html(client, busy)
    assert len(shown_comments(html)) == 48  # 16 threads of three on page one: 50 at most
    assert len(with_comments) == len(without_comments)
