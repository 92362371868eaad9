"""Cover renditions: several widths, WebP and the original format, served with srcset and sizes."""

import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def image_file(fmt="JPEG", size=(700, 400), name=None, **save_args) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format=fmt, **save_args)
    return SimpleUploadedFile(name or f"cover.{fmt.lower()}", buffer.getvalue())


def animated_gif() -> SimpleUploadedFile:
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return SimpleUploadedFile("moving.gif", buffer.getvalue())


def post_with_cover(cover=None, **kwargs) -> Post:
    return PostFactory(cover_image=cover or image_file(), cover_image_alt="A navy field", **kwargs)


class Pictures(HTMLParser):
    """The <picture> elements of a page: their <source> and <img> attributes."""

    def __init__(self, html):
        super().__init__()
        self.pictures = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "picture":
            self.pictures.append({"sources": [], "img": None})
        elif tag == "source" and self.pictures:
            self.pictures[-1]["sources"].append(dict(attrs))
        elif tag == "img" and self.pictures and self.pictures[-1]["img"] is None:
            self.pictures[-1]["img"] = dict(attrs)


def widths(srcset: str) -> list[int]:
    return [int(candidate.split()[1].rstrip("w")) for candidate in srcset.split(", ")]


def stored_image(url: str) -> Image.Image:
    name = url.removeprefix("/media/")
    with default_storage.open(name) as stored, Image.open(stored) as image:
        image.load()
        return image


def test_a_cover_gets_renditions_in_webp_and_its_own_format_never_wider_than_itself():
    post = post_with_cover(image_file("JPEG", size=(1600, 900)))
    record = post.cover_renditions
    assert (record["width"], record["height"]) == (1600, 900)
    assert set(record["sources"]) == {"image/webp", "image/jpeg"}
    for mime, candidates in record["sources"].items():
        assert [width for width, _ in candidates] == [320, 640, 960, 1280, 1600]
        for width, name in candidates:
            with default_storage.open(name) as stored, Image.open(stored) as image:
                assert image.format == mime.split("/")[1].upper()
                assert image.size == (width, round(900 * width / 1600))


@pytest.mark.parametrize(
    ("cover", "formats"),
    [
        (image_file("PNG"), {"image/webp", "image/png"}),
        (image_file("WEBP"), {"image/webp"}),
        (image_file("GIF"), {"image/webp", "image/png"}),
    ],
    ids=["png", "webp", "still-gif"],
)
def test_each_accepted_format_gets_webp_and_a_fallback(cover, formats):
    assert set(post_with_cover(cover).cover_renditions["sources"]) == formats


def test_a_small_cover_is_not_scaled_up():
    record = post_with_cover(image_file(size=(300, 200))).cover_renditions
    assert [width for width, _ in record["sources"]["image/jpeg"]] == [300]


def test_a_huge_cover_is_served_at_most_1920_pixels_wide():
    record = post_with_cover(image_file(size=(4000, 500))).cover_renditions
    assert record["sources"]["image/webp"][-1][0] == 1920


def test_post_page_serves_the_cover_with_srcset_sizes_and_its_size_and_loads_it_at_once(client):
    post = post_with_cover()
    [picture] = Pictures(client.get(post.get_absolute_url()).content.decode()).pictures
    [webp] = picture["sources"]
    img = picture["img"]
    assert webp["type"] == "image/webp"
    assert widths(webp["srcset"]) == widths(img["srcset"]) == [320, 640, 700]
    assert webp["sizes"] == img["sizes"] and "100vw" in img["sizes"]
    assert (img["width"], img["height"]) == ("700", "400")
    assert img["alt"] == "A navy field"
    assert "loading" not in img, "the cover is above the fold"
    assert img["fetchpriority"] == "high"
    assert stored_image(img["src"]).size == (700, 400)
    assert stored_image(webp["srcset"].split()[0]).format == "WEBP"


def test_index_loads_the_first_cover_at_once_and_the_others_lazily(client):
    post_with_cover(publish_at=timezone.now() - timedelta(days=2))
    post_with_cover(publish_at=timezone.now() - timedelta(days=1))
    pictures = Pictures(client.get("/").content.decode()).pictures
    assert len(pictures) == 2
    first, second = (picture["img"] for picture in pictures)
    assert "loading" not in first and second["loading"] == "lazy"
    for img in (first, second):
        assert (img["width"], img["height"]) == ("700", "400")
        assert img["alt"] == "", "decorative beside the linked title"
        assert "240px" in img["sizes"]


def test_an_animation_is_served_as_uploaded_with_its_size(client):
    post = post_with_cover(animated_gif())
    assert post.cover_renditions["sources"] == {}
    [picture] = Pictures(client.get(post.get_absolute_url()).content.decode()).pictures
    img = picture["img"]
    assert img["src"] == post.cover_image.url
    assert (img["width"], img["height"]) == ("400", "300")
    assert "srcset" not in img


def test_replacing_or_removing_a_cover_deletes_its_old_renditions(
    django_capture_on_commit_callbacks,
):
    post = post_with_cover()
    old = [
        name for candidates in post.cover_renditions["sources"].values() for _, name in candidates
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post.cover_image = image_file(name="second.jpg", size=(500, 300))
        post.save()
    assert not any(default_storage.exists(name) for name in old)
    assert post.cover_renditions["width"] == 500
    newer = [n for candidates in post.cover_renditions["sources"].values() for _, n in candidates]
    assert all(default_storage.exists(name) for name in newer)
    with django_capture_on_commit_callbacks(execute=True):
        post.cover_image = None
        post.save()
    assert post.cover_renditions == {}
    assert not any(default_storage.exists(name) for name in newer)


def test_renditions_work_on_storage_without_a_filesystem(settings, client):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    post = post_with_cover()
    name = post.cover_renditions["sources"]["image/webp"][0][1]
    with default_storage.open(name) as stored, Image.open(stored) as image:
        assert image.size == (320, 183)
    assert client.get(post.get_absolute_url()).status_code == 200


def test_make_renditions_command_fills_in_covers_without_them():
    post = post_with_cover()
    Post.objects.filter(pk=post.pk).update(cover_renditions={})
    call_command("make_renditions", verbosity=0)
    post.refresh_from_db()
    assert [w for w, _ in post.cover_renditions["sources"]["image/jpeg"]] == [320, 640, 700]


def test_publishing_a_post_does_not_remake_its_renditions():
    post = post_with_cover(draft=True)
    before = post.cover_renditions
    Post.objects.filter(pk=post.pk).publish()
    post.refresh_from_db()
    assert post.cover_renditions == before


def body_images(post) -> list[dict]:
    class Imgs(HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.found.append(dict(attrs))

    parser = Imgs()
    parser.found = []
    parser.feed(post.body_html)
    return parser.found


def test_body_images_in_our_storage_get_their_size_and_all_load_lazily(settings):
    stored = default_storage.save("images/chart.png", image_file("PNG", size=(640, 360)))
    post = PostFactory(
        body=f"Intro.\n\n![A chart]({settings.MEDIA_URL}{stored})\n\n"
        "![Elsewhere](https://example.com/photo.jpg)\n\n"
        f"![Gone]({settings.MEDIA_URL}images/missing.png)\n\n"
        f"![Sneaky]({settings.MEDIA_URL}../../etc/passwd)\n"
    )
    ours, elsewhere, gone, sneaky = body_images(post)
    assert (ours["width"], ours["height"]) == ("640", "360")
    assert ours["alt"] == "A chart"
    for img in (ours, elsewhere, gone, sneaky):
        assert img["loading"] == "lazy" and img["decoding"] == "async"
    for img in (elsewhere, gone, sneaky):
        assert "width" not in img
