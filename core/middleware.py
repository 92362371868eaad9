"""What wraps every request: the checks and headers every answer gets, and the page cache.

The page cache serves anonymous reads of public pages, with headers letting proxies keep them too.
Its keys hold the generations of what a page is built from (blog.generations); an entry never
outlives the next scheduled publication nor the view's `response.page_cache_expires`. Readers
without cookies all get the same bytes (no CSRF token), so these pages are `public`; a session or
messages cookie bypasses the cache for HTML (`private`). Stored: 200 answers only, and none
that is `private` or `no-store` or sets a cookie.
"""

import hashlib
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

from diskcache import DjangoCache
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import parse_http_date_safe
from modern_csrf.middleware import ModernCsrfViewMiddleware

from blog import generations
from blog.fragments import rendering_version


class NulCharacterInRequest(SuspiciousOperation):
    """A NUL character in the URL: no page here has one, and PostgreSQL rejects it in a query."""


class RejectNulCharactersMiddleware(MiddlewareMixin):
    """400 for a NUL ("%00") in the path or query, before any view or middleware queries with
    it: PostgreSQL refuses NUL in text, so it would be a 500."""

    def process_request(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key + "".join(values) for key, values in request.GET.lists()
        ):
            raise NulCharacterInRequest("NUL character in the request URL")


class CrossOriginProtectionMiddleware(ModernCsrfViewMiddleware):
    """Refuse cross-origin POSTs by Fetch Metadata (Sec-Fetch-Site, else Origin), no token:
    django-modern-csrf. Accepting leaves `csrf_processing_done` unset, so csrf_protect (the admin)
    still checks its token. Behind a TLS proxy set TRUST_X_FORWARDED_PROTO, or `Origin` checks
    (against `https://host` only if request.is_secure()) fail."""

    def _accept(self, request):
        return None


class PrivateWhenMessagesShownMiddleware(MiddlewareMixin):
    """`private, no-store` for a page that showed a flash message: the message is one visitor's."""

    def process_response(self, request, response):
        # The message storage marks itself used once a template has iterated over messages.
        if getattr(getattr(request, "_messages", None), "used", False):
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response


class PermissionsPolicyMiddleware:
    """Turn off browser features no page uses (settings.PERMISSIONS_POLICY), so a script that got
    in, or a page framing ours, cannot reach the camera, location or payment APIs."""

    def __init__(self, get_response):
        self.get_response = get_response
        # {"camera": [], "fullscreen": ["self"]} -> camera=(), fullscreen=(self)
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


LISTS = [generations.POSTS, generations.LISTINGS]


@dataclass(frozen=True)
class Policy:
    """How one route is cached."""

    scopes: object  # view kwargs -> the generation scopes its page is built from
    variants: frozenset = frozenset()  # query parameters (digits) that select another page
    html: bool = True  # a page that may show a visitor's own things (session holders bypass)


def _post_page(kwargs):
    return [generations.POSTS, generations.COMMENT_RULES, generations.post_page(kwargs["slug"])]


LIST_PAGE = Policy(lambda kwargs: LISTS, frozenset({"page"}))
# A page is a post of another kind: its comments (when allowed) are kept as a post's.
POST_PAGE = Policy(_post_page, frozenset({"cpage", "replyto"}))
FEED = Policy(lambda kwargs: [generations.POSTS], html=False)
POLICIES = {
    "blog:index": LIST_PAGE,
    "blog:post_list": LIST_PAGE,
    "blog:tag": LIST_PAGE,
    "blog:archive_month": LIST_PAGE,
    "blog:author": LIST_PAGE,
    "blog:page": POST_PAGE,
    "blog:post_detail": POST_PAGE,
    "blog:feed_rss": FEED,
    "blog:feed_atom": FEED,
    "blog:tag_feed_rss": FEED,
    "blog:tag_feed_atom": FEED,
    "comments:post_feed": Policy(
        lambda kwargs: [generations.POSTS, generations.post_comments(kwargs["post_id"])],
        html=False,
    ),
    "sitemap": FEED,
    "sitemap_section": Policy(FEED.scopes, frozenset({"p"}), html=False),
}
# In every key: a release that changes what an entry holds does not read its predecessor's.
ENTRY_FORMAT = 2
# Headers set per answer (_finish), never kept with a page.
UNSTORED_HEADERS = {
    "cache-control",
    "etag",
    "set-cookie",
    "x-page-cache",
    "surrogate-key",
    "cache-tag",
}
VARIANT_VALUE = re.compile(r"[0-9]{1,6}")


@dataclass
class CacheDecision:
    """What the middleware decided for one request to a cached route."""

    policy: Policy
    personal: bool
    scopes: list
    key: str | None = None  # None: neither read nor stored (personal, or an unknown query)
    generations: list = field(default_factory=list)


class PageCacheMiddleware:
    """Serve and store anonymous pages of the routes in POLICIES, with ETags.

    Right after SecurityMiddleware, it answers a hit before every other middleware and the view:
    a page keeps the headers the inner middleware set (CSP...), and since a hit skips
    CommonMiddleware, the Host is checked here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        decision = self._decide(request)
        if decision is not None and decision.key is not None:
            entry = cache.get(decision.key)
            if entry is not None and time.time() < entry["expires"]:
                headers = entry["headers"]
                response = HttpResponse(entry["content"], status=entry["status"], headers=headers)
                response = self._finish(request, decision, response, entry["etag"], private=False)
                response["X-Page-Cache"] = "hit"
                return response
        response = self.get_response(request)
        if decision is None or response.streaming:
            return response
        # SHA-256: hardware-accelerated on current CPUs, so cheaper than MD5 on a page.
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        # A page its view (or a flash message shown) marks private or no-store is someone's own.
        control = response.get("Cache-Control", "")
        private = decision.personal or "private" in control or "no-store" in control
        if decision.key and response.status_code == 200 and not response.cookies and not private:
            self._store(decision, response, etag)
        return self._finish(request, decision, response, etag, private)

    def _decide(self, request) -> "CacheDecision | None":
        """What to do with this request: None for routes and methods the cache leaves alone."""
        if request.method not in ("GET", "HEAD"):
            return None
        request.get_host()  # DisallowedHost (400) for a Host not in ALLOWED_HOSTS, hit or not
        try:
            match = _resolve(get_resolver(get_urlconf()), request.path_info)
        except Resolver404:
            return None
        policy = POLICIES.get(match.view_name)
        if policy is None:
            return None
        cookies = request.COOKIES
        personal = policy.html and (
            settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies
        )
        decision = CacheDecision(policy, personal, policy.scopes(match.kwargs))
        variant = _variant(request, policy)
        if personal or variant is None or settings.PAGE_CACHE_SECONDS <= 0:
            return decision
        decision.generations = generations.current(decision.scopes)
        page = hashlib.md5(f"{request.path}?{variant}".encode(), usedforsecurity=False)
        stamp = ".".join(map(str, decision.generations))
        decision.key = f"page{ENTRY_FORMAT}:{rendering_version()}:{page.hexdigest()}:{stamp}"
        return decision

    def _store(self, decision, response, etag: str) -> None:
        now = time.time()
        ends = [getattr(response, "page_cache_expires", None)]  # set by the view
        if generations.POSTS in decision.scopes:
            posts = decision.generations[decision.scopes.index(generations.POSTS)]
            ends.append(generations.next_publication(posts))
        deadline = min(
            [now + settings.PAGE_CACHE_SECONDS, *(end.timestamp() for end in ends if end)]
        )
        timeout = int(deadline - now)
        if timeout <= 0:
            return
        headers = [(k, v) for k, v in response.items() if k.lower() not in UNSTORED_HEADERS]
        entry = {
            "content": response.content,
            "status": response.status_code,
            "headers": headers,
            "etag": etag,
            "expires": deadline,
        }
        cache.set(decision.key, entry, timeout=timeout)
        response["X-Page-Cache"] = "miss"

    def _finish(self, request, decision, response, etag: str, private: bool) -> HttpResponse:
        """The caching headers of an answer, and 304 to a matching conditional GET."""
        if response.status_code != 200:
            return response
        if private:
            patch_cache_control(response, private=True, no_cache=True)
            return response
        # What a shared answer is built from, for the caches in front to purge it by
        # (blog.generations): Fastly and Varnish read Surrogate-Key, Cloudflare Cache-Tag.
        keys = generations.surrogate_keys(decision.scopes)
        if keys:
            response["Surrogate-Key"] = " ".join(keys)
            response["Cache-Tag"] = ",".join(keys)
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=settings.HTTP_CACHE_SECONDS,
            stale_while_revalidate=settings.HTTP_STALE_SECONDS,
        )
        if decision.policy.html:
            # Session holders get other pages (their messages, their pending comment).
            patch_vary_headers(response, ["Cookie"])
        response["ETag"] = etag
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        return get_conditional_response(
            request, etag=etag, last_modified=last_modified, response=response
        )


@lru_cache(maxsize=4096)
def _resolve(resolver, path: str):
    """The route of a path, remembered per URLconf; Resolver404 is not remembered, so junk paths
    cannot push out the pages' routes."""
    return resolver.resolve(path)


def _variant(request, policy) -> str | None:
    """The page's query parameters in a fixed order, or None for any other query."""
    chosen = []
    for name in sorted(request.GET):
        value = request.GET.getlist(name)
        if name not in policy.variants or len(value) != 1 or not VARIANT_VALUE.fullmatch(value[0]):
            return None
        chosen.append(f"{name}={int(value[0])}")
    return "&".join(chosen)


class SharedDiskCache(DjangoCache):
    """The cache the processes of one machine share without Redis (SQLite in WAL mode, atomic
    add and incr). Django closes caches after every request, and closing the last connection
    checkpoints the WAL, costlier than a page-cache hit: connections stay open (diskcache
    reopens them itself after a fork)."""

    def close(self, **kwargs):
        pass
