"""The moderation queue's pieces that are not admin wiring: commenter history, undo tokens, the
pending count and the queue's title."""

from collections.abc import Iterable

from django.core import signing
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Lower

from comments.models import Comment

UNDO_SALT = "comments.desk.undo"
UNDO_MAX_AGE = 10 * 60  # seconds a moderator may take back a decision from its message
UNDO_LIMIT = 500  # a larger bulk decision is not offered for undo (the token would be huge)
HISTORY_STATUSES = (Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM)
HISTORY_COUNT_LIMIT = 1_000
# Past this many the pending count says "10,000+": every admin page shows it, and counting a
# queue of 100,000 cost more than the rest of a page.
PENDING_COUNT_LIMIT = 10_000
TITLES = {
    Comment.Status.PENDING: "Comments awaiting moderation",
    Comment.Status.APPROVED: "Approved comments",
    Comment.Status.REJECTED: "Rejected comments",
    Comment.Status.SPAM: "Comments marked as spam",
}


def title(status: str | None) -> str:
    """What the queue lists, for its <title> and heading: by the status it is filtered on."""
    return TITLES.get(status, "All comments")


def pending_count() -> int | str:
    """How many comments await moderation, "10,000+" past PENDING_COUNT_LIMIT."""
    count = Comment.objects.pending()[: PENDING_COUNT_LIMIT + 1].count()
    return f"{PENDING_COUNT_LIMIT:,}+" if count > PENDING_COUNT_LIMIT else count


def attach_history(comments: Iterable[Comment]) -> list[Comment]:
    """Give each comment `.history`: {status: count} of the comments from its e-mail address,
    a count past HISTORY_COUNT_LIMIT shown as "1,000+".

    One query for the whole page, whatever its length; addresses compare case-insensitively.
    Each count stops at the limit, reading at most that many entries of
    comment_email_history_idx (lower(email), status): counting every row of an address with
    100,000 comments cost more than the rest of the page.
    """
    comments = list(comments)
    first_of_address = {}
    for comment in comments:
        first_of_address.setdefault(comment.author_email.casefold(), comment.pk)
    counts = {}
    if first_of_address:
        same_address = (
            Comment.objects.order_by()
            .annotate(email_key=Lower("author_email"))
            .filter(email_key=OuterRef("email_key"))
            .annotate(one=Value(1))
            .values("one")
        )
        one_past_limit = HISTORY_COUNT_LIMIT + 1  # enough to tell "1,000" from "1,000+"
        capped = {
            f"n_{status}": CappedCount(same_address.filter(status=status)[:one_past_limit])
            for status in HISTORY_STATUSES
        }
        rows = (
            Comment.objects.order_by()
            .filter(pk__in=first_of_address.values())
            .annotate(email_key=Lower("author_email"), **capped)
            .values_list("email_key", *capped)
        )
        counts = {email_key: found for email_key, *found in rows}
    for comment in comments:
        found = counts.get(comment.author_email.casefold(), [0] * len(HISTORY_STATUSES))
        comment.history = {
            status: f"{HISTORY_COUNT_LIMIT:,}+" if count > HISTORY_COUNT_LIMIT else count
            for status, count in zip(HISTORY_STATUSES, found, strict=True)
        }
    return comments


class CappedCount(Subquery):
    """SQL: how many rows a sliced queryset returns, so the count stops at its LIMIT."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


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
