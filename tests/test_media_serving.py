"""With DEBUG off and no S3, the app itself serves uploaded covers (SERVE_MEDIA)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def post_with_cover():
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "navy").save(buffer, format="JPEG")
    return PostFactory(
        cover_image=SimpleUploadedFile("cover.jpg", buffer.getvalue()), cover_image_alt="Navy"
    )


def media_urls(html: str) -> set[str]:
    """Every /media/ address in a page's src and srcset attributes."""
    return set(re.findall(r"(/media/[^\s\"',]+)", html))


def test_covers_and_their_renditions_on_the_pages_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False and settings.SERVE_MEDIA is True
    post = post_with_cover()
    index = media_urls(client.get("/").content.decode())
    page = media_urls(client.get(post.get_absolute_url()).content.decode())
    assert any(url.endswith(".webp") for url in index)
    assert any(url.endswith(".jpg") for url in index)
    for url in index | page:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] in {"image/jpeg", "image/webp"}
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert image.format in {"JPEG", "WEBP"}


def any_rendition_url() -> str:
    from django.core.files.storage import default_storage

    post = post_with_cover()
    name = post.cover_renditions["sources"]["image/jpeg"][0][1]
    return default_storage.url(name)


def test_served_media_can_be_cached_and_revalidated(client):
    url = any_rendition_url()
    response = client.get(url)
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_media_outside_the_upload_folder_or_missing_is_404(client):
    post_with_cover()
    assert client.get("/media/../config/settings.py").status_code == 404
    assert client.get("/media/%2e%2e/manage.py").status_code == 404
    assert client.get("/media/covers/missing.jpg").status_code == 404
    assert client.get("/media/covers/").status_code == 404


def test_media_refuses_writes(client):
    assert client.post(any_rendition_url()).status_code == 405
