"""Revisions of posts: one per change of content, a diff between two, and restore. Recorded by
whatever changed the post, not by a signal: saves of renditions or comment counts add none.
A restore never brings back the status: going live stays the editors' decision."""

import difflib
from collections import namedtuple
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.text import capfirst

from blog.models import Post, PostRevision
from images import renditions

# The fields a revision keeps, in the order the diff shows them.
FIELDS = ["title", "summary", "body", "tags", "cover_image", "cover_image_alt", "status"]
# Copied as they are between a post and its revisions (tags and cover need converting).
RESTORED = ["title", "summary", "body", "cover_image_alt"]
# What a restore may change: all but the status.
RESTORABLE = [field for field in FIELDS if field != "status"]


def snapshot(post: Post) -> PostRevision:
    """What `post` says now, as an unsaved revision: to compare a revision with."""
    return PostRevision(
        post=post,
        tags=", ".join(sorted(post.tags.names(), key=str.lower)),
        cover_image=post.cover_image.name or "",
        status=post.status,
        publish_at=post.publish_at,
        **{field: getattr(post, field) for field in RESTORED},
    )


def record(*, post: Post, user: AbstractBaseUser | None, note: str = "") -> PostRevision:
    """Keep what `post` says now (after its tags were saved) as a new revision."""
    revision = snapshot(post)
    revision.created_by = user if user is not None and user.is_authenticated else None
    revision.note = note
    revision.save()
    return revision


def numbered(post: Post) -> list[PostRevision]:
    """The post's revisions, oldest first: revision n is the list's n-th."""
    return list(post.revisions.select_related("created_by").order_by("created", "pk"))


def number_of(revision: PostRevision) -> int:
    """The revision's number, counted as numbered() does."""
    created = revision.created
    earlier = Q(created__lt=created) | Q(created=created, pk__lte=revision.pk)
    return PostRevision.objects.filter(earlier, post_id=revision.post_id).count()


def went_live_at(post: Post, kept: list[PostRevision]) -> datetime | None:
    """When a scheduled post went live by itself (no save happened then), else None: the
    revision in force just before its publication time already had it published for then."""
    if not post.is_published:
        return None
    before = [revision for revision in kept if revision.created < post.publish_at]
    if not before:
        return None
    last = before[-1]
    scheduled = last.status == Post.Status.PUBLISHED and last.publish_at == post.publish_at
    return post.publish_at if scheduled else None


DiffLine = namedtuple("DiffLine", ["kind", "text"])  # kind: "add", "del" or "same"
FieldDiff = namedtuple("FieldDiff", ["label", "lines"])  # label: the form's, e.g. "Cover image"
# difflib.ndiff's line codes; its "? " hint lines are left out.
DIFF_KINDS = {"+ ": "add", "- ": "del", "  ": "same"}


def diff(older: PostRevision | None, newer: PostRevision, fields=FIELDS) -> list[FieldDiff]:
    """What changed from `older` to `newer`, field by field, line by line (difflib)."""
    changes = []
    for field in fields:
        before, after = _text(older, field), _text(newer, field)
        if before != after:
            lines = [
                DiffLine(DIFF_KINDS[line[:2]], line[2:])
                for line in difflib.ndiff(before.splitlines(), after.splitlines())
                if line[:2] in DIFF_KINDS
            ]
            label = capfirst(Post._meta.get_field(field).verbose_name)
            changes.append(FieldDiff(label, lines))
    return changes


def _text(revision: PostRevision | None, field: str) -> str:
    if revision is None:
        return ""
    return revision.get_status_display() if field == "status" else getattr(revision, field)


@transaction.atomic
def restore(*, revision: PostRevision, user: AbstractBaseUser) -> PostRevision:
    """Put the revision's text, tags and cover back on its post; returns the new revision."""
    post = Post.objects.select_for_update().get(pk=revision.post_id)
    for field in RESTORED:
        setattr(post, field, getattr(revision, field))
    if revision.cover_image != (post.cover_image.name or ""):
        stale = renditions.rendition_names(post.cover_renditions)
        storage = post.cover_image.storage
        post.cover_image = revision.cover_image
        post.cover_renditions = {}
        if stale:
            transaction.on_commit(lambda: renditions.delete_files(storage, stale))
    post.full_clean(exclude=["slug", "cover_image"])
    post.save()
    post.tags.set([name.strip() for name in revision.tags.split(",") if name.strip()], clear=True)
    return record(post=post, user=user, note=f"Restored revision {number_of(revision)}")
