"""Cache generations: one number per scope, changed whenever what the scope covers changes.

A cached page's key holds the generations of the scopes it was built from, so bumping a scope
makes every page built from it unreachable at once, on every app server sharing the cache
(Redis in production), with no list of keys to delete. Bumps happen after the transaction
commits: a reader who sees the new number also sees the new rows.

Scopes (each named by a function or constant here, so the writers and the readers agree):
- POSTS: any post's content, tags, author name or publication (lists, feeds, sitemap, every
  post page: previous/next and related posts show other posts' titles), and the site's
  settings and pages (every page's header and footer: blog.site);
- LISTINGS: the comment counts shown on lists of posts;
- COMMENT_RULES: the moderation settings (whether comments are closed);
- post_comments(pk), post_page(slug): one post's comments (its page and its comment feed).

The caches in front of the app (Varnish, a CDN) know pages by the same scopes, as
surrogate_keys() names them: a bump that commits purges them there too (blog.frontcache).
"""

import functools
import itertools
import threading
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from blog import frontcache

POSTS = "posts"
LISTINGS = "listings"
COMMENT_RULES = "comment-rules"
KEY_PREFIX = "generation:"
# How far back the list of upcoming publications reaches, so that an app server whose clock is
# a little behind the one that built the list still finds its next boundary in it.
CLOCK_SKEW_SECONDS = 300
UPCOMING_LIMIT = 50
UPCOMING_KEY = "generation-upcoming"


def post_comments(pk: int) -> str:
    """The scope of one post's comments, for what is addressed by the post's id (its feed)."""
    return f"post-comments:{pk}"


def post_page(slug: str) -> str:
    """The scope of one post's comments, for what is addressed by the post's slug (its page)."""
    return f"post-page:{slug}"


def surrogate_keys(scopes) -> list[str]:
    """What the caches in front call these scopes (blog.frontcache; the Surrogate-Key and
    Cache-Tag headers): each scope's name with ":" written "-", once each, in order."""
    return list(dict.fromkeys(scope.replace(":", "-") for scope in scopes))


def current(scopes: list[str]) -> list[int]:
    """The current generation of each scope, in one cache round trip (made if missing)."""
    keys = [KEY_PREFIX + scope for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # A start value no earlier generation of this scope can have had, so that a scope
            # whose number was evicted never reuses an old number (and revives old pages).
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return [found[key] for key in keys]


def bump(*scopes: str, using: str = "default") -> None:
    """Give these scopes new generations now and again once the current transaction commits,
    then have the front caches purge them (blog.frontcache).

    The second bump is the one that matters: a reader who sees it also sees the new rows. The
    first keeps pages consistent within the writer's own transaction (and in tests, which never
    commit); a page another server built meanwhile from the old rows is stored under the middle
    generation, which nobody reads once the transaction has committed. The front caches are
    told only after the second bump, so what they fetch again is the new page.
    """
    _bump_now(scopes)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        frontcache.purge(surrogate_keys(scopes))
        return
    transaction.on_commit(_pending(connection, using).add(scopes), using=using)


class _Pending:
    """The scopes bumped in the current transaction, each bump numbered, not yet bumped again.

    Each bump registers a commit hook for its number; the hook bumps and purges the scopes of
    its bump and of every later one. On commit the first hook therefore does it for the whole
    transaction and the others find nothing left: an import that saves 10,000 posts sends the
    front caches one purge. (A test that runs the hooks of its last few writes only, with
    captureOnCommitCallbacks, gets exactly those writes' bumps.)
    """

    def __init__(self, hooks):
        self.hooks = hooks
        self.bumps = []  # (number, scopes), in the order bumped
        self.numbers = itertools.count()

    def add(self, scopes):
        number = next(self.numbers)
        self.bumps.append((number, scopes))
        return functools.partial(self.commit, number)

    def commit(self, number: int) -> None:
        due = [scopes for bump, scopes in self.bumps if bump >= number]
        if due:
            self.bumps = [(bump, scopes) for bump, scopes in self.bumps if bump < number]
            scopes = list(dict.fromkeys(itertools.chain.from_iterable(due)))
            _bump_now(scopes)
            frontcache.purge(surrogate_keys(scopes))


_transactions = threading.local()  # per thread, as Django's connections are


def _pending(connection, using: str) -> _Pending:
    pending = getattr(_transactions, using, None)
    # Django starts a new list of commit hooks whenever a transaction or a savepoint ends: start
    # afresh then, so that what rolled back is not kept (its hooks will never run).
    if pending is None or pending.hooks is not connection.run_on_commit:
        pending = _Pending(connection.run_on_commit)
        setattr(_transactions, using, pending)
    return pending


def bump_everything() -> None:
    """New generations for every cached page: every page's key holds POSTS.

    Called when the shared cache answers again after an outage (settings.CACHES "ON_RECOVERY"):
    bumps missed while it was down (a comment rejected, a post unpublished) must not let the
    pages cached before the outage come back.
    """
    _bump_now([POSTS, LISTINGS, COMMENT_RULES])


def _bump_now(scopes) -> None:
    for scope in scopes:
        key = KEY_PREFIX + scope
        try:
            generation = cache.incr(key)
        except ValueError:  # not there (never read, or evicted): any fresh number will do
            generation = time.time_ns()
            cache.set(key, generation, timeout=None)
        if scope == POSTS:
            # Worked out once by the writer, so that readers need not query it.
            _remember_upcoming(generation)


def next_publication(posts_generation: int):
    """When the published set next changes by itself: the earliest scheduled publish_at still
    to come (a datetime), or None. Read from the cache (the writer of posts stores it)."""
    now = timezone.now()
    entry = cache.get(UPCOMING_KEY)
    if entry is not None and entry[0] == posts_generation:
        _, times, complete = entry
        upcoming = [moment for moment in times if moment > now]
        if upcoming or complete:
            return upcoming[0] if upcoming else None
    return _remember_upcoming(posts_generation, now=now)


def _remember_upcoming(posts_generation: int, *, now=None):
    """Store the scheduled publications still to come for this generation of posts; return the
    next one after `now`."""
    from blog.models import Post

    now = now or timezone.now()
    since = now - timedelta(seconds=CLOCK_SKEW_SECONDS)
    times = list(
        Post.objects.filter(status=Post.Status.PUBLISHED, publish_at__gt=since)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)[:UPCOMING_LIMIT]
    )
    cache.set(UPCOMING_KEY, (posts_generation, times, len(times) < UPCOMING_LIMIT), timeout=None)
    upcoming = [moment for moment in times if moment > now]
    return upcoming[0] if upcoming else None
