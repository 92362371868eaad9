"""Mail, and the spam filter's learning, are background tasks (django-tasks), never work inside
a reader's or a moderator's request.

In production the tasks are stored in the database (django-tasks-db) and run by
`python manage.py db_worker`; locally and in most tests they run at once (ImmediateBackend; the
console mail backend cannot hang). A failed send is logged, recorded as a failed task, and tried
again later (blog.tasks.retry_later). Each SMTP call gives up after settings.EMAIL_TIMEOUT seconds.
"""

import logging

from django_tasks import task

from blog.tasks import retry_later

logger = logging.getLogger("comments.notifications")


@task()
def send_moderator_notice(*, comment_id: int, attempt: int = 1) -> int:
    """Email the moderators about a comment still pending; returns how many messages went."""
    from comments.models import Comment
    from comments.notifications import send_moderator_notices

    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0  # deleted or moderated meanwhile: nobody needs telling any more
    try:
        return send_moderator_notices(comment)
    except Exception:
        what = f"the moderators' email about comment {comment_id}"
        retry_later(
            send_moderator_notice, attempt=attempt, what=what, log=logger, comment_id=comment_id
        )
        raise


@task()
def send_confirmation_email(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link that confirms their address."""
    from comments.services import send_verification_email

    try:
        send_verification_email(email=email)
    except Exception:
        what = "the confirmation email"
        retry_later(send_confirmation_email, attempt=attempt, what=what, log=logger, email=email)
        raise


@task()
def send_subscriber_notices(*, comment_id: int, attempt: int = 1) -> int:
    """Mail the commenters who asked to hear of this comment (comments.subscriptions), if it is
    still published; returns how many messages went."""
    from django.core.mail import get_connection

    from comments.models import Comment
    from comments.subscriptions import notices

    published = Comment.objects.in_public_threads().select_related("post", "parent")
    comment = published.filter(pk=comment_id).first()
    if comment is None:
        return 0  # deleted or unpublished meanwhile: nothing to tell
    try:
        messages = notices(comment)
        return (get_connection().send_messages(messages) or 0) if messages else 0
    except Exception:
        what = f"the subscribers' notices of comment {comment_id}"
        retry_later(
            send_subscriber_notices, attempt=attempt, what=what, log=logger, comment_id=comment_id
        )
        raise


@task()
def send_data_link(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link to the personal data held for their address."""
    from comments.personal_data import send_data_link_email

    try:
        send_data_link_email(email=email)
    except Exception:
        what = "the personal data link"
        retry_later(send_data_link, attempt=attempt, what=what, log=logger, email=email)
        raise


@task()
def learn_spam_decision(*, comment_ids: list[int], status: str) -> int:
    """Teach the spam filter a moderator's decision (comments.spam_model.learn), away from the
    request, so web processes never load scikit-learn; returns how many comments it learnt.

    A comment deleted, or moved to another status (an undo), since the decision is left out.
    """
    from comments import spam_model
    from comments.models import Comment

    comments = list(
        Comment.objects.filter(pk__in=comment_ids, status=status).only(
            "author_name", "author_url", "body"
        )
    )
    spam_model.learn(comments=comments, status=status)
    return len(comments)
