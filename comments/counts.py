"""The only writer of Post.approved_comment_count and Post.pending_comment_count, and of the
posts' comment page layout (comments.layout).

The counts are stored on the post so that the index and the admin need not touch the comments
table. Whatever adds, moderates or deletes comments calls recount() for the posts it touched, as
a step of its own (comments.services, the comment admin, the importer); `manage.py
recount_comments` repairs a count written around them (the shell). "Approved" means what the
post page shows: Comment.objects.in_public_threads().
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from blog import generations
from blog.models import Post
from comments import layout
from comments.models import Comment


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


def recount(
    post_ids: Iterable[int | None], *, public_changed: bool = True, using: str = "default"
) -> None:
    """Store the live counts of these posts: lock their rows, then one UPDATE computed in SQL;
    then lay out their comment pages again (comments.layout, still under the lock) and purge
    their pages, unless the caller knows no public comment changed (`public_changed=False`: a
    comment that was not approved and is not now).

    The lock comes first on purpose. Under PostgreSQL's READ COMMITTED an UPDATE counts with the
    snapshot taken when it starts, even if it then waits for another transaction's row lock; so
    two moderators approving a post's two pending comments at once would each count only their
    own. Taking the row lock in a statement of its own makes the counting statement start after
    the other transaction has committed, and see its comments.
    """
    post_ids = sorted({pk for pk in post_ids if pk is not None})
    if not post_ids:
        return
    posts = Post.objects.using(using).filter(pk__in=post_ids)
    with transaction.atomic(using=using, savepoint=False):
        locked = posts.select_for_update().order_by("pk")
        before = list(locked.values_list("pk", "slug", "approved_comment_count"))
        posts.update(**live_counts())
        if public_changed:
            layout.lay_out(posts)
            _purge_pages(before, using=using)


def _purge_pages(before: list[tuple[int, str, int]], *, using: str) -> None:
    """Cache purge: these posts' comments changed, so their pages and comment feeds are stale;
    lists of posts only if a count they show changed (a new pending comment changes none)."""
    scopes = [generations.post_comments(pk) for pk, _, _ in before]
    scopes += [generations.post_page(slug) for _, slug, _ in before]
    approved_before = {pk: approved for pk, _, approved in before}
    approved_now = Post.objects.using(using).filter(pk__in=approved_before)
    if dict(approved_now.values_list("pk", "approved_comment_count")) != approved_before:
        scopes.append(generations.LISTINGS)
    generations.bump(*scopes, using=using)


def drifted_posts(*, using: str = "default") -> QuerySet:
    """Posts whose stored counts differ from a live count, annotated with the live ones."""
    live = {f"live_{name}": expression for name, expression in live_counts().items()}
    return (
        Post.objects.using(using)
        .annotate(**live)
        .filter(
            ~Q(approved_comment_count=F("live_approved_comment_count"))
            | ~Q(pending_comment_count=F("live_pending_comment_count"))
        )
        .order_by("pk")
    )
