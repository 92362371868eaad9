"""make backup / make restore: the restored site has every post, comment, status and media file.

Runs on the database under test: SQLite's online backup API with `make test`, pg_dump and
pg_restore with `make test-postgres`.
"""

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


def test_backup_refuses_to_overwrite_an_existing_folder(tmp_path):
    (tmp_path / "backup").mkdir()
    with pytest.raises(CommandError):
        call_command("backup", str(tmp_path / "backup"))


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), "--noinput")
