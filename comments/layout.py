"""Where each post's comment pages start, stored so that a reader's page reads only its rows.

A comment page holds whole threads, oldest first, at most settings.COMMENTS_PER_PAGE public
comments counting replies (a longer thread has a page to itself). Laying the pages out needs
the id and parent of every approved comment of the post; a post with 20,000 comments would
read them on every page view. So the layout is worked out when comments change instead: the
top-level comment that opens each page is marked `starts_page`, and a page is the top-level
comments from its start to the next one (comments.threads).

comments.counts.recount() lays out the posts it recounts, so every writer of comments that
recounts keeps the layout too; `manage.py recount_comments` lays out every post again (after
COMMENTS_PER_PAGE or COMMENT_MAX_DEPTH changes, or rows written around the recount).
"""

from collections.abc import Iterable, Iterator
from itertools import groupby, islice

from django.conf import settings
from django.db.models import Case, QuerySet, When

from comments.models import Comment

# Ids per UPDATE: well under SQLite's limit on a statement's parameters.
CHUNK = 2_000


def page_starts(rows: Iterable[tuple[int, int, int | None]]) -> Iterator[tuple[int, int]]:
    """(post, id) of each top-level comment that starts a page, from (post, id, parent) of the
    approved comments of one or more posts, ordered by post, then oldest first."""
    max_depth, per_page = settings.COMMENT_MAX_DEPTH, settings.COMMENTS_PER_PAGE
    for post_id, comments in groupby(rows, key=lambda row: row[0]):
        root_of, depth_of, sizes = {}, {}, {}
        for _, pk, parent_id in comments:
            if parent_id is None:
                root_of[pk], depth_of[pk], sizes[pk] = pk, 0, 1
            elif parent_id in root_of and depth_of[parent_id] < max_depth:
                # Replies under a hidden comment, or nested past MAX_DEPTH, are not shown.
                root_of[pk], depth_of[pk] = root_of[parent_id], depth_of[parent_id] + 1
                sizes[root_of[pk]] += 1
        filled = per_page
        for top_level_id, size in sizes.items():
            if filled + size > per_page:
                yield post_id, top_level_id
                filled = 0
            filled += size


def out_of_date(posts: QuerySet) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(post, id) of the comments of these posts marked as starting a page that no longer do,
    and of those that do but are not marked. One read of the posts' approved comments (from
    comment_post_status_idx alone), one of the marks."""
    comments = Comment.objects.using(posts.db)
    post_ids = posts.order_by().values("pk")
    approved = comments.approved().filter(post__in=post_ids).order_by("post", "created", "pk")
    rows = approved.values_list("post", "pk", "parent").iterator(chunk_size=20_000)
    starts = set(page_starts(rows))
    marked = comments.filter(post__in=post_ids, starts_page=True)
    before = set(marked.values_list("post", "pk"))
    return before - starts, starts - before


def lay_out(posts: QuerySet) -> set[int]:
    """Mark the comments that start each of these posts' comment pages, and unmark the ones
    that no longer do; returns the ids of the posts whose layout changed.

    Three statements (one UPDATE more per CHUNK comments changed): the two reads of
    out_of_date() and one UPDATE.
    """
    unmark, mark = out_of_date(posts)
    comments = Comment.objects.using(posts.db)
    starts = {pk for _, pk in mark}
    ids = iter(sorted(pk for _, pk in unmark | mark))
    while chunk := list(islice(ids, CHUNK)):
        comments.filter(pk__in=chunk).update(
            starts_page=Case(When(pk__in=starts.intersection(chunk), then=True), default=False)
        )
    return {post_id for post_id, _ in unmark | mark}
