"""What wraps every request: the checks and headers every answer gets, and the page cache.

The page cache: anonymous reads of public pages served from the Django cache, and the HTTP
caching headers that let a proxy (nginx, a CDN) and browsers keep them too.

Keys hold the generations of what each page is built from (blog.generations): publishing,
editing or deleting a post, or moderating a comment, bumps exactly the scopes it affects, and
the next request anywhere builds the page afresh. An entry also never outlives the next
scheduled publication, nor the moment its view says it stops being right by itself
(`response.page_cache_expires`: a post closing to comments, its form's stamp getting old).

A reader without cookies gets the same bytes as every other: the post page's form carries no
token and a stamp that is the post's (comments.forms), so every page here is `public`, with
`s-maxage` for shared caches. What is one visitor's own never lands in a cache: requests that
carry a session or messages cookie (logged in, or a commenter whose own pending comment shows)
neither read nor store HTML pages and get `private` answers, and an answer its view marks
`private` (or that sets a cookie) is not stored. Every answer here has an ETag (a hash of its
bytes) and honours If-None-Match.
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
from django.utils.http import parse_http_date_safe
from modern_csrf.middleware import ModernCsrfViewMiddleware

from blog import generations
from blog.fragments import rendering_version


class NulCharacterInRequest(SuspiciousOperation):
    """A NUL character in the URL: no page here has one, and PostgreSQL rejects it in a query."""


class RejectNulCharactersMiddleware:
    """Answer 400 to any request whose path or query string holds a NUL character ("%00").

    PostgreSQL refuses NUL in text, so such a value reaching a lookup (a preview token, an admin
    filter, a search) would be a 500. Forms already refuse NUL in fields; this covers the URL,
    before any view or middleware queries with it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if (
            "\x00" in request.path_info
            or any("\x00" in key for key in query)
            or any("\x00" in value for values in query.lists() for value in values[1])
        ):
            raise NulCharacterInRequest("NUL character in the request URL")
        return self.get_response(request)


class CrossOriginProtectionMiddleware(ModernCsrfViewMiddleware):
    """Refuse cross-origin POSTs (403) without a token: django-modern-csrf, the algorithm of Go's
    CrossOriginProtection. `Sec-Fetch-Site: same-origin` or `none` passes; `cross-site` or
    `same-site` passes only from our own or a CSRF_TRUSTED_ORIGINS origin; without the header, an
    `Origin` must match; a request with neither header passes (no browser since 2020 sends a
    POST without one of them, and a forgery needs a victim's browser).

    So public pages carry no token and set no cookie. Django's token check stays where its own
    decorators put it (csrf_protect: the admin, its login): the package marks every request it
    lets through as checked (`request.csrf_processing_done`), which would make csrf_protect skip
    that check, so accepting here leaves the mark unset.

    The origin compared is `https://host` only if request.is_secure(): behind a TLS proxy, set
    TRUST_X_FORWARDED_PROTO (SECURE_PROXY_SSL_HEADER), or browsers that send `Origin` without
    `Sec-Fetch-Site` are refused.
    """

    def _accept(self, request):
        return None


class PrivateWhenMessagesShownMiddleware:
    """Send a page that showed a flash message `private, no-store`: the message ("awaiting
    moderation") is one visitor's. Pages of the page cache are private for such a visitor
    anyway (they carry a messages or session cookie); this covers every other page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The message storage marks itself used once a template has iterated over messages.
        if getattr(getattr(request, "_messages", None), "used", False):
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Send a Permissions-Policy header turning off browser features no page here uses.

    A script that somehow got in (or a page framing ours) then cannot reach the camera,
    microphone, location or payment APIs. The policy is settings.PERMISSIONS_POLICY.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

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


def _lists(kwargs):
    return LISTS


def _posts(kwargs):
    return [generations.POSTS]


def _post_page(kwargs):
    return [generations.POSTS, generations.COMMENT_RULES, generations.post_page(kwargs["slug"])]


def _post_comments_feed(kwargs):
    return [generations.POSTS, generations.post_comments(kwargs["post_id"])]


LIST_PAGE = Policy(_lists, frozenset({"page"}))
FEED = Policy(_posts, html=False)
POLICIES = {
    "blog:index": LIST_PAGE,
    "blog:post_list": LIST_PAGE,
    "blog:tag": LIST_PAGE,
    "blog:archive_month": LIST_PAGE,
    "blog:author": LIST_PAGE,
    # A page is a post of another kind: its comments (when allowed) are kept as a post's.
    "blog:page": Policy(_post_page, frozenset({"cpage", "replyto"})),
    "blog:post_detail": Policy(_post_page, frozenset({"cpage", "replyto"})),
    "blog:feed_rss": FEED,
    "blog:feed_atom": FEED,
    "blog:tag_feed_rss": FEED,
    "blog:tag_feed_atom": FEED,
    "comments:post_feed": Policy(_post_comments_feed, html=False),
    "sitemap": FEED,
    "sitemap_section": Policy(_posts, frozenset({"p"}), html=False),
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
    key: str | None = None  # None: neither read nor stored (personal, or an unknown query)
    scopes: list = field(default_factory=list)
    generations: list = field(default_factory=list)


class PageCacheMiddleware:
    """Serve and store anonymous pages of the routes in POLICIES; see the module docstring.

    It sits right after SecurityMiddleware (so HTTPS redirects and HSTS still come first) and
    answers a hit before every other middleware and the view: a hit costs less than any page
    built. A page is stored with the headers the middleware inside it set on the way out (CSP,
    Permissions-Policy, X-Frame-Options...), which are the same for every reader of it; the
    Host is checked here as CommonMiddleware would. Session holders never get a cache key.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        decision = self._decide(request)
        if decision is not None and decision.key is not None:
            entry = cache.get(decision.key)
            if entry is not None and (entry["expires"] is None or time.time() < entry["expires"]):
                return self._from_entry(request, decision, entry)
        response = self.get_response(request)
        if decision is None or response.streaming:
            return response
        etag = _etag(response.content)
        if decision.key is not None and self._storable(response):
            self._store(decision, response, etag)
        return self._finish(request, decision, response, etag)

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
        decision = CacheDecision(policy=policy, personal=personal)
        decision.scopes = policy.scopes(match.kwargs)
        variant = _variant(request, policy)
        if personal or variant is None or settings.PAGE_CACHE_SECONDS <= 0:
            return decision
        decision.generations = generations.current(decision.scopes)
        page = hashlib.md5(f"{request.path}?{variant}".encode(), usedforsecurity=False)
        stamp = ".".join(str(number) for number in decision.generations)
        decision.key = f"page{ENTRY_FORMAT}:{rendering_version()}:{page.hexdigest()}:{stamp}"
        return decision

    def _from_entry(self, request, decision, entry) -> HttpResponse:
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response = self._finish(request, decision, response, entry["etag"])
        response["X-Page-Cache"] = "hit"
        return response

    def _storable(self, response) -> bool:
        # A page its view (or core.middleware, for a flash message shown) marks private or
        # no-store is someone's own; a cookie set is too.
        control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.cookies
            and "private" not in control
            and "no-store" not in control
        )

    def _store(self, decision, response, etag: str) -> None:
        expires = [time.time() + settings.PAGE_CACHE_SECONDS]
        if generations.POSTS in decision.scopes:
            posts = decision.generations[decision.scopes.index(generations.POSTS)]
            upcoming = generations.next_publication(posts)
            if upcoming is not None:
                expires.append(upcoming.timestamp())
        until = getattr(response, "page_cache_expires", None)  # set by the view
        if until is not None:
            expires.append(until.timestamp())
        deadline = min(expires)
        timeout = int(deadline - time.time())
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

    def _finish(self, request, decision, response, etag: str) -> HttpResponse:
        """The caching headers of an answer, and 304 to a matching conditional GET."""
        if response.status_code != 200:
            return response
        control = response.get("Cache-Control", "")
        if decision.personal or "private" in control or "no-store" in control:
            patch_cache_control(response, private=True, no_cache=True)
            return response
        _name_keys(response, decision.scopes)
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
    """The route of a path, remembered: the same for every request while the URLconf is the
    same (a changed URLconf is another resolver, so another key). Unknown paths raise
    Resolver404 and are not remembered, so junk paths cannot push out the pages' routes."""
    return resolver.resolve(path)


def _name_keys(response, scopes) -> None:
    """Name on a shared answer what it is built from, for the caches in front to purge it by
    (blog.generations): Fastly and Varnish read Surrogate-Key, Cloudflare Cache-Tag."""
    keys = generations.surrogate_keys(scopes)
    if keys:
        response["Surrogate-Key"] = " ".join(keys)
        response["Cache-Tag"] = ",".join(keys)


def _variant(request, policy) -> str | None:
    """The page's query parameters in a fixed order, or None for any other query."""
    chosen = []
    for name in sorted(request.GET):
        value = request.GET.getlist(name)
        if name not in policy.variants or len(value) != 1 or not VARIANT_VALUE.fullmatch(value[0]):
            return None
        chosen.append(f"{name}={int(value[0])}")
    return "&".join(chosen)


def _etag(content: bytes) -> str:
    # SHA-256: hardware-accelerated on current CPUs, so cheaper than MD5 on a page.
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


class SharedDiskCache(DjangoCache):
    """The cache every process on one machine shares when there is no Redis: python-diskcache.

    diskcache keeps the entries in SQLite databases in one directory (WAL mode, so readers never
    wait for a writer), and its add and incr are atomic across processes: what the page cache's
    generations and the comment rate limits need from a shared cache.

    Django closes every cache at the end of each request. diskcache's close() closes its SQLite
    connections, and closing the last connection to a WAL database checkpoints it and removes the
    WAL file, which costs several times a page-cache hit; so this backend keeps its connections open
    for the life of the thread (diskcache opens new ones itself in a forked process).
    """

    def close(self, **kwargs):
        """Keep the connections: see the class docstring."""
