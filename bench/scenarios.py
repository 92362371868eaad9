"""What the benchmarks build and time. Imported by bench/run.py once Django is set up."""

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import importing
from blog.models import Post
from comments import counts, services
from comments.models import Comment, render_comment
from tests.factories import bulk_pending_comments

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "blog" / "demo" / "magnesium-glycinate-migraines.txt"
CHANGELIST = "/admin/comments/comment/"
BULK_APPROVAL_LIMIT_S = 5  # approving the whole 10,000-comment queue in one request
PENDING_CHANGELIST = CHANGELIST + "?status__exact=pending"
BULK_COMMENTS = 10_000
WARMUP_REQUESTS = 5
POST_BODY = (
    "A short post for the index benchmark.\n\n"
    "It has a second paragraph with *emphasis*, a [link](https://example.org/) and a list:\n\n"
    "- one\n- two\n- three\n"
)


@dataclass
class PageFigure:
    label: str
    queries: int
    requests: int
    min_ms: float
    median_ms: float
    p95_ms: float
    kilobytes: float


@dataclass
class BulkFigure:
    label: str
    queries: int
    runs: int
    median_s: float
    worst_s: float


def make_superuser():
    return get_user_model()._default_manager.create_superuser(
        "bench-admin", "bench-admin@example.com", "bench-not-a-secret"
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Pages


def time_page(client: Client, url: str, *, label: str, requests: int) -> PageFigure:
    """Query count of one request, then wall time of `requests` more, after a short warm-up."""
    for _ in range(WARMUP_REQUESTS):
        _expect(client.get(url), 200, url)
    with CaptureQueriesContext(connection) as captured:
        response = _expect(client.get(url), 200, url)
    # Counted now: each later request empties the connection's query log.
    queries = len(captured)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    return PageFigure(
        label=label,
        queries=queries,
        requests=requests,
        min_ms=min(timings) * 1000,
        median_ms=statistics.median(timings) * 1000,
        p95_ms=statistics.quantiles(timings, n=20)[-1] * 1000,
        kilobytes=len(response.content) / 1024,
    )


def _expect(response, status: int, url: str):
    if response.status_code != status:
        raise RuntimeError(f"{url} answered {response.status_code}, expected {status}")
    return response


def add_index_posts(*, author, upto: int) -> None:
    """Publish small tagged posts until `upto` are public, each an hour older than the last."""
    now = timezone.now()
    for n in range(Post.objects.published().count(), upto):
        post = Post(
            title=f"Benchmark post {n}",
            author=author,
            body=POST_BODY,
            status=Post.Status.PUBLISHED,
            publish_at=now - timedelta(hours=n + 1),
        )
        post.save()
        post.tags.add("bench", f"topic-{n % 5}")


def import_seed_post(*, author) -> Post:
    """The demo's long scraped article, imported the way `load_demo` does it."""
    return importing.import_file(SEED_FILE, author=author).post


def add_threaded_comments(post: Post, *, count: int) -> None:
    """Add `count` approved comments (a multiple of 10) after those the post already has.

    Of each ten: five start a thread, three reply to one of them, two reply to a reply, so the
    page shows threads three levels deep. Created times rise in that order, as the page's
    threading expects parents before their replies.
    """
    start = Comment.objects.filter(post=post).count()
    base = timezone.now() - timedelta(days=30)
    tops, replies, nested = [], [], []
    for group in range(start // 10, (start + count) // 10):
        first = group * 10
        group_tops = [_comment(post, first + i, base) for i in range(5)]
        group_replies = [
            _comment(post, first + 5 + i, base, parent=group_tops[i]) for i in range(3)
        ]
        group_nested = [
            _comment(post, first + 8 + i, base, parent=group_replies[i]) for i in range(2)
        ]
        tops += group_tops
        replies += group_replies
        nested += group_nested
    # Parents first: bulk_create gives them primary keys, which their replies then point to.
    for batch in (tops, replies, nested):
        Comment.objects.bulk_create(batch, batch_size=500)
    counts.recount([post.pk])


def _comment(post: Post, n: int, base, parent: Comment | None = None) -> Comment:
    body = f"Reader {n} here. I tried this for a month and slept better; thank you for writing it."
    if n % 7 == 0:
        body += "\n\nMy notes: https://example.org/notes"
    # bulk_create skips Comment.save(), which fills depth and body_html: set them here.
    return Comment(
        post=post,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author_name=f"Reader {n}",
        author_email=f"reader{n}@example.com",
        body=body,
        body_html=render_comment(body),
        status=Comment.Status.APPROVED,
        created=base + timedelta(seconds=n),
    )


# Bulk approval


def add_pending_comments(*, author, count: int = BULK_COMMENTS) -> Post:
    """A post with `count` pending comments, like a queue left alone over a spam wave."""
    post = Post(
        title="Busy moderation queue",
        author=author,
        body=POST_BODY,
        status=Post.Status.PUBLISHED,
        publish_at=timezone.now() - timedelta(days=400),
    )
    post.save()
    bulk_pending_comments(post, count)
    return post


def back_to_pending(post: Post) -> None:
    """Undo an approval run so the next run starts from the same queue."""
    Comment.objects.filter(post=post).update(
        status=Comment.Status.PENDING, moderated_by=None, moderated_at=None
    )
    counts.recount([post.pk])


def time_service_approval(post: Post, *, moderator, runs: int) -> BulkFigure:
    """services.moderate() over the whole pending queue, as the admin action calls it."""

    def approve(_):
        services.moderate(
            comments=Comment.objects.pending(),
            status=Comment.Status.APPROVED,
            moderator=moderator,
            via="bulk",
        )

    return _time_approval(post, approve, label="services.moderate()", runs=runs)


def time_admin_approval(post: Post, *, moderator, runs: int) -> BulkFigure:
    """The admin request: "Select all" on the pending queue, then "Approve selected comments"."""
    client = logged_in(moderator)

    def ticked_rows():
        # What the browser sends along with select_across: the ticked rows of the first page.
        shown = Comment.objects.pending().order_by("-created").values_list("pk", flat=True)
        return list(shown[:100])

    def approve(selected):
        data = {
            "action": "approve_selected",
            "index": 0,
            "select_across": 1,
            "_selected_action": selected,
        }
        _expect(client.post(PENDING_CHANGELIST, data), 302, PENDING_CHANGELIST)

    return _time_approval(
        post,
        approve,
        prepare=ticked_rows,
        label="admin POST approve_selected, select_across=1",
        runs=runs,
    )


def _time_approval(post: Post, approve, *, label: str, runs: int, prepare=None) -> BulkFigure:
    timings, queries = [], 0
    for _ in range(runs):
        back_to_pending(post)
        argument = prepare() if prepare else None
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            approve(argument)
            timings.append(time.perf_counter() - started)
        queries = len(captured)
        post.refresh_from_db()
        if post.approved_comment_count != BULK_COMMENTS or post.pending_comment_count:
            raise RuntimeError(f"{label}: the queue was not approved in full")
    if max(timings) > BULK_APPROVAL_LIMIT_S:
        print(f"WARNING: {label} took {max(timings):.2f} s, over {BULK_APPROVAL_LIMIT_S} s")
    return BulkFigure(
        label=label,
        queries=queries,
        runs=runs,
        median_s=statistics.median(timings),
        worst_s=max(timings),
    )
