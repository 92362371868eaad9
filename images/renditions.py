"""Responsive renditions of covers and body images: several widths, WebP and the original format.

Made once, when a cover is saved or a library image uploaded, through the storage API only (no
filesystem paths), so they work the same on local disk and on S3. What was made is recorded (by
the model holding a cover, in images.models.MediaRenditions for a body image) as a small dict:

    {"width": 1600, "height": 900,
     "sources": {"image/webp": [[320, "covers/renditions/…-320w.webp"], …],
                 "image/jpeg": [[320, "covers/renditions/…-320w.jpg"], …]}}

Templates read a cover's through a template tag of the app holding it; body images' are written
into the stored HTML by `images.body_images`. No page touches the storage.
"""

from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from images.uploads import MAX_PIXELS, open_image

WIDTHS = (320, 640, 960, 1280, 1920)
# A still GIF's renditions are PNG: GIF's 256 colours make poor scaled copies.
FALLBACK_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAVE_ARGS = {
    "JPEG": {"quality": 80, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 78, "method": 4},
}


@dataclass(frozen=True)
class Candidate:
    url: str
    width: int


UNREADABLE = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    SuspiciousOperation,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)


def target_widths(width: int) -> list[int]:
    """The widths to make for an image `width` pixels wide: never wider than the original."""
    return sorted({min(w, width) for w in WIDTHS})


def make_renditions(storage, name: str) -> dict:
    """Make and store the renditions of the image stored as `name`; return their record.

    An animation gets none (only its size is recorded): resizing every frame is costly, and
    the page then serves the original.
    """
    with storage.open(name, "rb") as stored, open_image(stored) as image:
        record = {"width": image.width, "height": image.height, "sources": {}}
        if getattr(image, "is_animated", False):
            return record
        fallback = FALLBACK_FORMAT[image.format]
        if image.format == "JPEG":
            # Let the JPEG decoder scale down while decoding: much faster for large photos.
            image.draft("RGB", (max(WIDTHS), max(WIDTHS)))
        image = _without_palette(image.copy() if image.format != "JPEG" else image.convert("RGB"))
    formats = ["WEBP"] if fallback == "WEBP" else ["WEBP", fallback]
    stem = PurePosixPath(name).stem
    folder = PurePosixPath(name).parent / "renditions"
    for fmt in formats:
        record["sources"][MIME[fmt]] = []
    # Largest first, each scaled from the one before: cheaper than scaling the original each time.
    current = image
    for width in reversed(target_widths(record["width"])):
        height = max(1, round(record["height"] * width / record["width"]))
        if current.width != width:
            current = current.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in formats:
            saved = storage.save(
                str(folder / f"{stem}-{width}w.{EXTENSION[fmt]}"), _encode(current, fmt)
            )
            record["sources"][MIME[fmt]].insert(0, [width, saved])
    return record


def _without_palette(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = image.mode in ("LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, fmt: str) -> ContentFile:
    if fmt == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")
    buffer = BytesIO()
    image.save(buffer, format=fmt, **SAVE_ARGS[fmt])
    return ContentFile(buffer.getvalue())


def rendition_names(record: dict) -> list[str]:
    """Every stored file a record names (to delete them when the cover changes)."""
    return [name for candidates in record.get("sources", {}).values() for _, name in candidates]


def delete_files(storage, names: list[str]) -> None:
    """Delete stored renditions; one already gone is no reason to fail."""
    for name in names:
        storage.delete(name)


def srcsets(storage, record: dict) -> dict[str, list[Candidate]]:
    """Per MIME type, the candidates of a record with their URLs, narrowest first."""
    return {
        mime: [Candidate(url=storage.url(name), width=width) for width, name in candidates]
        for mime, candidates in record.get("sources", {}).items()
    }


def make_stored_renditions(storage, name: str) -> dict | None:
    """`make_renditions` for a media file a post body names, which no form checked.

    None when it is no image we accept: missing, outside the storage, another format, or more
    pixels than an upload may have (checked from the header, before anything is decoded).
    """
    size = stored_size(storage, name)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        return None
    try:
        return make_renditions(storage, name)
    except UNREADABLE:
        return None


def stored_size(storage, name: str) -> tuple[int, int] | None:
    """The pixel size of a stored image, from its header only; None if it is no image of ours."""
    try:
        with storage.open(name, "rb") as stored, open_image(stored) as image:
            return image.size
    except UNREADABLE:
        return None
