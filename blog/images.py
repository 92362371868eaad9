"""Cover images: validate uploads with Pillow and derive the thumbnail used on the index."""

from io import BytesIO
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

THUMBNAIL_SIZE = (480, 270)
MAX_PIXELS = 40_000_000


def validate_image(file) -> None:
    """Reject anything Pillow cannot fully decode, and decompression bombs."""
    try:
        file.seek(0)
        with Image.open(file) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError("The image is too large (over 40 megapixels).", code="size")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "Upload a valid image. The file is not an image or is corrupted.", code="invalid"
        ) from exc
    finally:
        file.seek(0)


def make_thumbnail(file, name: str) -> ContentFile:
    """Return a JPEG thumbnail of `file`, named after the original."""
    file.seek(0)
    with Image.open(file) as image:
        image = image.convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=82, optimize=True)
    file.seek(0)
    stem = PurePosixPath(name).stem
    return ContentFile(buffer.getvalue(), name=f"{stem}-thumb.jpg")
