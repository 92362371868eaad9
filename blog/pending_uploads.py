"""Deleting the files kept for failed forms (images.forms.KeepsUploadMixin) once their signed
name has expired: through the storage API (media may be on S3), never one something names or links.
"""

import contextlib
import itertools
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
    fields = (Post._meta.get_field("cover_image"), Image._meta.get_field("file"))
    return list({id(file.storage): file.storage for file in fields}.values())


def walk(storage, folder: str = PENDING_UPLOAD_DIR) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from walk(storage, posixpath.join(folder, sub))


def names_in_use() -> set[str]:
    """The names under PENDING_UPLOAD_DIR that something in the database refers to."""
    prefix = PENDING_UPLOAD_DIR + "/"
    used = set(Image.objects.filter(file__startswith=prefix).values_list("file", flat=True))
    revisions = PostRevision.objects.filter(cover_image__startswith=prefix)
    used.update(revisions.values_list("cover_image", flat=True))
    media = MediaRenditions.objects.filter(name__startswith=prefix)
    covers = Post.objects.filter(cover_image__startswith=prefix)
    for name, record in itertools.chain(
        media.values_list("name", "record"), covers.values_list("cover_image", "cover_renditions")
    ):
        used |= {name, *rendition_names(record)}
    return used


def linked_from_bodies(names: list[str]) -> set[str]:
    """Those of `names` a post's body links (one query; normally no post matches)."""
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
        deletable = [name for name in stale if name not in linked]
        result.deleted += deletable
        if not dry_run:
            for name in deletable:
                storage.delete(name)
            remove_empty_folders(storage)
    return result


def remove_empty_folders(storage, folder: str = PENDING_UPLOAD_DIR) -> None:
    """Remove the emptied folders of a local storage; S3 has none."""
    try:
        root = storage.path(folder)
    except NotImplementedError:
        return
    for path, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if path != root:
            with contextlib.suppress(OSError):  # not empty
                os.rmdir(path)
