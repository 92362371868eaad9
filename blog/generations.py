"""Cache generations: one number per scope, in the keys of the pages built from it, so a bump
makes them all unreachable at once with no list of keys to delete. The front caches know pages by
the same scopes (surrogate_keys) and purge them once the bump commits (README, Front caches).
"""

import functools
import itertools
import json
import logging
import threading
import time
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
# How far back the list of upcoming publications reaches, for app servers whose clock is behind.
CLOCK_SKEW_SECONDS = 300
UPCOMING_LIMIT = 50
UPCOMING_KEY = "generation-upcoming"
# What one purge request may carry: Varnish's default request header limit is 8 KB (a key has a
# slug of up to 200 characters); Cloudflare takes 30 tags a call, Fastly 256 keys.
VARNISH_KEYS_PER_CALL = 32
CLOUDFLARE_TAGS_PER_CALL = 30
FASTLY_KEYS_PER_CALL = 256


def post_comments(pk: int) -> str:
    """One post's comments, for what is addressed by the post's id (its feed)."""
    return f"post-comments:{pk}"


def post_page(slug: str) -> str:
    """One post's comments, for what is addressed by the post's slug (its page)."""
    return f"post-page:{slug}"


def surrogate_keys(scopes) -> list[str]:
    """What the caches in front call these scopes (Surrogate-Key and Cache-Tag headers)."""
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
    """New generations now, for the writer's own transaction, and again on commit, when readers
    also see the new rows; then a purge, so the front caches fetch the new page."""
    _bump_now(scopes)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        purge(surrogate_keys(scopes))
        return
    transaction.on_commit(_pending(connection, using).add(scopes), using=using)


class _Pending:
    """The scopes bumped in the current transaction, each bump numbered. A bump's commit hook
    does its own and every later bump's, so a transaction of 10,000 saves sends one purge."""

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
    """New generations for every cached page, say after a cache outage, whose missed bumps
    (a post unpublished) must not let pages cached before it come back."""
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
    """The earliest scheduled publish_at still to come, or None (the writer of posts stores it)."""
    now = timezone.now()
    entry = cache.get(UPCOMING_KEY)
    if entry is not None and entry[0] == posts_generation:
        _, times, complete = entry
        upcoming = next((moment for moment in times if moment > now), None)
        if upcoming or complete:
            return upcoming
    return _remember_upcoming(posts_generation, now=now)


def _remember_upcoming(posts_generation: int, *, now=None):
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
    return next((moment for moment in times if moment > now), None)


def purge(keys: list[str]) -> None:
    """Queue the purge of these keys; never raises, so a failed queue cannot make a write a 500."""
    if not settings.FRONT_CACHES:
        return
    from blog.tasks import purge_front_caches

    try:
        purge_front_caches.enqueue(keys=keys)
    except Exception:
        logger.exception("Could not queue the purge of %s from the front caches", keys)


def purge_now(names: list[str]) -> list[str]:
    """Purge these keys from each front cache; returns the caches that failed (each logged)."""
    failed = []
    for cache_name in settings.FRONT_CACHES:
        try:
            BACKENDS[cache_name](names)
        except Exception:
            logger.exception("Could not purge %s from the front cache %s", names, cache_name)
            failed.append(cache_name)
    return failed


def purge_varnish(names: list[str]) -> None:
    """`PURGE /` with an `xkey` header to every Varnish (deploy/varnish.vcl)."""
    for batch in _batches(names, VARNISH_KEYS_PER_CALL):
        for url in settings.VARNISH_URLS:
            _send(Request(url.rstrip("/") + "/", method="PURGE", headers={"xkey": " ".join(batch)}))


def purge_cloudflare(names: list[str]) -> None:
    url = f"{settings.CLOUDFLARE_API_URL}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    headers = {"Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}"}
    for batch in _batches(names, CLOUDFLARE_TAGS_PER_CALL):
        answer = _send_json(url, {"tags": batch}, headers)
        if not answer.get("success"):
            raise PurgeRefused(f"Cloudflare answered {answer.get('errors')}")


def purge_fastly(names: list[str]) -> None:
    url = f"{settings.FASTLY_API_URL}/service/{settings.FASTLY_SERVICE_ID}/purge"
    headers = {"Fastly-Key": settings.FASTLY_API_TOKEN}
    for batch in _batches(names, FASTLY_KEYS_PER_CALL):
        _send_json(url, {"surrogate_keys": batch}, headers)


BACKENDS = {"varnish": purge_varnish, "cloudflare": purge_cloudflare, "fastly": purge_fastly}


class PurgeRefused(Exception):
    """A front cache's API answered, but did not purge."""


def _send(request: Request) -> bytes:
    # Only configured URLs are requested (settings), never one from a visitor.
    with urlopen(request, timeout=settings.FRONT_CACHE_TIMEOUT) as answer:  # noqa: S310
        return answer.read()


def _send_json(url: str, body: dict, headers: dict) -> dict:
    """The JSON answer (urllib raises HTTPError for a 4xx or 5xx)."""
    request = Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
    )
    return json.loads(_send(request) or b"{}")


def _batches(names: list[str], size: int) -> list[list[str]]:
    return [names[start : start + size] for start in range(0, len(names), size)]
