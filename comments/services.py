"""Comment flows that cross apps: submitting and moderating touch the post, the comment and mail.

The reader's view and the admin call these same functions; the mail they owe is queued once
committed (comments.tasks). A visitor's session, which remembers their comments, is read here."""

import hashlib
import logging
import time
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.site import site_name
from comments import counts, spam, subscriptions, tasks
from comments.forms import CommentForm, account_identity
from comments.models import Comment, ModerationSettings, VerifiedEmail
from comments.notifications import mail_link

logger = logging.getLogger(__name__)

VERIFY_SALT = "comments.verify-email"
PENDING_KEY = "comments_pending"
VERIFIED_KEY = "comments_verified_emails"
VERIFIED_REMEMBERED = 5


class CommentsClosed(PermissionDenied):
    """The post takes no new comments (closed by hand or by age)."""


@transaction.atomic
def moderate(
    *, comments: QuerySet, status: str, moderator: AbstractBaseUser | None, via: str
) -> dict[int, str]:
    """Give `comments` this status; returns {pk: status before} of those it changed. Every path
    calls this (`via` names it in the History), in a fixed number of queries however many."""
    rows = Comment.objects.filter(pk__in=comments.values("pk")).exclude(status=status)
    changed = list(rows.select_for_update(of=("self",)).select_related("post"))
    if not changed:
        return {}
    before = {comment.pk: comment.status for comment in changed}
    if moderator is not None:  # an e-mail link to an address without an account: nobody to log
        labels = dict(Comment.Status.choices)
        for old in set(before.values()):
            were = [comment for comment in changed if comment.status == old]
            message = f"Status: {labels[old]} → {labels[status]} (via {via})."
            LogEntry.objects.log_actions(moderator.pk, were, CHANGE, message)
    if status == Comment.Status.PENDING:  # back in the queue (an undo): nobody has decided it
        rows.update(status=status, moderated_by=None, moderated_at=None)
    else:
        rows.update(status=status, moderated_by=moderator, moderated_at=timezone.now())
    public = Comment.Status.APPROVED in {status, *before.values()}
    counts.recount({comment.post_id for comment in changed}, public_changed=public)
    if status == Comment.Status.APPROVED:
        queue_subscriber_notices(before)
    tasks.learn_spam_decision.enqueue(comment_ids=list(before), status=status)
    return before


def comments_close_at(*, post: Post, rules: ModerationSettings):
    """When an open post closes to comments by age (a datetime), or None if it never does.
    Pages never close by age: an About or a guestbook does not go stale (nor in WordPress)."""
    if not post.comments_enabled or rules.close_after_days is None or post.publish_at is None:
        return None
    if post.kind == Post.Kind.PAGE:
        return None
    return post.publish_at + timedelta(days=rules.close_after_days)


@transaction.atomic
def reply_as_staff(
    *, comment: Comment, body: str, moderator: AbstractBaseUser, approve_first: bool = False
) -> Comment:
    """Publish a moderator's answer under `comment` (approved first if asked), signed with their
    staff account. Too deep a comment is answered beside it, under its own parent."""
    if approve_first:
        this = Comment.objects.filter(pk=comment.pk)
        moderate(comments=this, status=Comment.Status.APPROVED, moderator=moderator, via="reply")
    parent = comment
    while parent.depth >= settings.COMMENT_MAX_DEPTH:
        parent = parent.parent
    name, email = account_identity(moderator)
    reply = Comment(
        post=comment.post,
        parent=parent,
        user=moderator,
        by_staff=True,
        author_name=name,
        author_email=email,
        body=body,
        status=Comment.Status.APPROVED,
        moderated_by=moderator,
        moderated_at=timezone.now(),
    )
    reply.full_clean()
    reply.save()
    counts.recount([reply.post_id])
    queue_subscriber_notices([reply.pk])
    return reply


def comments_closed(*, post: Post, rules: ModerationSettings | None = None) -> bool:
    """Whether the post refuses new comments: closed by its editor, or older than the limit."""
    if not post.comments_enabled:
        return True
    close_at = comments_close_at(post=post, rules=rules or ModerationSettings.load())
    return close_at is not None and close_at < timezone.now()


@transaction.atomic
def submit_comment(
    *,
    post: Post,
    form: CommentForm,
    ip: str | None,
    user_agent: str,
    user: AbstractBaseUser | AnonymousUser | None,
    verified_emails: Collection[str] = (),
) -> Comment | None:
    """Run every check on a new comment, store it as pending, spam or (trusted) approved and
    queue its mail; None if the form has errors. `verified_emails`: those confirmed in this
    browser, an anonymous poster's only way to earn trust."""
    rules = ModerationSettings.load()
    if comments_closed(post=post, rules=rules):
        raise CommentsClosed
    if not form.is_valid():
        return None
    comment = form.save(commit=False)
    comment.post = post
    comment.ip_address = ip or None
    comment.user_agent = user_agent[:500]
    if user is not None and user.is_authenticated:
        # Signed in: the account says who wrote it, whatever the form was sent with.
        comment.user = user
        comment.author_name, comment.author_email = account_identity(user)
    if spam.sent_before(comment=comment):
        form.add_error(None, ValidationError("You have already sent this comment.", "duplicate"))
        return None
    comment.status, comment.moderation_reasons = spam.check_comment(
        comment=comment,
        rules=rules,
        honeypot=form.cleaned_data["honeypot"],
        verified_emails=verified_emails,
    )
    comment.full_clean()
    comment.save()
    # A pending or spam comment changes no public page: nothing to purge.
    counts.recount([post.pk], public_changed=comment.status == Comment.Status.APPROVED)
    transaction.on_commit(lambda: notify_moderators(comment))
    if comment.status == Comment.Status.APPROVED:
        queue_subscriber_notices([comment.pk])
    # Trust, and mail to a commenter who asked for it, start with the address confirmed.
    wants_mail = comment.notify_me and comment.status != Comment.Status.SPAM
    if (
        "unverified" in comment.moderation_reasons
        or (wants_mail and not subscriptions.address_confirmed(comment.author_email))
    ) and confirmation_allowed(email=comment.author_email):
        email = comment.author_email
        transaction.on_commit(lambda: enqueue_or_log(tasks.send_confirmation_email, email=email))
    return comment


def email_verification_token(email: str) -> str:
    """A signed, expiring token that proves whoever opens the link reads this address."""
    return signing.dumps(email.casefold(), salt=VERIFY_SALT)


def address_digest(email: str) -> str:
    """An address's fingerprint, for counting and records that must not hold the address."""
    return hashlib.sha256(spam.fold(email).encode()).hexdigest()


def confirmation_allowed(*, email: str) -> bool:
    """Count a confirmation email to this address; False past COMMENT_CONFIRMATIONS_PER_DAY
    today: anyone can type someone else's address, from any number of IPs."""
    key = f"confirmation-mails:{address_digest(email)}:{int(time.time() // 86400)}"
    limiter = caches[settings.RATELIMIT_USE_CACHE]
    limiter.add(key, 0, timeout=2 * 86400)
    try:
        sent = limiter.incr(key)
    except ValueError:  # evicted meanwhile, or no cache at all: send
        return True
    if sent > settings.COMMENT_CONFIRMATIONS_PER_DAY:
        logger.info("Confirmation email not sent: address over its daily limit")
        return False
    return True


def enqueue_or_log(task_function, **kwargs) -> None:
    """Queue a mail task; an outage is logged, never raised: what it follows is committed by now."""
    try:
        task_function.enqueue(**kwargs)
    except Exception:
        logger.exception("Could not queue %s", task_function.name)


def notify_moderators(comment: Comment) -> None:
    """Queue the moderators' email about a pending comment: others need no one's attention now."""
    if comment.status == Comment.Status.PENDING:
        enqueue_or_log(tasks.send_moderator_notice, comment_id=comment.pk)


def queue_subscriber_notices(comment_ids) -> None:
    """Once committed, queue the mail these newly published comments may owe."""
    comment_ids = list(comment_ids)

    def enqueue():
        asked = Q(notify_me=True) | Q(parent__notify_me=True)
        owed = Comment.objects.filter(asked, pk__in=comment_ids)
        for pk in owed.values_list("pk", flat=True):
            enqueue_or_log(tasks.send_subscriber_notices, comment_id=pk)

    transaction.on_commit(enqueue)


def send_verification_email(*, email: str) -> None:
    """Mail a commenter the link that confirms their address (and so makes them trustable)."""
    path = reverse("comments:verify_email", kwargs={"token": email_verification_token(email)})
    subject = f"Confirm your email address for {site_name()}"
    mail_link(email=email, path=path, subject=subject, template="comments/verify_email.txt")


def verify_email(*, token: str) -> VerifiedEmail:
    """Record a valid confirmation token's address, lifting any unsubscribe; raises BadSignature."""
    email = signing.loads(token, salt=VERIFY_SALT, max_age=settings.COMMENT_VERIFY_MAX_AGE)
    verified = VerifiedEmail.objects.filter(email__iexact=email).first()
    verified = verified or VerifiedEmail(email=email)
    verified.unsubscribed = False
    verified.full_clean()
    verified.save()
    return verified


def remember_pending(request, comment: Comment) -> None:
    """Let this browser (and only this one) see its own comment while it waits for moderation."""
    if comment.status != Comment.Status.PENDING:
        return
    pending = request.session.get(PENDING_KEY, [])
    request.session[PENDING_KEY] = [*pending, comment.pk][-settings.COMMENT_PENDING_REMEMBERED :]


def pending_ids(request) -> list[int]:
    """Ids of this visitor's comments that may await moderation (reading creates no session)."""
    session = getattr(request, "session", {})
    return [pk for pk in session.get(PENDING_KEY, []) if isinstance(pk, int)]


def remember_verified_email(request, email: str) -> None:
    """This browser opened the confirmation link mailed to `email`: the basis of trust (never the
    address alone: anyone can type someone else's)."""
    verified = [e for e in request.session.get(VERIFIED_KEY, []) if e != email.casefold()]
    request.session[VERIFIED_KEY] = [*verified, email.casefold()][-VERIFIED_REMEMBERED:]


def verified_emails(request) -> frozenset[str]:
    """The addresses (casefolded) confirmed through a link opened in this browser."""
    session = getattr(request, "session", {})
    return frozenset(e for e in session.get(VERIFIED_KEY, []) if isinstance(e, str))
