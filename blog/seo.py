"""Absolute URLs and structured data for feed readers, crawlers and link previews. URLs come
from settings.SITE_URL, never the Host header, so pages are the same (and cacheable) for all."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from blog.site import site_name

# As django.utils.html.json_script: nothing in the data can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    """`path` (from reverse() or a file's .url) on the site's public address."""
    if path.startswith(("http://", "https://")):
        return path  # media on S3 or a CDN is already absolute
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def author_name(user) -> str:
    """A writer's public name, else the site's: never the login name, half of a login."""
    return user.get_full_name() or site_name()


def post_structured_data(post) -> dict:
    """schema.org BlogPosting for a post page (read by search engines)."""
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.summary,
        "url": absolute_url(post.get_absolute_url()),
        "mainEntityOfPage": absolute_url(post.get_absolute_url()),
        "datePublished": post.publish_at,
        "dateModified": post.updated,
        "author": {"@type": "Person", "name": author_name(post.author)},
        "publisher": {"@type": "Organization", "name": site_name()},
        "keywords": [tag.name for tag in post.tags.all()],
    }
    if post.cover_image:
        data["image"] = absolute_url(post.cover_image.url)
    return data


def ld_json_script(data: dict) -> SafeString:
    """`data` as a <script type="application/ld+json"> element: data, not code, and escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),  # escaped just above
    )
