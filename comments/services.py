"""Comment flows that cross apps: submitting and moderating touch the post, the comment and mail.

The reader's view and the admin actions call these same functions: one code path to test.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from blog.models import Post
from comments.models import Comment


def refresh_comment_count(post_id: int) -> None:
    """Recount a post's approved comments into Post.approved_comment_count."""
    Post.objects.filter(pk=post_id).update(
        approved_comment_count=Comment.objects.approved().filter(post_id=post_id).count()
    )


@transaction.atomic
def moderate_comments(*, comments, status: str, moderator: AbstractBaseUser | None) -> int:
    """Set the status of many comments in one UPDATE and recount the posts they belong to."""
    comments = Comment.objects.filter(pk__in=comments.values("pk")).exclude(status=status)
    post_ids = set(comments.values_list("post_id", flat=True).distinct())
    changed = comments.update(status=status, moderated_by=moderator, moderated_at=timezone.now())
    for post_id in post_ids:
        refresh_comment_count(post_id)
    return changed


def approve_comment(*, comment: Comment, moderator: AbstractBaseUser | None) -> None:
    """Publish one comment."""
    moderate_comments(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=moderator,
    )
    comment.refresh_from_db()


def reject_comment(*, comment: Comment, moderator: AbstractBaseUser | None) -> None:
    """Hide one comment for good (kept for the record)."""
    moderate_comments(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.REJECTED,
        moderator=moderator,
    )
    comment.refresh_from_db()


def mark_spam(*, comment: Comment, moderator: AbstractBaseUser | None) -> None:
    """File one comment as spam."""
    moderate_comments(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.SPAM,
        moderator=moderator,
    )
    comment.refresh_from_db()
