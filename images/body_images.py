"""A post body's images as readers get them: <picture> with renditions, sizes, lazy loading.

Run when a post is saved (and by the admin's preview) on HTML that nh3 has already sanitised.
An image in the media storage whose renditions are recorded (images.models.MediaRenditions: a
library image gets them on upload, others from `manage.py make_renditions`) becomes a <picture>
with WebP and original-format srcsets; one without renditions keeps its <img>, with the width
and height read from the file's header; an image from elsewhere keeps its <img> as written.
The srcsets are written into the stored HTML, so a page view reads nothing but the post.

Every body image loads lazily, the first one too: the body starts below the title, the byline
and, usually, the cover (the page's one eager, high-priority image), and browsers start fetching
a lazy image that is in or near the viewport as soon as the page is laid out.
"""

import re
from html import unescape
from urllib.parse import unquote

from django.utils.html import escape

from images import renditions

IMG_TAG = re.compile(r"<img\b[^>]*>")
# nh3 writes every attribute as name="value", the value escaped.
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
# The body column: .container is 46rem wide, less 1.25rem padding each side (static/css/site.css).
COLUMN_PX = 696
NARROW_VIEWPORT = "(max-width: 46rem) calc(100vw - 2.5rem)"


def media_base_url(storage) -> str:
    """The URL prefix of the storage's files ("/media/", or the bucket's address on S3)."""
    return storage.url("x").removesuffix("x")


def stored_name(url: str, base_url: str) -> str | None:
    """The stored name of a media file from its URL in a body; None for any other URL."""
    if not url.startswith(base_url) or "?" in url or "#" in url:
        return None
    return unquote(url.removeprefix(base_url)) or None


def media_names(html: str, storage) -> set[str]:
    """The stored names of the media images a body's HTML shows."""
    base_url = media_base_url(storage)
    names = set()
    for tag in IMG_TAG.findall(html):
        name = stored_name(unescape(_attributes(tag).get("src", "")), base_url)
        if name:
            names.add(name)
    return names


def serve_body_images(html: str, storage, records: dict[str, dict]) -> str:
    """Each <img> of a body with lazy loading, and as <picture> when it has renditions.

    `records` maps stored names to their renditions (MediaRenditions.objects.records()).
    """
    base_url = media_base_url(storage)

    def serve(match: re.Match) -> str:
        attributes = _attributes(match.group(0))
        name = stored_name(unescape(attributes.get("src", "")), base_url)
        record = records.get(name) if name else None
        if name and record is None and "width" not in attributes:
            size = renditions.stored_size(storage, name)
            record = {"width": size[0], "height": size[1]} if size else None
        if record:
            _size(attributes, record)
        attributes.setdefault("loading", "lazy")
        attributes["decoding"] = "async"
        if not (record and record.get("sources")):
            return _img(attributes)
        return _picture(attributes, renditions.srcsets(storage, record))

    return IMG_TAG.sub(serve, html)


def _attributes(tag: str) -> dict[str, str]:
    return dict(ATTRIBUTE.findall(tag))


def _size(attributes: dict[str, str], record: dict) -> None:
    """The image's width and height (no layout shift): an author's own width is kept."""
    width, height = record["width"], record["height"]
    if "width" not in attributes:
        attributes["width"], attributes["height"] = str(width), str(height)
    elif "height" not in attributes and attributes["width"].isdigit():
        attributes["height"] = str(max(1, round(height * int(attributes["width"]) / width)))


def _picture(attributes: dict[str, str], sets: dict[str, list]) -> str:
    fallback_mime = next((mime for mime in sets if mime != "image/webp"), "image/webp")
    fallback = sets.pop(fallback_mime)
    shown = int(attributes["width"]) if attributes["width"].isdigit() else COLUMN_PX
    sizes = f"{NARROW_VIEWPORT}, {min(shown, COLUMN_PX)}px"
    sources = "".join(
        f'<source type="{mime}" srcset="{_srcset(candidates)}" sizes="{sizes}">'
        for mime, candidates in sets.items()
    )
    # The largest rendition as the plain src: the original may be far bigger than any of them.
    attributes["src"] = escape(fallback[-1].url)
    attributes["srcset"] = _srcset(fallback)
    attributes["sizes"] = sizes
    return f"<picture>{sources}{_img(attributes)}</picture>"


def _srcset(candidates) -> str:
    return escape(", ".join(f"{c.url} {c.width}w" for c in candidates))


def _img(attributes: dict[str, str]) -> str:
    return "<img " + " ".join(f'{key}="{value}"' for key, value in attributes.items()) + ">"
