"""make backup / make restore: the restored site has every post, comment, status and media file.

Runs on the database under test: SQLite's online backup API with `make test`, pg_dump and
pg_restore with `make test-postgres`.
"""

import io
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from blog.models import Post
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory

# Committed data: pg_dump reads through its own connection, and a restore replaces the database.
pytestmark = pytest.mark.django_db(transaction=True)


def site_state(media_root: Path) -> dict:
    return {
        "posts": sorted(Post.objects.values_list("slug", "status", "title")),
        "comments": sorted(Comment.objects.values_list("body", "status", "post__slug")),
        "media": {
            str(path.relative_to(media_root)): path.read_bytes()
            for path in sorted(media_root.rglob("*"))
            if path.is_file()
        },
    }


def test_backup_then_restore_brings_back_every_post_comment_status_and_media_file(
    settings, tmp_path
):
    published = PostFactory(title="Published one")
    PostFactory(title="A draft", draft=True)
    PostFactory(title="Scheduled", scheduled=True)
    for status in ("pending", "approved", "rejected", "spam"):
        CommentFactory(post=published, status=status, body=f"A {status} comment")
    default_storage.save("covers/photo.jpg", ContentFile(b"\xff\xd8 not really a jpeg"))
    default_storage.save("covers/2026/other.png", ContentFile(b"\x89PNG bytes"))
    media_root = Path(settings.MEDIA_ROOT)
    before = site_state(media_root)
    assert len(before["posts"]) == 3 and len(before["comments"]) == 4
    assert len(before["media"]) == 2

    call_command("backup", str(tmp_path / "backup"))

    # Then things go wrong: posts and media lost, something new written.
    Comment.objects.all().delete()
    Post.objects.all().delete()
    default_storage.delete("covers/photo.jpg")
    default_storage.save("covers/after-the-backup.jpg", ContentFile(b"new"))
    PostFactory(title="Written after the backup")
    assert site_state(media_root) != before

    call_command("restore", str(tmp_path / "backup"), "--noinput")

    assert site_state(media_root) == before


def test_pages_cached_before_a_restore_show_the_restored_posts(client, tmp_path):
    PostFactory(title="Kept by the backup")
    call_command("backup", str(tmp_path / "backup"))
    PostFactory(title="Written after the backup")
    client.get("/")
    cached = client.get("/")
    assert cached["X-Page-Cache"] == "hit"
    assert "Written after the backup" in cached.content.decode()

    call_command("restore", str(tmp_path / "backup"), "--noinput")

    index = client.get("/").content.decode()
    assert "Kept by the backup" in index
    assert "Written after the backup" not in index


def test_backup_refuses_to_overwrite_an_existing_folder(tmp_path):
    (tmp_path / "backup").mkdir()
    with pytest.raises(CommandError):
        call_command("backup", str(tmp_path / "backup"))


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), "--noinput")


def hostile_member(kind: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo({"absolute": "/tmp/evil", "parent": "../evil"}.get(kind, "evil"))
    member.type = {
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "device": tarfile.CHRTYPE,
        "fifo": tarfile.FIFOTYPE,
    }.get(kind, tarfile.REGTYPE)
    member.linkname = "/etc/passwd" if kind in {"symlink", "hardlink"} else ""
    return member


@pytest.mark.parametrize("with_filters", [True, False], ids=["as-installed", "no-filters"])
@pytest.mark.parametrize("kind", ["symlink", "hardlink", "device", "fifo", "absolute", "parent"])
def test_restore_refuses_a_hostile_media_archive_and_changes_nothing(
    settings, tmp_path, monkeypatch, kind, with_filters
):
    if not with_filters:  # as on Debian 12's Python 3.11.2, older than tarfile's filters
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    post = PostFactory(title="Kept")
    default_storage.save("covers/photo.jpg", ContentFile(b"kept bytes"))
    call_command("backup", str(tmp_path / "backup"))
    with tarfile.open(tmp_path / "backup" / "media.tar.gz", "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("covers"))  # harmless entries first: refused as a whole
        tar.addfile(hostile_member(kind), io.BytesIO(b""))
    PostFactory(title="Written after the backup")

    with pytest.raises(CommandError, match="which a restore does not write"):
        call_command("restore", str(tmp_path / "backup"), "--noinput")

    assert set(Post.objects.values_list("title", flat=True)) == {
        post.title,
        "Written after the backup",
    }
    assert (Path(settings.MEDIA_ROOT) / "covers/photo.jpg").read_bytes() == b"kept bytes"
    assert not Path("/tmp/evil").exists() and not (tmp_path.parent / "evil").exists()


@pytest.mark.parametrize("with_filters", [True, False], ids=["as-installed", "no-filters"])
def test_restored_media_files_lose_setuid_and_world_write_bits(
    settings, tmp_path, monkeypatch, with_filters
):
    if not with_filters:  # as on Debian 12's Python 3.11.2, older than tarfile's filters
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    call_command("backup", str(tmp_path / "backup"))
    with tarfile.open(tmp_path / "backup" / "media.tar.gz", "w:gz") as tar:
        member = tarfile.TarInfo("covers/photo.jpg")
        member.size, member.mode = 5, 0o4777
        tar.addfile(member, io.BytesIO(b"bytes"))

    call_command("restore", str(tmp_path / "backup"), "--noinput")

    restored = Path(settings.MEDIA_ROOT) / "covers/photo.jpg"
    assert restored.read_bytes() == b"bytes"
    assert restored.stat().st_mode & 0o7777 == 0o755
