"""The fragment cache: parts of a page that are the same for every reader, kept as HTML.

Each fragment's key holds the generations of what it is built from (blog.generations), like the
page cache's keys (core.middleware), so any change that would show in it makes it unreachable at
once, on every app server sharing the cache. It is what a post page costs when the page cache
cannot serve it: a visitor with a session, a page for another comment page or reply target, a
page cache turned off (PAGE_CACHE_SECONDS=0), or a page the page cache has not stored yet.

A fragment never holds anything of one visitor (no form, no message, no pending comment) and
never outlives the moment it would change by itself (`expires`: a scheduled post going live, a
post closing to comments by age). FRAGMENT_CACHE_SECONDS (0: off) bounds how long one is kept.
"""

import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from functools import cache as memoize
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from blog import generations


@memoize
def rendering_version() -> str:
    """A digest of the templates and the static manifest: a deploy that changes how pages look
    does not serve pages or fragments cached by the previous release."""
    digest = hashlib.md5(usedforsecurity=False)
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    roots += [Path(app.path) / "templates" for app in apps.get_app_configs()]
    roots.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    for root in roots:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path).encode() + path.read_bytes())
    for name in ("SITE_NAME", "SITE_URL", "STATIC_URL", "MEDIA_URL"):
        digest.update(str(getattr(settings, name, "")).encode())
    return digest.hexdigest()[:12]


def key(name: str, identity, scopes: list[str]) -> str:
    """The fragment's key now: its name, what it shows (`identity`) and its scopes' generations."""
    stamp = ".".join(str(number) for number in generations.current(scopes))
    return f"fragment:{name}:{rendering_version()}:{identity}:{stamp}"


def cached(
    fragment_key: str,
    build: Callable[[], tuple[object, datetime | None]],
    *,
    seconds: int | None = None,
):
    """The value kept under `fragment_key`, or `build()`'s, kept for next time.

    `build` returns the value and when it stops being true by itself (or None): it is never
    served after that moment, and not kept at all if that moment has passed. Kept at most
    `seconds` (default FRAGMENT_CACHE_SECONDS; 0: not kept).
    """
    seconds = settings.FRAGMENT_CACHE_SECONDS if seconds is None else seconds
    if seconds > 0:
        entry = cache.get(fragment_key)
        if entry is not None and (entry[1] is None or time.time() < entry[1]):
            return entry[0]
    value, expires = build()
    if value is None:  # nothing to keep (an unknown address: anyone can type more of those)
        return None
    deadline = time.time() + seconds
    if expires is not None:
        deadline = min(deadline, expires.timestamp())
    timeout = int(deadline - time.time())
    if seconds > 0 and timeout > 0:
        cache.set(fragment_key, (value, expires.timestamp() if expires else None), timeout)
    return value


RELATED_POSTS = 3
# What the post page never shows, kept out of the cache: the author's private columns, and the
# post's Markdown source and search document (its page shows body_html).
UNSHOWN_COLUMNS = [
    "body",
    "search_vector",
    "author__password",
    "author__email",
    "author__last_login",
]


def published_post(slug: str):
    """The published post at this slug with its author (a Post), or None.

    Kept under POSTS (any post written, published or unpublished) and the post's comment scope
    (its stored comment counts change with its comments: comments.counts). A post only ever
    becomes public by itself (its time comes), so an answer found stays true; an address with
    no public post is looked up again each time.
    """
    from blog.models import Post

    def build():
        public = Post.objects.published().select_related("author").defer(*UNSHOWN_COLUMNS)
        return public.filter(slug=slug).first(), None

    scopes = [generations.POSTS, generations.post_page(slug)]
    return cached(key("post-row", slug, scopes), build)


def post_parts(post) -> dict[str, SafeString]:
    """A published post's page parts that are the same for every reader: its <head> metadata,
    canonical link and comment feed link, and its article with the previous/next and related
    posts' links.

    Built from every post (the neighbours' and related posts' titles), so kept under POSTS; and
    only until the next scheduled post goes live, which may become a neighbour or related post.
    The post must be loaded with its author (select_related); its tags are loaded here, only
    when the parts are built.
    """

    def build():
        from blog.models import Post
        from blog.site import site_name

        prefetch_related_objects([post], "tags")
        public = Post.objects.published()
        neighbours = public.only("title", "slug", "kind", "publish_at")
        context = {
            "post": post,
            "is_preview": False,
            "SITE_NAME": site_name(),
            "previous_post": neighbours.before(post).first(),
            "next_post": neighbours.after(post).first(),
            "related_posts": list(public.for_listing().related_to(post)[:RELATED_POSTS]),
        }
        parts = {
            "head": render_to_string("blog/_post_head.html", context),
            "links": render_to_string("blog/_post_links.html", context),
            "feeds": render_to_string("blog/_post_feeds.html", context),
            "article": render_to_string("blog/_post_article.html", context),
        }
        [posts_generation] = generations.current([generations.POSTS])
        return parts, generations.next_publication(posts_generation)

    parts = cached(key("post", post.pk, [generations.POSTS]), build)
    return {name: SafeString(html) for name, html in parts.items()}
