"""import_wordpress and images: featured images become covers, copies are cleaned like uploads."""

import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from blog.models import Post
from images.models import MediaRenditions
from images.renditions import rendition_names
from tests.wordpress_exports import attachment, item, write_export

pytestmark = pytest.mark.django_db

PHOTO = "/wp-content/uploads/2024/01/summit.jpg"
OTHER = "/wp-content/uploads/2024/01/trail.jpg"
FEATURED = {"_thumbnail_id": "50"}


def run_import(*args) -> str:
    out = StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out)
    return out.getvalue()


def photo(size=(300, 200), *, orientation=1, located=False) -> bytes:
    """A JPEG as a phone writes it: a camera maker, maybe its orientation and where it was."""
    exif = Image.Exif()
    exif[0x010F] = "Test camera maker"
    exif[0x0112] = orientation
    if located:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (61.0, 38.0, 0.0)
        gps[3], gps[4] = "E", (8.0, 18.0, 0.0)
    buffer = BytesIO()
    Image.new("RGB", size, (90, 120, 60)).save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def uploads(tmp_path) -> Path:
    folder = tmp_path / "uploads"
    (folder / "2024" / "01").mkdir(parents=True)
    (folder / "2024" / "01" / "summit.jpg").write_bytes(photo(located=True))
    (folder / "2024" / "01" / "trail.jpg").write_bytes(photo((120, 80)))
    return folder


def export(tmp_path, *items) -> Path:
    return write_export(tmp_path / "export.xml", *items)


def stored_image(name: str) -> Image.Image:
    with default_storage.open(name) as stored, Image.open(stored) as image:
        image.load()
        return image


def media_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


# Featured images (_thumbnail_id)


def test_the_featured_image_becomes_the_cover_with_renditions_like_an_admin_upload(
    tmp_path, uploads
):
    # WordPress lists the attachment after the post: it was uploaded while writing it.
    output = run_import(
        export(
            tmp_path,
            item(1, content="Up we went.", meta=FEATURED),
            attachment(50, PHOTO, alt="The summit cairn", parent=1),
        ),
        "--media-dir",
        uploads,
    )
    post = Post.objects.get()
    assert post.cover_image.name.startswith("covers/")
    assert post.cover_image_alt == "The summit cairn"
    assert post.cover_renditions["width"] == 300
    names = rendition_names(post.cover_renditions)
    assert {name.rsplit(".", 1)[1] for name in names} == {"webp", "jpg"}
    assert all(default_storage.exists(name) for name in names)
    assert "Media: 1 copied, 0 already there, 0 not carried over; 1 covers" in output
    assert "Not carried over" not in output


def test_a_featured_image_listed_before_its_post_is_found_too(tmp_path, uploads):
    run_import(
        export(tmp_path, attachment(50, PHOTO, alt="Cairn"), item(1, meta=FEATURED)),
        "--media-dir",
        uploads,
    )
    assert Post.objects.get().cover_image_alt == "Cairn"


def test_the_attachment_caption_is_the_alt_text_when_it_has_none(tmp_path, uploads):
    run_import(
        export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, caption="At the top")),
        "--media-dir",
        uploads,
    )
    assert Post.objects.get().cover_image_alt == "At the top"


def test_with_a_featured_image_the_body_keeps_its_first_image(tmp_path, uploads):
    body = f'<img src="{OTHER}" alt="The trail">\n\nText.'
    run_import(
        export(tmp_path, item(1, content=body, meta=FEATURED), attachment(50, PHOTO, alt="Cairn")),
        "--media-dir",
        uploads,
    )
    post = Post.objects.get()
    assert post.cover_image_alt == "Cairn"
    assert 'alt="The trail"' in post.body_html


@pytest.mark.parametrize(
    "first_image",
    [
        f'<img src="{PHOTO}" alt="Cairn">',
        '<img src="/wp-content/uploads/2024/01/summit-1024x683.jpg" alt="Cairn">',
        '<img class="size-large wp-image-50" src="/wp-content/uploads/x.jpg" alt="">',
    ],
    ids=["the same upload", "another size of the upload", "the attachment's class"],
)
def test_a_featured_image_that_also_leads_the_body_is_shown_once(tmp_path, uploads, first_image):
    body = f'<figure class="wp-block-image">{first_image}</figure>\n\nText.'
    run_import(
        export(tmp_path, item(1, content=body, meta=FEATURED), attachment(50, PHOTO, alt="Cairn")),
        "--media-dir",
        uploads,
    )
    post = Post.objects.get()
    assert post.cover_image_alt == "Cairn"
    assert "<img" not in post.body_html and "Text." in post.body_html


def test_a_featured_image_missing_from_the_export_is_reported_and_the_post_imported(
    tmp_path, uploads
):
    output = run_import(export(tmp_path, item(1, meta=FEATURED)), "--media-dir", uploads)
    assert "featured image missing from the export (1):" in output
    assert "attachment 50 of https://old.example/2024/01/02/post-1/" in output
    assert Post.objects.get().is_published and not Post.objects.get().cover_image


def test_a_featured_image_missing_from_media_dir_is_reported_and_the_post_imported(
    tmp_path, uploads
):
    (uploads / "2024/01/summit.jpg").unlink()
    output = run_import(
        export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, alt="Cairn")),
        "--media-dir",
        uploads,
    )
    assert "image not found in --media-dir (1):" in output
    assert "https://old.example/wp-content/uploads/2024/01/summit.jpg (in https://" in output
    assert "0 copied, 0 already there, 1 not carried over; 0 covers" in output
    assert Post.objects.get().is_published and not Post.objects.get().cover_image


def test_a_featured_image_hosted_elsewhere_is_reported(tmp_path, uploads):
    url = "https://cdn.example/summit.jpg"
    output = run_import(
        export(tmp_path, item(1, meta=FEATURED), attachment(50, url, alt="Cairn")),
        "--media-dir",
        uploads,
    )
    assert "featured image outside wp-content/uploads, left on the old site (1):" in output
    assert not Post.objects.get().cover_image


def test_a_featured_image_without_alt_text_leaves_the_cover_to_the_first_body_image(
    tmp_path, uploads
):
    body = f'<img src="{OTHER}" alt="The trail">\n\nText.'
    output = run_import(
        export(tmp_path, item(1, content=body, meta=FEATURED), attachment(50, PHOTO)),
        "--media-dir",
        uploads,
    )
    assert "featured image has no alt text, so it is not the cover (1):" in output
    assert Post.objects.get().cover_image_alt == "The trail"


def test_without_media_dir_a_featured_image_is_reported_as_left_on_the_old_site(tmp_path):
    output = run_import(export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, alt="C")))
    assert "image left on the old site (no --media-dir or --fetch-media) (1):" in output
    assert not Post.objects.get().cover_image


def test_a_dry_run_with_a_featured_image_counts_the_cover_and_writes_no_file(
    tmp_path, uploads, settings
):
    wxr = export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, alt="Cairn"))
    output = run_import(wxr, "--media-dir", uploads, "--dry-run")
    assert "Media: 1 copied, 0 already there, 0 not carried over; 1 covers" in output
    assert not Post.objects.exists()
    assert not media_files(settings)


def test_a_post_imported_before_featured_images_gets_its_cover_on_a_re_run(
    tmp_path, uploads, monkeypatch
):
    from wordpress_import import importer

    wxr = export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, alt="Cairn"))
    monkeypatch.setattr(importer.Importer, "featured_image", lambda self, item: None)
    monkeypatch.setattr(importer, "thumbnail_id", lambda item: 0)
    run_import(wxr, "--media-dir", uploads)
    assert not Post.objects.get().cover_image
    monkeypatch.undo()
    output = run_import(wxr, "--media-dir", uploads)
    assert "Posts: 0 created, 1 updated" in output
    assert Post.objects.get().cover_image_alt == "Cairn"
    again = run_import(wxr, "--media-dir", uploads)
    assert "Posts: 0 created, 0 updated; 1 skipped: 1 unchanged" in again


# Copies are cleaned like uploads


def test_copied_images_lose_their_location_and_are_turned_upright(tmp_path, uploads):
    # Orientation 6: the camera was turned; the picture is meant to be shown 200 x 300.
    (uploads / "2024/01/trail.jpg").write_bytes(photo(orientation=6, located=True))
    body = f'<img src="{OTHER}" alt="">\n\nText.'
    run_import(export(tmp_path, item(1, content=body)), "--media-dir", uploads)
    copy = stored_image("wordpress/2024/01/trail.jpg")
    exif = copy.getexif()
    assert 0x8825 not in exif and not exif.get_ifd(0x8825)
    assert copy.size == (200, 300) and exif.get(0x0112, 1) == 1
    assert exif.get(0x010F) == "Test camera maker", "harmless metadata is kept"
    record = MediaRenditions.objects.get(name="wordpress/2024/01/trail.jpg").record
    assert (record["width"], record["height"]) == (200, 300)


def test_a_featured_image_with_a_location_becomes_a_cover_without_it(tmp_path, uploads):
    run_import(
        export(tmp_path, item(1, meta=FEATURED), attachment(50, PHOTO, alt="Cairn")),
        "--media-dir",
        uploads,
    )
    for name in ("wordpress/2024/01/summit.jpg", Post.objects.get().cover_image.name):
        exif = stored_image(name).getexif()
        assert 0x8825 not in exif and not exif.get_ifd(0x8825)


def test_a_clean_image_is_copied_byte_for_byte(tmp_path, uploads):
    original = (uploads / "2024/01/trail.jpg").read_bytes()
    body = f'<img src="{OTHER}" alt="The trail">\n\nText.'
    run_import(export(tmp_path, item(1, content=body)), "--media-dir", uploads)
    with default_storage.open("wordpress/2024/01/trail.jpg") as stored:
        assert stored.read() == original


# --fetch-media: the images downloaded from the old site


class OldSite(SimpleHTTPRequestHandler):
    """The old site's uploads (the test's folder); /slow/ sends one byte a tenth of a second."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/slow/"):
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.1)


@pytest.fixture
def old_site(uploads):
    """An HTTP server on 127.0.0.1 serving `uploads` as /wp-content/uploads/; its base URL."""
    root = uploads.parent / "site"
    (root / "wp-content").mkdir(parents=True)
    (root / "wp-content" / "uploads").symlink_to(uploads)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(OldSite, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_fetch_media_downloads_the_images_and_the_cover_from_the_old_site(
    tmp_path, old_site, settings
):
    body = f'<img src="{old_site}{OTHER}" alt="The trail">\n\nText.'
    output = run_import(
        export(
            tmp_path,
            item(1, content=body, meta=FEATURED),
            attachment(50, old_site + PHOTO, alt="Cairn"),
        ),
        "--fetch-media",
    )
    post = Post.objects.get()
    assert post.cover_image_alt == "Cairn" and default_storage.exists(post.cover_image.name)
    assert default_storage.url("wordpress/2024/01/trail.jpg") in post.body
    assert old_site not in post.body
    exif = stored_image("wordpress/2024/01/summit.jpg").getexif()
    assert 0x8825 not in exif and not exif.get_ifd(0x8825), "cleaned like an upload"
    assert "Media: 2 copied, 0 already there, 0 not carried over; 1 covers" in output


def test_fetch_media_lists_what_it_could_not_bring_and_keeps_its_old_address(
    tmp_path, uploads, old_site, monkeypatch
):
    from wordpress_import import media

    (uploads / "2024" / "01" / "notes.jpg").write_bytes(b"not a picture")
    (uploads / "2024" / "01" / "huge.jpg").write_bytes(bytes(5000))
    monkeypatch.setattr(media, "MAX_BYTES", 2000)
    monkeypatch.setattr(media, "DOWNLOAD_SECONDS", 1)
    urls = {
        name: f"{old_site}{path}"
        for name, path in [
            ("gone", "/wp-content/uploads/2024/01/gone.jpg"),
            ("notes", "/wp-content/uploads/2024/01/notes.jpg"),
            ("huge", "/wp-content/uploads/2024/01/huge.jpg"),
            ("slow", "/slow/wp-content/uploads/2024/01/slow.jpg"),
        ]
    }
    body = "".join(f'<p><img src="{url}" alt="{name}"> {name}</p>\n' for name, url in urls.items())
    output = run_import(export(tmp_path, item(1, content=body)), "--fetch-media")
    assert "Media: 0 copied, 0 already there, 4 not carried over" in output
    assert "image could not be downloaded (3):" in output
    assert f"{urls['gone']}: HTTP 404" in output
    assert f"{urls['huge']}: larger than" in output
    assert f"{urls['slow']}: took longer than 1 s" in output
    assert "not a valid image, left on the old site (1):" in output
    html = Post.objects.get().body_html
    assert all(url in html for url in urls.values()), "kept at their old addresses"


def test_media_dir_and_fetch_media_together_are_refused(tmp_path, uploads):
    with pytest.raises(CommandError, match="choose one"):
        run_import(export(tmp_path, item(1)), "--media-dir", uploads, "--fetch-media")
