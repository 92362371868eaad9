"""What a visitor's own session remembers about their comments: one module, one key each.

Everything read here is personal: only a visitor with a session has any of it, and their pages
are private (core.middleware).
"""

from django.conf import settings

from comments.models import Comment

PENDING_KEY = "comments_pending"
VERIFIED_KEY = "comments_verified_emails"
VERIFIED_REMEMBERED = 5


def remember_pending(request, comment: Comment) -> None:
    """Let this browser (and only this one) see its own comment while it waits for moderation."""
    if comment.status != Comment.Status.PENDING:
        return
    pending = request.session.get(PENDING_KEY, [])
    request.session[PENDING_KEY] = [*pending, comment.pk][-settings.COMMENT_PENDING_REMEMBERED :]


def pending_ids(request) -> list[int]:
    """Ids of the comments this visitor sent that may still await moderation (none if no session).

    Reading does not create a session, so anonymous readers who never commented stay cookie-free.
    """
    session = getattr(request, "session", None)
    if session is None:
        return []
    return [pk for pk in session.get(PENDING_KEY, []) if isinstance(pk, int)]


def remember_verified_email(request, email: str) -> None:
    """This browser opened the confirmation link mailed to `email`: the basis of trust.

    Trust lives here, with what the poster holds, never with the address alone: anyone can
    type someone else's address into the form.
    """
    verified = [e for e in request.session.get(VERIFIED_KEY, []) if e != email.casefold()]
    request.session[VERIFIED_KEY] = [*verified, email.casefold()][-VERIFIED_REMEMBERED:]


def verified_emails(request) -> frozenset[str]:
    """The addresses (casefolded) confirmed through a link opened in this browser."""
    session = getattr(request, "session", None)
    if session is None:
        return frozenset()
    return frozenset(e for e in session.get(VERIFIED_KEY, []) if isinstance(e, str))


def tagged_messages(storage, tag: str, *, tagged: bool = True) -> list:
    """The flash messages in `storage` that carry `tag` (or, with tagged=False, do not)."""
    if not storage:  # len() leaves the storage unmarked; iterating marks the messages shown
        return []
    return [message for message in storage if (tag in message.tags.split()) == tagged]
