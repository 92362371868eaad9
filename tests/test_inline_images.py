"""Images in post bodies: library and other media images served as <picture> with WebP and
original-format renditions, their size and lazy loading, all decided when the post is saved."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image as PillowImage

from blog.models import Post, render_body
from images.models import MediaRenditions
from tests.factories import ImageFactory, PostFactory
from tests.test_responsive_images import Pictures, body_images, image_file, widths

pytestmark = pytest.mark.django_db


def page_pictures(client, post) -> list[dict]:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return Pictures(response.content.decode()).pictures


def stored(url: str) -> PillowImage.Image:
    with default_storage.open(url.removeprefix("/media/")) as file:
        image = PillowImage.open(file)
        image.load()
        return image


def candidates(srcset: str) -> list[tuple[str, int]]:
    return [(url, int(width.rstrip("w"))) for url, width in (c.split() for c in srcset.split(", "))]


def test_a_library_image_in_a_body_is_a_picture_with_webp_and_jpeg_at_several_widths(client):
    image = ImageFactory()
    post = PostFactory(body=f"Intro.\n\n{image.markdown}\n\nMore text.")
    [picture] = page_pictures(client, post)
    [webp] = picture["sources"]
    img = picture["img"]
    assert webp["type"] == "image/webp"
    assert widths(webp["srcset"]) == widths(img["srcset"]) == [320, 640, 960, 1280, 1600]
    assert webp["sizes"] == img["sizes"] == "(max-width: 46rem) calc(100vw - 2.5rem), 696px"
    assert (img["width"], img["height"]) == ("1600", "900")
    assert img["alt"] == "Boats in a harbour at dusk"
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert img["src"] == candidates(img["srcset"])[-1][0], "the largest JPEG, not the original"


def test_the_renditions_are_in_the_storage_at_their_widths_and_formats(client):
    post = PostFactory(body=ImageFactory().markdown)
    [picture] = page_pictures(client, post)
    for srcset, fmt in (
        (picture["sources"][0]["srcset"], "WEBP"),
        (picture["img"]["srcset"], "JPEG"),
    ):
        for url, width in candidates(srcset):
            rendition = stored(url)
            assert (rendition.format, rendition.size) == (fmt, (width, round(900 * width / 1600)))


def test_a_narrow_png_library_image_gets_webp_and_png_and_sizes_no_wider_than_itself(client):
    image = ImageFactory(file=image_file("PNG", size=(500, 250), name="chart.png"))
    [picture] = page_pictures(client, PostFactory(body=image.markdown))
    [webp] = picture["sources"]
    assert widths(webp["srcset"]) == widths(picture["img"]["srcset"]) == [320, 500]
    assert stored(picture["img"]["src"]).format == "PNG"
    assert picture["img"]["sizes"].endswith(", 500px")


def test_an_animated_library_image_is_served_as_uploaded_with_its_size(client):
    frames = [PillowImage.new("RGB", (300, 200), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    image = ImageFactory(file=SimpleUploadedFile("moving.gif", buffer.getvalue()))
    post = PostFactory(body=image.markdown)
    assert page_pictures(client, post) == []
    [img] = body_images(post)
    assert img["src"] == image.file.url
    assert (img["width"], img["height"], img["loading"]) == ("300", "200", "lazy")


def test_an_external_image_keeps_a_plain_lazy_img(client):
    post = PostFactory(body="![A map](https://example.com/map.png)")
    assert page_pictures(client, post) == []
    [img] = body_images(post)
    assert img == {
        "alt": "A map",
        "src": "https://example.com/map.png",
        "loading": "lazy",
        "decoding": "async",
    }


def test_an_authors_own_picture_source_and_srcset_are_dropped():
    post = PostFactory(
        body='<picture><source srcset="https://evil.example/x.png 1w" type="image/png">'
        '<img src="https://example.com/a.png" srcset="https://evil.example/y.png 1w" '
        'sizes="1px" alt="A"></picture>'
    )
    assert "<picture" not in post.body_html and "<source" not in post.body_html
    assert "evil.example" not in post.body_html and "sizes" not in post.body_html


def test_resaving_and_editing_the_post_keeps_the_picture_and_makes_no_new_files(client):
    image = ImageFactory()
    post = PostFactory(body=f"First.\n\n{image.markdown}")
    files = default_storage.listdir("library/" + image.file.name.split("/")[1] + "/")
    before = page_pictures(client, post)
    post.save()
    post.body = f"Edited.\n\n{image.markdown}\n\nAnd a new paragraph."
    post.save()
    after = page_pictures(client, post)
    assert after == before and len(after) == 1
    assert "And a new paragraph." in client.get(post.get_absolute_url()).content.decode()
    assert default_storage.listdir(f"library/{image.file.name.split('/')[1]}/") == files
    assert MediaRenditions.objects.count() == 1


def test_the_same_image_twice_and_two_images_are_each_a_picture(client):
    first, second = ImageFactory(), ImageFactory(alt="A second picture")
    post = PostFactory(body=f"{first.markdown}\n\n{second.markdown}\n\n{first.markdown}")
    alts = [picture["img"]["alt"] for picture in page_pictures(client, post)]
    assert alts == [first.alt, second.alt, first.alt]


def test_a_page_view_reads_no_media_file(client, monkeypatch):
    post = PostFactory(body=ImageFactory().markdown)

    def no_reading(*args, **kwargs):
        raise AssertionError("a page view opened a media file")

    storage_class = type(default_storage._wrapped)
    monkeypatch.setattr(storage_class, "open", no_reading)
    monkeypatch.setattr(storage_class, "exists", no_reading)
    assert len(page_pictures(client, post)) == 1


def test_the_preview_makes_no_renditions():
    name = default_storage.save("images/chart.png", image_file("PNG", size=(640, 360)))
    html = render_body(f"![A chart](/media/{name})")
    assert "<picture" not in html and 'width="640"' in html
    assert not MediaRenditions.objects.exists()


def test_make_renditions_serves_older_media_images_and_library_images_as_pictures(client):
    chart = default_storage.save("images/chart.png", image_file("PNG", size=(640, 360)))
    image = ImageFactory()
    MediaRenditions.objects.all().delete()
    post = PostFactory(
        body=f"![A chart](/media/{chart})\n\n{image.markdown}\n\n"
        "![Elsewhere](https://example.com/a.png)\n\n"
        "![Gone](/media/images/missing.png)\n\n![Sneaky](/media/../../etc/passwd)"
    )
    assert page_pictures(client, post) == []
    chart_img = body_images(post)[0]
    assert (chart_img["width"], chart_img["height"]) == ("640", "360"), "sized meanwhile"
    updated = post.updated
    call_command("make_renditions", verbosity=0)
    post.refresh_from_db()
    pictures = page_pictures(client, post)
    assert [picture["img"]["alt"] for picture in pictures] == ["A chart", image.alt]
    assert widths(pictures[0]["sources"][0]["srcset"]) == [320, 640]
    assert [img["alt"] for img in body_images(post)][2:] == ["Elsewhere", "Gone", "Sneaky"]
    assert post.updated == updated, "not an edit"
    assert set(MediaRenditions.objects.values_list("name", flat=True)) == {chart, image.file.name}


def test_make_renditions_all_remakes_them_and_deletes_the_old_files(client):
    post = PostFactory(body=ImageFactory().markdown)
    [old] = page_pictures(client, post)
    call_command("make_renditions", "--all", verbosity=0)
    post.refresh_from_db()
    [new] = page_pictures(client, post)
    assert widths(new["img"]["srcset"]) == widths(old["img"]["srcset"])
    for url, _ in candidates(old["img"]["srcset"]) + candidates(old["sources"][0]["srcset"]):
        assert not default_storage.exists(url.removeprefix("/media/"))
    for url, _ in candidates(new["img"]["srcset"]):
        assert stored(url).format == "JPEG"


def test_a_post_saved_before_its_image_had_renditions_is_served_them_once_resaved(client):
    image = ImageFactory()
    record = MediaRenditions.objects.get().record
    MediaRenditions.objects.all().delete()
    post = PostFactory(body=image.markdown)
    assert page_pictures(client, post) == []
    MediaRenditions.objects.create(name=image.file.name, record=record)
    Post.objects.get(pk=post.pk).save()
    assert len(page_pictures(client, post)) == 1
