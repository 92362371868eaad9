"""Cover uploads through the post admin, as an Editor: only real, fully decodable images get in."""

import io
import struct
import zlib
from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from blog.models import Post
from tests.factories import post_admin_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:blog_post_add")


def post_form(cover, **overrides):
    """The post admin's add form with `cover` as the cover image."""
    return post_admin_form(
        **{
            "title": "A post with a cover",
            "slug": "a-post-with-a-cover",
            "body": "Some text.",
            "cover_image": cover,
            "cover_image_alt": "A test picture",
            **overrides,
        }
    )


def image_bytes(fmt, size=(640, 480), mode="RGB", **save_args) -> bytes:
    buffer = io.BytesIO()
    image = Image.new(mode, size, "teal")
    # Some detail, so encoders cannot shrink it to nothing and truncation hits pixel data.
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 5):
            image.putpixel((x, y), (x % 256, y % 256, 40) if mode == "RGB" else x % 256)
    image.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def png_with_header_only(width, height) -> bytes:
    """A tiny PNG claiming `width` x `height` pixels: what a decompression bomb looks like."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(client, name, content):
    author = client.session["_auth_user_id"]
    return client.post(ADD_URL, post_form(SimpleUploadedFile(name, content), author=author))


def assert_cover_refused(response, message):
    assert response.status_code == 200, "the form comes back with an error, not a 500"
    errors = response.context["adminform"].form.errors
    assert "cover_image" in errors
    assert message in " ".join(errors["cover_image"])
    assert not Post.objects.exists()


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_editor_uploads_a_cover_in_each_accepted_format(as_editor, fmt):
    response = upload(as_editor, f"cover.{fmt.lower()}", image_bytes(fmt))
    assert response.status_code == 302
    post = Post.objects.get()
    with default_storage.open(post.cover_image.name) as stored, Image.open(stored) as image:
        assert image.format == fmt
        assert image.size == (640, 480)


@pytest.mark.parametrize("fmt", ["JPEG", "GIF"])
def test_a_truncated_image_is_a_form_error(as_editor, fmt):
    whole = image_bytes(fmt)
    response = upload(as_editor, f"cover.{fmt.lower()}", whole[: len(whole) // 2])
    assert_cover_refused(response, "is incomplete or damaged")


def test_an_eps_file_is_a_form_error_and_never_reaches_ghostscript(as_editor, monkeypatch):
    from PIL import EpsImagePlugin

    def no_ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript must never be called on an upload")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", no_ghostscript)
    eps = (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\n"
        b"newpath 10 10 moveto 90 90 lineto stroke\nshowpage\n%%EOF\n"
    )
    response = upload(as_editor, "cover.eps", eps)
    assert_cover_refused(response, "JPEG, PNG, GIF or WebP")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_a_form_error(as_editor, fmt):
    response = upload(as_editor, "cover.jpg", image_bytes(fmt))
    assert_cover_refused(response, "JPEG, PNG, GIF or WebP")


def test_text_named_like_an_image_is_a_form_error(as_editor):
    response = upload(as_editor, "cover.png", b"this is not a png at all")
    assert_cover_refused(response, "JPEG, PNG, GIF or WebP")


@pytest.mark.parametrize(
    "size",
    [(8_000, 5_001), (30_000, 30_000)],
    ids=["just-over-40-megapixels", "past-pillows-own-bomb-limit"],
)
def test_a_decompression_bomb_is_a_clear_form_error(as_editor, size):
    response = upload(as_editor, "bomb.png", png_with_header_only(*size))
    assert_cover_refused(response, "at most 40 megapixels")


def test_an_image_of_exactly_40_megapixels_is_accepted(as_editor):
    buffer = io.BytesIO()
    Image.new("1", (8_000, 5_000)).save(buffer, format="PNG")
    content = buffer.getvalue()
    assert upload(as_editor, "big.png", content).status_code == 302


def test_a_file_over_10_megabytes_is_a_form_error(as_editor):
    padded = image_bytes("PNG") + b"\x00" * (10 * 1024 * 1024)
    response = upload(as_editor, "cover.png", padded)
    assert_cover_refused(response, "at most 10 MB")


def photo_with_exif(orientation, with_location=True, fmt="JPEG") -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Test camera maker"
    if with_location:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
        gps[3], gps[4] = "W", (0.0, 7.0, 0.0)
    return image_bytes(fmt, size=(300, 200), exif=exif.tobytes())


def stored_cover():
    post = Post.objects.get()
    with default_storage.open(post.cover_image.name) as stored, Image.open(stored) as image:
        image.load()
        return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_is_applied_to_the_stored_cover(as_editor, fmt):
    # Orientation 6: the camera was turned; the picture is meant to be shown rotated, 200 x 300.
    photo = photo_with_exif(6, fmt=fmt)
    assert upload(as_editor, f"photo.{fmt.lower()}", photo).status_code == 302
    image = stored_cover()
    assert image.size == (200, 300)
    assert image.getexif().get(0x0112, 1) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_location_metadata_is_removed_from_the_stored_cover(as_editor, fmt):
    photo = photo_with_exif(1, fmt=fmt)
    assert upload(as_editor, f"photo.{fmt.lower()}", photo).status_code == 302
    exif = stored_cover().getexif()
    assert 0x8825 not in exif
    assert not exif.get_ifd(0x8825)
    assert exif.get(0x010F) == "Test camera maker", "harmless metadata is kept"


def test_a_photo_without_location_or_rotation_is_stored_as_uploaded(as_editor):
    original = photo_with_exif(1, with_location=False)
    assert upload(as_editor, "photo.jpg", original).status_code == 302
    with default_storage.open(Post.objects.get().cover_image.name) as stored:
        assert stored.read() == original


def test_cover_chosen_in_a_failed_save_is_kept_for_the_next_one(client, editor):
    import re

    client.force_login(editor)
    cover = SimpleUploadedFile("balcony.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    data = post_form(cover, cover_image_alt="", author=editor.pk, _action="draft")
    response = client.post(ADD_URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Describe the cover image" in html
    assert "Kept from your last try: balcony.jpg" in html
    token = re.search(r'name="pending_upload" value="([^"]+)"', html).group(1)

    data = post_form("", cover_image_alt="Tomatoes on a balcony", author=editor.pk)
    response = client.post(ADD_URL, {**data, "pending_upload": token, "_action": "draft"})
    assert response.status_code == 302
    post = Post.objects.get(slug="a-post-with-a-cover")
    assert post.cover_image.name.startswith("covers/") and "pending" not in post.cover_image.name
    assert post.cover_image.name.endswith(".jpg")
    assert default_storage.exists(post.cover_image.name)
    assert post.cover_renditions


def test_a_forged_pending_cover_is_ignored(client, editor):
    from django.core import signing

    client.force_login(editor)
    default_storage.save("secret/other.jpg", io.BytesIO(image_bytes("JPEG")))
    forged = signing.dumps("secret/other.jpg", salt="blog.pending-cover")
    data = post_form("", author=editor.pk, _action="draft")
    for token in (forged, "not-a-token"):
        assert client.post(ADD_URL, {**data, "pending_upload": token}).status_code == 302
        post = Post.objects.get(slug="a-post-with-a-cover")
        assert not post.cover_image
        post.delete()


@pytest.fixture
def unwritable_media(settings, tmp_path):
    """MEDIA_ROOT below a file: no process, root included, can make a folder there."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    settings.MEDIA_ROOT = str(in_the_way / "media")


def test_a_cover_upload_to_an_unwritable_media_folder_is_a_form_error_keeping_the_text(
    as_editor, unwritable_media
):
    response = upload(as_editor, "cover.jpg", image_bytes("JPEG"))
    assert_cover_refused(response, "the site's media storage is not accepting files")
    html = response.content.decode()
    assert "A post with a cover</textarea>" in html and "Some text.</textarea>" in html


def test_a_library_upload_to_an_unwritable_media_folder_is_a_form_error(
    as_editor, unwritable_media
):
    from images.models import Image as LibraryImage
    from tests.test_image_library import IMAGE_ADD_URL
    from tests.test_image_library import upload as library_file

    response = as_editor.post(IMAGE_ADD_URL, {"file": library_file(), "alt": "Tomatoes"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "the site's media storage is not accepting files" in html
    assert 'value="Tomatoes"' in html
    assert not LibraryImage.objects.exists()
