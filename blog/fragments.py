"""Parts of a page the same for every reader, for when the page cache cannot serve it. A part's
key holds its scopes' generations (blog.generations); it never holds anything of one visitor, and
never outlives the moment it would change by itself (a scheduled post going live).
"""

import hashlib
import math
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
    """A digest of the templates and static manifest, so no page cached by a previous release
    of them is served."""
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
    stamp = ".".join(str(number) for number in generations.current(scopes))
    return f"fragment:{name}:{rendering_version()}:{identity}:{stamp}"


def cached(
    fragment_key: str,
    build: Callable[[], tuple[object, datetime | None]],
    *,
    seconds: int | None = None,
):
    """The value kept under `fragment_key`, or `build()`'s, kept for next time: `build` returns
    it and when it stops being true by itself (or None), after which it is never served.
    `seconds` defaults to FRAGMENT_CACHE_SECONDS; 0 neither reads nor stores."""
    seconds = settings.FRAGMENT_CACHE_SECONDS if seconds is None else seconds
    if seconds > 0:
        entry = cache.get(fragment_key)
        if entry is not None and (entry[1] is None or time.time() < entry[1]):
            return entry[0]
    value, expires = build()
    until = expires.timestamp() if expires else None
    timeout = int(min(seconds, (until or math.inf) - time.time()))
    # None is not kept: it is an unknown address, and anyone can type more of those.
    if value is not None and timeout > 0:
        cache.set(fragment_key, (value, until), timeout)
    return value


RELATED_POSTS = 3
POST_PARTS = ("head", "links", "feeds", "article")  # each from blog/_post_<part>.html
# What the post page never shows, kept out of the cache (the page shows body_html).
UNSHOWN_COLUMNS = [
    "body",
    "search_vector",
    "author__password",
    "author__email",
    "author__last_login",
]


def published_post(slug: str):
    """The published post at this slug with its author, or None. Kept under the post's comment
    scope too: its stored comment counts change with its comments (comments.counts)."""
    from blog.models import Post

    def build():
        public = Post.objects.published().select_related("author").defer(*UNSHOWN_COLUMNS)
        return public.filter(slug=slug).first(), None

    scopes = [generations.POSTS, generations.post_page(slug)]
    return cached(key("post-row", slug, scopes), build)


def post_parts(post) -> dict[str, SafeString]:
    """A published post's page parts that are the same for every reader. They show other posts
    (neighbours, related posts), so are kept only until the next scheduled post goes live."""

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
        parts = {part: render_to_string(f"blog/_post_{part}.html", context) for part in POST_PARTS}
        [posts_generation] = generations.current([generations.POSTS])
        return parts, generations.next_publication(posts_generation)

    parts = cached(key("post", post.pk, [generations.POSTS]), build)
    return {name: SafeString(html) for name, html in parts.items()}
