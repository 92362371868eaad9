"""The caches in front of the app (Varnish, Cloudflare, Fastly): the purge of exactly what a
write changed.

A page's keys are the generation scopes it is built from, as blog.generations.surrogate_keys
names them: `posts`, `listings`, `comment-rules`, `post-page-<slug>`, `post-comments-<post id>`.
A cacheable answer lists them in `Surrogate-Key` (Fastly, and Varnish's xkey vmod:
deploy/varnish.vcl) and `Cache-Tag` (Cloudflare) (core.middleware). When a write commits,
blog.generations.bump hands the keys of the scopes it bumped to purge(), which has every cache in
settings.FRONT_CACHES purge them, from a background task (blog.tasks.purge_front_caches). A cache
that is down or refuses is logged and the write stands: its copies then live out their s-maxage
(HTTP_CACHE_SECONDS) and stale-while-revalidate.
"""

import json
import logging
from collections.abc import Callable
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)

# What one purge request may carry: Varnish's default limit on a request header is 8 KB (a key is
# at most "post-page-" and a 200-character slug); Cloudflare takes 30 tags a call on every plan,
# Fastly 256 keys.
VARNISH_KEYS_PER_CALL = 32
CLOUDFLARE_TAGS_PER_CALL = 30
FASTLY_KEYS_PER_CALL = 256


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
