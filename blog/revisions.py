"""Revisions of posts: one kept per change of content, a readable diff between two, and restore.

A revision is recorded explicitly by whatever changed the post: an admin save or bulk action,
a restore, an import (`import_posts`, `import_wordpress`). Not by a signal: saves that change
no content (renditions, comment counts) must not add one. A scheduled post going live is no
save at all; the history shows it as an event computed from the post (`went_live_at`).

Restoring brings back the text, tags and cover, never the status: whether a post is live stays
the editors' decision (blog.workflow). A restore is itself a new revision.
"""

import difflib
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from blog import renditions
from blog.models import Post, PostRevision

# The fields a revision keeps, in the order the diff shows them.
FIELDS = ["title", "summary", "body", "tags", "cover_image", "cover_image_alt", "status"]
RESTORED = ["title", "summary", "body", "cover_image_alt"]


def tag_text(post: Post) -> str:
    return ", ".join(sorted(post.tags.names(), key=str.lower))


def record(*, post: Post, user: AbstractBaseUser | None, note: str = "") -> PostRevision:
    """Keep what `post` says now (after its tags were saved) as a new revision."""
    return PostRevision.objects.create(
        post=post,
        title=post.title,
        summary=post.summary,
        body=post.body,
        tags=tag_text(post),
        cover_image=post.cover_image.name or "",
        cover_image_alt=post.cover_image_alt,
        status=post.status,
        publish_at=post.publish_at,
        created_by=user if user is not None and user.is_authenticated else None,
        note=note,
    )


def went_live_at(post: Post, kept: list[PostRevision]) -> datetime | None:
    """When a scheduled post went live by itself (no save happened then), else None.

    That is when the post is public now and the revision in force just before its publication
    time (`kept` oldest first) already had it published for that time: it was scheduled.
    """
    if not post.is_published:
        return None
    before = [revision for revision in kept if revision.created < post.publish_at]
    if not before:
        return None
    last = before[-1]
    scheduled = last.status == Post.Status.PUBLISHED and last.publish_at == post.publish_at
    return post.publish_at if scheduled else None


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del" or "same"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: list[DiffLine]


def diff(older: PostRevision | None, newer: PostRevision) -> list[FieldDiff]:
    """What changed from `older` to `newer`, field by field, line by line (difflib)."""
    changes = []
    for field in FIELDS:
        before = getattr(older, field) if older is not None else ""
        after = getattr(newer, field)
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(before.splitlines(), after.splitlines()):
            code, text = line[:2], line[2:]
            if code == "+ ":
                lines.append(DiffLine("add", text))
            elif code == "- ":
                lines.append(DiffLine("del", text))
            elif code == "  ":
                lines.append(DiffLine("same", text))
        changes.append(FieldDiff(field, lines))
    return changes


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
    number = post.revisions.filter(pk__lte=revision.pk).count()
    return record(post=post, user=user, note=f"Restored revision {number}")
