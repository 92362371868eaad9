"""Paginators for large tables: deep pages without walking whole rows, estimated counts."""

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property

from blog import generations
from blog.models import Post

ESTIMATE_ABOVE = 10_000  # below this the planner's guess is worse than an exact, cheap count


class DeferredJoinPaginator(Paginator):
    """A page as `WHERE pk IN (the page's ids)`: a deep OFFSET on the ids alone walks a covering
    index (post_public_idx), and only the page's rows are read in full."""

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.count = count  # known already (published_count()): no COUNT(*)

    def _get_page(self, page_slice, *args, **kwargs):
        ids = page_slice.values("pk")
        return super()._get_page(self.object_list.filter(pk__in=ids), *args, **kwargs)


class EstimatedCountPaginator(Paginator):
    """The admin's: on PostgreSQL a large list's count is the planner's estimate (no table walk)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if connections[queryset.db].vendor == "postgresql":
            estimate = planner_estimate(queryset)
            if estimate > ESTIMATE_ABOVE:
                return estimate
        return queryset.count()


def planner_estimate(queryset) -> int:
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (say, an id past 64 bits): no query
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]  # the driver decodes the json column
    return int(plan[0]["Plan"]["Plan Rows"])


PUBLISHED_COUNT_MAX_AGE = 300


def _public_count(posts, key: str) -> int:
    """How many of `posts` are public, cached under the POSTS generation until the next of them
    is due to go live: counting them on every list page costs more than the page."""
    [generation] = generations.current([generations.POSTS])
    key = f"{key}:{generation}"
    figures = cache.get(key)
    if figures is None or (figures["next"] is not None and figures["next"] <= timezone.now()):
        figures = posts.publication_figures()
        cache.set(key, figures, PUBLISHED_COUNT_MAX_AGE)
    return figures["count"]


def published_count() -> int:
    return _public_count(Post.objects.posts(), "blog:published-count")


def tag_count(tag) -> int:
    return _public_count(Post.objects.posts().filter(tags=tag), f"blog:tag-count:{tag.pk}")


# A tag page reads about (published / tag's posts) x (page end) entries going down the public
# index, or all the tag's posts from them: the first is cheaper once tag's posts squared exceed
# published x this (the end of the tenth page).
COMMON_TAG_PAGE_END = 100


def tag_is_common(tag) -> bool:
    """Whether to go down the public index, not from the tag's rows (PostQuerySet.with_tag)."""
    count = tag_count(tag)
    return count * count >= published_count() * COMMON_TAG_PAGE_END
