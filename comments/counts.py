"""The only writer of the posts' stored comment counts and of where their comment pages start
(too costly to work out on a page view): whatever changes comments calls recount() for their posts.

A comment page holds whole threads, at most COMMENTS_PER_PAGE public comments (a longer thread
has a page to itself); the top-level comment opening each page is marked `starts_page`.
"""

from collections.abc import Iterable, Iterator
from itertools import groupby, islice

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from blog import generations
from blog.models import Post
from comments.models import Comment

# Ids per UPDATE of the layout: well under SQLite's limit on a statement's parameters.
CHUNK = 2_000


def _per_post(comments: QuerySet) -> Coalesce:
    """SQL: how many of `comments` belong to the post of the enclosing query (0 if none)."""
    counted = (
        comments.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


def live_counts() -> dict[str, Coalesce]:
    """Each stored count as the SQL expression that computes it from the comments table."""
    return {
        "approved_comment_count": _per_post(Comment.objects.in_public_threads()),
        "pending_comment_count": _per_post(Comment.objects.pending()),
    }


def recount(post_ids: Iterable[int | None], *, public_changed: bool = True) -> None:
    """Store the live counts of these posts; unless no public comment changed, lay out their
    comment pages again and purge their pages."""
    post_ids = sorted({pk for pk in post_ids if pk is not None})
    if not post_ids:
        return
    posts = Post.objects.filter(pk__in=post_ids)
    with transaction.atomic(savepoint=False):
        # Locked first, by a statement of its own: under READ COMMITTED an UPDATE counts with the
        # snapshot taken when it starts, even if it then waits for a lock held by another count.
        locked = posts.select_for_update().order_by("pk")
        before = list(locked.values_list("pk", "slug", "approved_comment_count"))
        posts.update(**live_counts())
        if not public_changed:
            return
        lay_out(posts)
        # Their pages and comment feeds are stale; lists of posts only if a count they show
        # changed (a new pending comment changes none).
        scopes = [generations.post_comments(pk) for pk, _, _ in before]
        scopes += [generations.post_page(slug) for _, slug, _ in before]
        approved_before = {pk: approved for pk, _, approved in before}
        if dict(posts.values_list("pk", "approved_comment_count")) != approved_before:
            scopes.append(generations.LISTINGS)
        generations.bump(*scopes)


def drifted_posts() -> QuerySet:
    """Posts whose stored counts differ from a live count, annotated with the live ones."""
    live = live_counts()
    annotated = Post.objects.annotate(**{f"live_{name}": count for name, count in live.items()})
    return annotated.exclude(**{name: F(f"live_{name}") for name in live}).order_by("pk")


def page_starts(rows: Iterable[tuple[int, int, int | None]]) -> Iterator[tuple[int, int]]:
    """(post, id) of each top-level comment that starts a page, from (post, id, parent) of
    approved comments ordered by post, then oldest first."""
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
    """(post, id) of these posts' comments marked as starting a page wrongly, and not marked."""
    comments = Comment.objects.using(posts.db)
    post_ids = posts.order_by().values("pk")
    approved = comments.approved().filter(post__in=post_ids).order_by("post", "created", "pk")
    rows = approved.values_list("post", "pk", "parent").iterator(chunk_size=20_000)
    starts = set(page_starts(rows))
    before = set(comments.filter(post__in=post_ids, starts_page=True).values_list("post", "pk"))
    return before - starts, starts - before


def lay_out(posts: QuerySet) -> set[int]:
    """Mark (and unmark) the comments starting these posts' pages; returns the posts changed."""
    unmark, mark = out_of_date(posts)
    comments = Comment.objects.using(posts.db)
    starts = {pk for _, pk in mark}
    ids = iter(sorted(pk for _, pk in unmark | mark))
    while chunk := list(islice(ids, CHUNK)):
        comments.filter(pk__in=chunk).update(
            starts_page=Case(When(pk__in=starts.intersection(chunk), then=True), default=False)
        )
    return {post_id for post_id, _ in unmark | mark}
