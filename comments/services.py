"""Comment flows that cross apps: submitting and moderating touch the post, the comment and mail.

The reader's view and the admin actions call these same functions: one code path to test.
"""

from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from comments import conf, spam
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings, VerifiedEmail
from comments.notifications import notify_moderators

VERIFY_SALT = "comments.verify-email"


class CommentsClosed(PermissionDenied):
    """The post takes no new comments (closed by hand or by age)."""


@transaction.atomic
def moderate_comments(*, comments, status: str, moderator: AbstractBaseUser | None) -> int:
    """Set the status of many comments in one UPDATE (which recounts the posts they are on)."""
    comments = Comment.objects.filter(pk__in=comments.values("pk")).exclude(status=status)
    return comments.update(status=status, moderated_by=moderator, moderated_at=timezone.now())


def moderate_comment(*, comment: Comment, status: str, moderator: AbstractBaseUser | None) -> None:
    """Set one comment's status (see comments.moderation.ACTIONS) and refresh it."""
    moderate_comments(
        comments=Comment.objects.filter(pk=comment.pk), status=status, moderator=moderator
    )
    comment.refresh_from_db()


def comments_close_at(*, post: Post, rules: ModerationSettings):
    """When an open post closes to comments by age (a datetime), or None if it never does."""
    if not post.comments_enabled or rules.close_after_days is None or post.publish_at is None:
        return None
    return post.publish_at + timedelta(days=rules.close_after_days)


def comments_closed(*, post: Post, rules: ModerationSettings | None = None) -> bool:
    """Whether the post refuses new comments: closed by its editor, or older than the limit."""
    if not post.comments_enabled:
        return True
    rules = rules or ModerationSettings.load()
    if rules.close_after_days is None or post.publish_at is None:
        return False
    return post.publish_at < timezone.now() - timedelta(days=rules.close_after_days)


@transaction.atomic
def submit_comment(
    *,
    post: Post,
    form: CommentForm,
    ip: str | None,
    user_agent: str,
    user: AbstractBaseUser | AnonymousUser | None,
    verified_emails: Collection[str] = (),
) -> Comment:
    """Store a valid comment as pending, spam or (trusted commenter) approved; queue the mail.

    `verified_emails`: the addresses whose confirmation link was opened in the poster's browser
    (comments.session.verified_emails), the only way an anonymous poster earns trust.
    """
    rules = ModerationSettings.load()
    if comments_closed(post=post, rules=rules):
        raise CommentsClosed
    comment = form.save(commit=False)
    comment.post = post
    comment.ip_address = ip or None
    comment.user_agent = user_agent[:500]
    comment.user = user if user is not None and user.is_authenticated else None
    verdict = spam.check_comment(
        comment=comment,
        rules=rules,
        honeypot=form.cleaned_data["honeypot"],
        verified_emails=verified_emails,
    )
    comment.status, comment.moderation_reasons = verdict.status, verdict.reasons
    comment.full_clean()
    comment.save()
    _queue_moderator_notice(comment)
    if "unverified" in comment.moderation_reasons:
        transaction.on_commit(lambda: send_verification_email(email=comment.author_email))
    return comment


def _queue_moderator_notice(comment: Comment) -> None:
    transaction.on_commit(lambda: notify_moderators(comment))


def email_verification_token(email: str) -> str:
    """A signed, expiring token that proves whoever opens the link reads this address."""
    return signing.dumps(email.casefold(), salt=VERIFY_SALT)


def send_verification_email(*, email: str) -> None:
    """Mail a commenter the link that confirms their address (and so makes them trustable)."""
    path = reverse("comments:verify_email", kwargs={"token": email_verification_token(email)})
    context = {"link": settings.SITE_URL.rstrip("/") + path, "site_name": settings.SITE_NAME}
    send_mail(
        subject=f"Confirm your email address for {settings.SITE_NAME}",
        message=render_to_string("comments/verify_email.txt", context),
        from_email=None,
        recipient_list=[email],
    )


def verify_email(*, token: str) -> VerifiedEmail:
    """Record the address in a valid confirmation token; raises signing.BadSignature if not."""
    email = signing.loads(token, salt=VERIFY_SALT, max_age=conf.VERIFY_MAX_AGE)
    verified = VerifiedEmail.objects.filter(email__iexact=email).first()
    if verified is None:
        verified = VerifiedEmail(email=email)
        verified.full_clean()
        verified.save()
    return verified
