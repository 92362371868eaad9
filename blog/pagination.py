"""Paginators for large tables: deep pages without walking whole rows, counts without COUNT(*)
over a million rows where an estimate will do."""

import json

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property

ESTIMATE_ABOVE = 10_000  # below this the planner's guess is worse than an exact, cheap count


class DeferredJoinPaginator(Paginator):
    """Loads a page as `WHERE pk IN (the page's ids, sliced from an index)`, in one query.

    OFFSET 50,000 on full rows reads 50,000 rows; on the ids alone it walks a covering index
    (Post's post_public_idx) and only the page's ten rows are read in full.
    """

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.count = count  # known already (published_count()): no COUNT(*)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        ids = queryset.values("pk")[bottom:top]
        return self._get_page(queryset.filter(pk__in=ids), number, self)


class EstimatedCountPaginator(Paginator):
    """The admin's paginator: on PostgreSQL, a large list's count is the planner's estimate
    (an EXPLAIN, no table walk); small lists and other databases count exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if connections[queryset.db].vendor == "postgresql":
            estimate = planner_estimate(queryset)
            if estimate > ESTIMATE_ABOVE:
                return estimate
        return queryset.count()


def planner_estimate(queryset) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (its ANALYZE statistics)."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (say, an id past 64 bits): no query
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


PUBLISHED_COUNT_MAX_AGE = 300


def _public_count(posts, key: str) -> int:
    """How many of `posts` are public, cached: counting them on every list page costs more than
    the page. The key holds the POSTS generation, which every post save or delete and every tag
    change bumps, so the figure is exact; it is recomputed when the next scheduled post among
    them goes live, or after five minutes."""
    from blog import generations

    [generation] = generations.current([generations.POSTS])
    key = f"{key}:{generation}"
    figures = cache.get(key)
    if figures is None or (figures["next"] is not None and figures["next"] <= timezone.now()):
        figures = posts.publication_figures()
        cache.set(key, figures, PUBLISHED_COUNT_MAX_AGE)
    return figures["count"]


def published_count() -> int:
    """How many posts are public (cached, see _public_count)."""
    from blog.models import Post

    return _public_count(Post.objects.posts(), "blog:published-count")


def tag_count(tag) -> int:
    """How many public posts carry `tag` (cached, see _public_count)."""
    from blog.models import Post

    return _public_count(Post.objects.posts().filter(tags=tag), f"blog:tag-count:{tag.pk}")


# A tag page reads about (published / tag's posts) x (page end) index entries going down the
# public index, or all the tag's posts starting from them: the first is cheaper once
# tag's posts squared exceed published x this (page end of the first ten pages).
COMMON_TAG_PAGE_END = 100


def tag_is_common(tag) -> bool:
    """Whether a page of `tag`'s posts is found faster going down the public index than from
    the tag's own rows (PostQuerySet.with_tag): from the two cached counts, no query."""
    count = tag_count(tag)
    return count * count >= published_count() * COMMON_TAG_PAGE_END
