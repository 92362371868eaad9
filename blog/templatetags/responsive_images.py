from django import template

from images import renditions

register = template.Library()


@register.inclusion_tag("includes/_picture.html")
def cover_picture(post, sizes: str, loading: str = "lazy", decorative: bool = False):
    """A post's cover as <picture> with its renditions and size (no layout shift). `decorative`:
    an empty alt, for a cover beside a link that names the post."""
    record = post.cover_renditions or {}
    sets = renditions.srcsets(post.cover_image.storage, record)
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
