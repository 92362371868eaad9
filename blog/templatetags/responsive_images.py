"""{% cover_picture post sizes=... loading=... %}: a post's cover as <picture> with renditions."""

from django import template

from images import renditions

register = template.Library()


@register.inclusion_tag("includes/_picture.html")
def cover_picture(post, sizes: str, loading: str = "lazy", decorative: bool = False):
    """The cover with WebP and original-format srcsets, its size (no layout shift) and loading.

    `loading="lazy"` below the fold; "eager" for the first image a reader sees.
    `decorative` gives an empty alt, for a cover repeated beside a link that names the post.
    """
    record = post.cover_renditions or {}
    storage = post.cover_image.storage
    sets = renditions.srcsets(storage, record)
    fallback_mime = next((mime for mime in sets if mime != "image/webp"), "image/webp")
    fallback = sets.pop(fallback_mime, [])
    return {
        "alt": "" if decorative else post.cover_image_alt,
        # Largest rendition as the plain src; the original only when none was made (animations).
        "src": fallback[-1].url if fallback else post.cover_image.url,
        "srcset": _srcset(fallback),
        "sources": [{"type": mime, "srcset": _srcset(c)} for mime, c in sets.items()],
        "sizes": sizes,
        "width": record.get("width"),
        "height": record.get("height"),
        "lazy": loading != "eager",
    }


def _srcset(candidates) -> str:
    return ", ".join(f"{c.url} {c.width}w" for c in candidates)
