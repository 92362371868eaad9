"""The moderation desk's pieces that are not admin wiring: commenter history and undo tokens."""

from collections import defaultdict
from collections.abc import Iterable

from django.core import signing
from django.db.models import Count
from django.db.models.functions import Lower

from comments.models import Comment

UNDO_SALT = "comments.desk.undo"
UNDO_MAX_AGE = 10 * 60  # seconds a moderator may take back a decision from its message
UNDO_LIMIT = 500  # a larger bulk decision is not offered for undo (the token would be huge)
HISTORY_STATUSES = (Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM)


def attach_history(comments: Iterable[Comment]) -> list[Comment]:
    """Give each comment `.history`: {status: count} of all comments from its e-mail address.

    One aggregate query for the whole page, whatever its length; addresses compare
    case-insensitively. It reads only comment_email_history_idx (lower(email), status): the
    address's comments, not the table.
    """
    comments = list(comments)
    emails = {comment.author_email.casefold() for comment in comments}
    counts = defaultdict(dict)
    if emails:
        rows = (
            Comment.objects.order_by()
            .annotate(email_key=Lower("author_email"))
            .filter(email_key__in=emails, status__in=HISTORY_STATUSES)
            .values_list("email_key", "status")
            .annotate(count=Count("*"))
        )
        for email_key, status, count in rows:
            counts[email_key][status] = count
    for comment in comments:
        found = counts.get(comment.author_email.casefold(), {})
        comment.history = {status: found.get(status, 0) for status in HISTORY_STATUSES}
    return comments


def undo_token(*, before: dict[int, str], status: str, moderator_id: int) -> str:
    """A signed, timestamped note of a decision: which comments had which status before."""
    return signing.dumps(
        {"by": moderator_id, "to": status, "before": [[pk, old] for pk, old in before.items()]},
        salt=UNDO_SALT,
        compress=True,
    )


def read_undo_token(token: str, *, moderator_id: int) -> tuple[str, dict[int, str]]:
    """(the status the decision set, {pk: status before}); BadSignature if forged, expired or
    someone else's."""
    data = signing.loads(token, salt=UNDO_SALT, max_age=UNDO_MAX_AGE)
    if data.get("by") != moderator_id:
        raise signing.BadSignature("Not this moderator's decision.")
    return data["to"], {int(pk): old for pk, old in data["before"]}
