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

The caches in front of the app (Varnish, Cloudflare, Fastly) know pages by the same scopes, as
surrogate_keys() names them: `posts`, `listings`, `comment-rules`, `post-page-<slug>`,
`post-comments-<post id>`. A cacheable answer lists them in `Surrogate-Key` (Fastly, and Varnish's
xkey vmod: deploy/varnish.vcl) and `Cache-Tag` (Cloudflare) (core.middleware). A bump that commits
has every cache in settings.FRONT_CACHES purge its keys, from a background task
(blog.tasks.purge_front_caches: purge_now). A cache that is down or refuses is logged and the
write stands: its copies then live out their s-maxage (HTTP_CACHE_SECONDS) and
stale-while-revalidate.
"""

import functools
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

POSTS = "posts"
LISTINGS = "listings"
COMMENT_RULES = "comment-rules"
KEY_PREFIX = "generation:"
# How far back the list of upcoming publications reaches, so that an app server whose clock is
# a little behind the one that built the list still finds its next boundary in it.
CLOCK_SKEW_SECONDS = 300
UPCOMING_LIMIT = 50
UPCOMING_KEY = "generation-upcoming"
# What one purge request may carry: Varnish's default limit on a request header is 8 KB (a key is
# at most "post-page-" and a 200-character slug); Cloudflare takes 30 tags a call on every plan,
# Fastly 256 keys.
VARNISH_KEYS_PER_CALL = 32
CLOUDFLARE_TAGS_PER_CALL = 30
FASTLY_KEYS_PER_CALL = 256


def post_comments(pk: int) -> str:
    """The scope of one post's comments, for what is addressed by the post's id (its feed)."""
    return f"post-comments:{pk}"


def post_page(slug: str) -> str:
    """The scope of one post's comments, for what is addressed by the post's slug (its page)."""
    return f"post-page:{slug}"


def surrogate_keys(scopes) -> list[str]:
    """What the caches in front call these scopes (the Surrogate-Key and Cache-Tag headers):
    each scope's name with ":" written "-", once each, in order."""
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
    then have the front caches purge them (purge).

    The second bump is the one that matters: a reader who sees it also sees the new rows. The
    first keeps pages consistent within the writer's own transaction (and in tests, which never
    commit); a page another server built meanwhile from the old rows is stored under the middle
    generation, which nobody reads once the transaction has committed. The front caches are
    told only after the second bump, so what they fetch again is the new page.
    """
    _bump_now(scopes)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        purge(surrogate_keys(scopes))
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
            purge(surrogate_keys(scopes))


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
        Post.objects.posts()
        .filter(status=Post.Status.PUBLISHED, publish_at__gt=since)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)[:UPCOMING_LIMIT]
    )
    cache.set(UPCOMING_KEY, (posts_generation, times, len(times) < UPCOMING_LIMIT), timeout=None)
    upcoming = [moment for moment in times if moment > now]
    return upcoming[0] if upcoming else None


def purge(keys: list[str]) -> None:
    """Queue the purge of these keys from the configured front caches. Called once the write
    has committed; never raises, so a queue that fails cannot turn the write into a 500."""
    if not settings.FRONT_CACHES:
        return
    from blog.tasks import purge_front_caches

    try:
        purge_front_caches.enqueue(keys=keys)
    except Exception:
        logger.exception("Could not queue the purge of %s from the front caches", keys)


def purge_now(names: list[str]) -> list[str]:
    """Send the purge of these keys to each configured front cache; returns the caches that
    failed (each failure logged)."""
    failed = []
    for cache_name in settings.FRONT_CACHES:
        try:
            BACKENDS[cache_name](names)
        except Exception:
            logger.exception("Could not purge %s from the front cache %s", names, cache_name)
            failed.append(cache_name)
    return failed


def purge_varnish(names: list[str]) -> None:
    """An xkey purge: `PURGE /` with the keys, space-separated, in an `xkey` header, to every
    Varnish in VARNISH_URLS (deploy/varnish.vcl answers it from allowed addresses only)."""
    for batch in _batches(names, VARNISH_KEYS_PER_CALL):
        for url in settings.VARNISH_URLS:
            _send(Request(url.rstrip("/") + "/", method="PURGE", headers={"xkey": " ".join(batch)}))


def purge_cloudflare(names: list[str]) -> None:
    """Cloudflare's purge by cache tag: POST /zones/<zone>/purge_cache {"tags": [...]}."""
    url = f"{settings.CLOUDFLARE_API_URL}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    headers = {"Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}"}
    for batch in _batches(names, CLOUDFLARE_TAGS_PER_CALL):
        answer = _send_json(url, {"tags": batch}, headers)
        if not answer.get("success"):
            raise PurgeRefused(f"Cloudflare answered {answer.get('errors')}")


def purge_fastly(names: list[str]) -> None:
    """Fastly's batch purge by surrogate key: POST /service/<id>/purge {"surrogate_keys": [...]}."""
    url = f"{settings.FASTLY_API_URL}/service/{settings.FASTLY_SERVICE_ID}/purge"
    headers = {"Fastly-Key": settings.FASTLY_API_TOKEN}
    for batch in _batches(names, FASTLY_KEYS_PER_CALL):
        _send_json(url, {"surrogate_keys": batch}, headers)


BACKENDS: dict[str, Callable[[list[str]], None]] = {
    "varnish": purge_varnish,
    "cloudflare": purge_cloudflare,
    "fastly": purge_fastly,
}


class PurgeRefused(Exception):
    """A front cache's API answered, but did not purge."""


def _send(request: Request) -> bytes:
    # Only configured URLs are requested (settings), never one from a visitor.
    with urlopen(request, timeout=settings.FRONT_CACHE_TIMEOUT) as answer:  # noqa: S310
        return answer.read()


def _send_json(url: str, body: dict, headers: dict) -> dict:
    """POST `body` as JSON; the JSON answer (urllib raises HTTPError for a 4xx or 5xx)."""
    request = Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
    )
    return json.loads(_send(request) or b"{}")


def _batches(names: list[str], size: int) -> list[list[str]]:
    return [names[start : start + size] for start in range(0, len(names), size)]
