"""Media on S3-compatible storage (django-storages), against a local S3 server: moto in server
mode on loopback, started by the test. Nothing here reaches a real cloud."""

import io
import json
import re
import urllib.request

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.factories import ImageFactory, PostFactory

pytestmark = pytest.mark.django_db

BUCKET = "blog-media"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_media(settings, s3_endpoint):
    """The settings config/settings.py derives from AWS_STORAGE_BUCKET_NAME and friends."""
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    s3.create_bucket(Bucket=BUCKET)
    # Readers fetch covers straight from the bucket, as from a public bucket or a CDN.
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = credentials["aws_access_key_id"]
    settings.AWS_SECRET_ACCESS_KEY = credentials["aws_secret_access_key"]
    settings.AWS_QUERYSTRING_AUTH = False
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    return f"{s3_endpoint}/{BUCKET}/"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "darkgreen").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_uploaded_cover_goes_to_s3_and_its_renditions_are_linked_from_the_pages(client, s3_media):
    post = PostFactory(
        cover_image=SimpleUploadedFile("cover.jpg", jpeg_bytes()), cover_image_alt="Green"
    )
    index = client.get("/").content.decode()
    smallest = re.search(rf"({re.escape(s3_media)}covers/\S+-320w\.webp) 320w", index).group(1)
    with urllib.request.urlopen(smallest, timeout=10) as response:
        rendition = Image.open(io.BytesIO(response.read()))
    assert (rendition.format, rendition.width) == ("WEBP", 320)
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'src="{s3_media}covers/' in page
    with urllib.request.urlopen(post.cover_image.url, timeout=10) as response:
        assert Image.open(io.BytesIO(response.read())).size == (1600, 900)


def test_a_library_image_in_a_body_is_served_from_its_s3_renditions(client, s3_media):
    image = ImageFactory(file=SimpleUploadedFile("harbour.jpg", jpeg_bytes()))
    assert image.file.url.startswith(s3_media)
    post = PostFactory(body=f"On the water:\n\n{image.markdown}")
    page = client.get(post.get_absolute_url()).content.decode()
    srcsets = re.findall(r'<source type="image/webp" srcset="([^"]+)"', page)
    assert len(srcsets) == 1
    smallest, *_, largest = (candidate.split()[0] for candidate in srcsets[0].split(", "))
    assert smallest.startswith(f"{s3_media}library/")
    for url, size in ((smallest, (320, 180)), (largest, (1600, 900))):
        with urllib.request.urlopen(url, timeout=10) as response:
            rendition = Image.open(io.BytesIO(response.read()))
        assert (rendition.format, rendition.size) == ("WEBP", size)
    assert 'width="1600" height="900" loading="lazy"' in page
