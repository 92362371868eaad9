"""Uploaded images (covers, the library): validated with Pillow, metadata cleaned (renditions:
renditions.py).

Pillow only ever opens files here with `formats=ACCEPTED_FORMATS`: it then never picks a plugin
such as EPS, whose decoder would hand the file to Ghostscript.
"""

from io import BytesIO

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
ACCEPTED_TYPES = "image/jpeg,image/png,image/gif,image/webp"
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# An animation is decoded frame by frame: bound the work over all its frames too.
MAX_ANIMATION_PIXELS = 5 * MAX_PIXELS

EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825

FORMAT_ERROR = "Upload a JPEG, PNG, GIF or WebP image."


def open_image(file) -> Image.Image:
    """Open `file` with Pillow, trying only the formats we accept."""
    file.seek(0)
    return Image.open(file, formats=ACCEPTED_FORMATS)


def validate_image(file) -> None:
    """Accept only JPEG, PNG, GIF or WebP up to 10 MB and 40 megapixels, decoded in full.

    Decoding every frame is what catches a truncated file before it is stored; checking the
    size in the header first is what stops a decompression bomb before it is decoded.
    """
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationError(
            "The file is %(size).1f MB; covers may be at most 10 MB.",
            params={"size": file.size / 1024 / 1024},
            code="file_too_large",
        )
    try:
        with open_image(file) as image:
            _check_pixels(image.width * image.height, getattr(image, "n_frames", 1))
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                image.load()
    except Image.DecompressionBombError as exc:
        # Pillow's own limit (far above ours) refuses some headers before we can measure them.
        raise _too_many_pixels() from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(FORMAT_ERROR, code="invalid_format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise ValidationError(
            "The image is incomplete or damaged: save it again and upload the new file.",
            code="damaged",
        ) from exc
    finally:
        file.seek(0)


def _check_pixels(pixels: int, frames: int) -> None:
    if pixels > MAX_PIXELS or pixels * frames > MAX_ANIMATION_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        "The image has too many pixels: covers may be at most 40 megapixels "
        "(for example 8000 × 5000), and animations 200 megapixels over all frames.",
        code="too_many_pixels",
    )


class ImageUploadField(forms.ImageField):
    """A file field for covers whose image checks are the model's `validate_image`.

    Django's own ImageField opens uploads with every Pillow plugin and reports a bomb or a
    truncated file as a vague "not an image"; this one leaves Pillow to `validate_image`.
    """

    def to_python(self, data):
        return forms.FileField.to_python(self, data)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPTED_TYPES
        return attrs


def strip_location_and_orientation(file) -> ContentFile | None:
    """Return the image turned upright, without location metadata; None if it already is.

    Re-encoding costs a little quality, so an upright image with no location is kept as is.
    """
    with open_image(file) as image:
        exif = image.getexif()
        xmp = image.info.get("xmp") or b""
        turned = exif.get(EXIF_ORIENTATION, 1) not in (0, 1)
        located = EXIF_GPS_IFD in exif or b"GPS" in (xmp if isinstance(xmp, bytes) else b"")
        if not (turned or located):
            return None
        fmt = image.format
        if getattr(image, "is_animated", False):
            # Frames of an animation are not turned; its metadata is dropped whole.
            buffer = BytesIO()
            image.save(buffer, format=fmt, save_all=True)
            return ContentFile(buffer.getvalue())
        upright = ImageOps.exif_transpose(image) if turned else image.copy()
    exif = upright.getexif()
    exif.pop(EXIF_GPS_IFD, None)
    exif.pop(EXIF_ORIENTATION, None)
    save_args = {"format": fmt, "exif": exif.tobytes()}
    if "icc_profile" in upright.info:
        save_args["icc_profile"] = upright.info["icc_profile"]
    if fmt in ("JPEG", "WEBP"):
        save_args["quality"] = 92
    buffer = BytesIO()
    upright.save(buffer, **save_args)
    file.seek(0)
    return ContentFile(buffer.getvalue())
