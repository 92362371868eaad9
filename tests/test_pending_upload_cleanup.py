"""`clean_pending_uploads`: files kept for a failed form go once their day is over, never one
that a post, revision, library image, renditions record or body refers to; on S3 too."""

import io
import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.models import Post, PostRevision
from images.models import Image, MediaRenditions
from tests.factories import ImageFactory, PostFactory
from tests.test_cover_uploads import image_bytes
from tests.test_image_library import IMAGE_ADD_URL, upload
from tests.test_s3_media import s3_endpoint, s3_media  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def clean(*args) -> str:
    out = StringIO()
    call_command("clean_pending_uploads", *args, stdout=out)
    return out.getvalue()


def keep_upload_of_a_failed_form(client, author) -> tuple[str, str]:
    """Upload a library image without alt text; returns the kept file's name and its token."""
    client.force_login(author)
    html = client.post(IMAGE_ADD_URL, {"file": upload(), "alt": ""}).content.decode()
    token = re.search(r'name="pending_upload" value="([^"]+)"', html).group(1)
    (name,) = [name for name in pending_files() if name.endswith("tomatoes.png")]
    return name, token


def pending_files(storage=default_storage, folder="covers/pending") -> list[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names += pending_files(storage, f"{folder}/{sub}")
    return names


def stored(name: str) -> str:
    return default_storage.save(name, io.BytesIO(image_bytes("JPEG", size=(64, 48))))


def test_a_kept_upload_stays_for_a_day_then_is_deleted(client, author):
    name, token = keep_upload_of_a_failed_form(client, author)
    # The file's age is by the storage's clock (a file system's mtime, S3's LastModified).
    stored_at = default_storage.get_modified_time(name)
    with time_machine.travel(stored_at + timedelta(hours=23)):
        output = clean()
        assert default_storage.exists(name)
        assert "Deleted 0 kept upload(s) older than 24h; kept 0 in use and 1 newer." in output
    with time_machine.travel(stored_at + timedelta(hours=25)):
        output = clean()
    assert not default_storage.exists(name)
    assert "Deleted 1 kept upload(s) older than 24h" in output
    assert default_storage.listdir("covers/pending") == ([], []), "its folder went too"
    # The form that kept it now asks for the file again: a form error, not a failure.
    response = client.post(IMAGE_ADD_URL, {"alt": "Tomatoes", "pending_upload": token})
    assert response.status_code == 200 and not Image.objects.exists()


def test_the_copy_a_successful_save_made_stays_and_the_kept_original_goes(client, author):
    name, token = keep_upload_of_a_failed_form(client, author)
    client.post(IMAGE_ADD_URL, {"alt": "Tomatoes", "pending_upload": token})
    image = Image.objects.get()
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        clean()
    assert not default_storage.exists(name)
    assert default_storage.exists(image.file.name)


def test_a_file_something_refers_to_is_never_deleted():
    cover = stored("covers/pending/a1/cover.jpg")
    Post.objects.filter(pk=PostFactory().pk).update(cover_image=cover)
    in_revision = stored("covers/pending/a2/old-cover.jpg")
    PostRevision.objects.create(post=PostFactory(), title="t", body="b", cover_image=in_revision)
    library = stored("covers/pending/a3/library.jpg")
    Image.objects.filter(pk=ImageFactory().pk).update(file=library)
    with_renditions = stored("covers/pending/a4/media.jpg")
    MediaRenditions.objects.make(default_storage, with_renditions)
    made = pending_files(folder="covers/pending/a4/renditions")
    linked = stored("covers/pending/a5/linked.jpg")
    PostFactory(body=f"![A photo]({default_storage.url(linked)})")
    orphan = stored("covers/pending/a6/orphan.jpg")
    elsewhere = PostFactory(cover_image=stored("covers/2026/old.jpg"), cover_image_alt="Old")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        output = clean()
    for name in (cover, in_revision, library, with_renditions, *made, linked):
        assert default_storage.exists(name), name
    assert made, "the renditions of a media image are kept with it"
    assert not default_storage.exists(orphan)
    assert default_storage.exists(elsewhere.cover_image.name), "only covers/pending/ is cleaned"
    assert f"Deleted 1 kept upload(s) older than 24h; kept {5 + len(made)} in use" in output


def test_dry_run_lists_and_deletes_nothing():
    name = stored("covers/pending/b1/photo.jpg")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        output = clean("--dry-run", "--older-than", "36h")
    assert f"would delete {name}" in output
    assert "Would delete 1 kept upload(s) older than 36h" in output
    assert default_storage.exists(name)


@pytest.mark.parametrize("age", ["", "24", "1w", "-3h", "h"])
def test_an_age_it_cannot_read_is_a_one_line_error(age):
    with pytest.raises(CommandError, match="write a number and s, m, h or d"):
        clean(f"--older-than={age}")


@pytest.mark.usefixtures("s3_media")
def test_kept_uploads_on_s3_are_cleaned_through_the_storage_api(client, author):
    name, _ = keep_upload_of_a_failed_form(client, author)
    in_use = stored("covers/pending/c1/cover.jpg")
    Post.objects.filter(pk=PostFactory().pk).update(cover_image=in_use)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        output = clean()
    assert "Deleted 1 kept upload(s) older than 24h; kept 1 in use and 0 newer." in output
    assert not default_storage.exists(name)
    assert default_storage.exists(in_use)
