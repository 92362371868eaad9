"""Cleaning up the files kept for a failed form (images.forms.KeepsUploadMixin).

Such a file waits under PENDING_UPLOAD_DIR for the next submit; a successful save stores a copy
under the field's own folder, so the waiting one is left behind, and an abandoned form leaves
its file too. After PENDING_UPLOAD_MAX_AGE the signed name that points to it no longer works,
so older files can go. Only through the storage API (media may be on S3), and never a file
that a post, a revision, a library image or a renditions record names, or a post body links.
"""

import contextlib
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from blog.models import Post, PostRevision
from images.forms import PENDING_UPLOAD_DIR
from images.models import Image, MediaRenditions
from images.renditions import rendition_names


@dataclass
class Cleanup:
    deleted: list[str] = field(default_factory=list)
    in_use: list[str] = field(default_factory=list)
    recent: int = 0


def storages() -> list:
    """The storages the kept-upload fields write to, each once."""
    found = []
    for model, name in ((Post, "cover_image"), (Image, "file")):
        storage = model._meta.get_field(name).storage
        if all(storage is not seen for seen in found):
            found.append(storage)
    return found


def walk(storage, folder: str = PENDING_UPLOAD_DIR) -> Iterator[str]:
    """Every stored name under `folder`, at any depth (a missing folder holds none)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from walk(storage, posixpath.join(folder, sub))


def names_in_use() -> set[str]:
    """The names under PENDING_UPLOAD_DIR that something in the database refers to.

    None should (a save copies the file out), but a file something names must outlive this.
    """
    prefix = PENDING_UPLOAD_DIR + "/"
    used = set(Image.objects.filter(file__startswith=prefix).values_list("file", flat=True))
    used |= set(
        PostRevision.objects.filter(cover_image__startswith=prefix).values_list(
            "cover_image", flat=True
        )
    )
    for name, record in MediaRenditions.objects.filter(name__startswith=prefix).values_list(
        "name", "record"
    ):
        used |= {name, *rendition_names(record)}
    for cover, record in Post.objects.filter(cover_image__startswith=prefix).values_list(
        "cover_image", "cover_renditions"
    ):
        used |= {cover, *rendition_names(record)}
    return used


def linked_from_bodies(names: list[str]) -> set[str]:
    """Those of `names` a post's body links (one query; normally no post matches at all)."""
    mentions = Q(body__contains=PENDING_UPLOAD_DIR) | Q(body_html__contains=PENDING_UPLOAD_DIR)
    bodies = list(Post.objects.filter(mentions).values_list("body", "body_html"))
    return {name for name in names if any(name in body or name in html for body, html in bodies)}


def clean(*, older_than: datetime, dry_run: bool = False) -> Cleanup:
    """Delete the kept uploads stored before `older_than` that nothing refers to."""
    result = Cleanup()
    used = names_in_use()
    for storage in storages():
        stale = []
        for name in walk(storage):
            if storage.get_modified_time(name) >= older_than:
                result.recent += 1
            elif name in used:
                result.in_use.append(name)
            else:
                stale.append(name)
        linked = linked_from_bodies(stale)
        result.in_use += sorted(linked)
        for name in stale:
            if name in linked:
                continue
            if not dry_run:
                storage.delete(name)
            result.deleted.append(name)
        if not dry_run:
            remove_empty_folders(storage)
    return result


def remove_empty_folders(storage, folder: str = PENDING_UPLOAD_DIR) -> None:
    """Remove the emptied per-upload folders of a local storage; S3 has no folders to remove."""
    try:
        root = storage.path(folder)
    except NotImplementedError:
        return
    for path, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if path != root:
            with contextlib.suppress(OSError):  # not empty
                os.rmdir(path)
