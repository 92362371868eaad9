"""The moderation actions, declared once: the admin's bulk actions, buttons and keyboard
shortcuts and the e-mail's signed links are made from ACTIONS; all act through services.moderate().
"""

from dataclasses import dataclass

from django.core import signing
from django.utils.translation import ngettext

from comments.models import Comment

MODERATE_PERMISSION = "comments.moderate_comment"
UNDO_SALT = "comments.desk.undo"
UNDO_MAX_AGE = 10 * 60  # seconds a moderator may take back a decision from its message
UNDO_LIMIT = 500  # a larger bulk decision is not offered for undo (the token would be huge)


@dataclass(frozen=True)
class ModerationAction:
    name: str  # in URLs and signed e-mail links
    status: str  # what the comment becomes
    button: str  # the change-page button, and the e-mail link's confirm button
    bulk_name: str  # the admin action's name (the "action" field the changelist posts)
    bulk_label: str  # the admin action's label
    done: str  # "{}" becomes "the comment by Ann" or "3 comments"
    short: str = ""  # the queue row's button
    key: str = ""  # its keyboard shortcut in the queue (the button's data-key)
    emailed: bool = False  # whether the moderators' e-mail carries a signed link for it

    def _button_with(self, thing: str) -> str:
        verb, _, rest = self.button.partition(" ")
        return " ".join(filter(None, [verb, thing, rest]))

    @property
    def email_line(self) -> str:
        """The e-mail's words before the link: "Approve it", "Mark it as spam"."""
        return self._button_with("it")

    @property
    def question(self) -> str:
        """What the page behind an e-mail link asks before it acts."""
        return self._button_with("this comment") + "?"

    def _done_with(self, thing: str) -> str:
        text = self.done.format(thing)
        # A name that brings its own full stop ("Lena K.") ends the sentence: no second one.
        return text[:-1] if text.endswith("..") else text

    def done_with(self, comment: Comment) -> str:
        return self._done_with(f"the comment by {comment.author_name}")

    def done_with_count(self, count: int) -> str:
        return self._done_with(
            ngettext("%(count)d comment", "%(count)d comments", count) % {"count": count}
        )


Status = Comment.Status
ACTIONS = (
    ModerationAction(
        "approve", Status.APPROVED, "Approve", "approve_selected", "Approve selected comments",
        "Approved {}.", short="Approve", key="a", emailed=True,
    ),
    ModerationAction(
        "reject", Status.REJECTED, "Reject", "reject_selected", "Reject selected comments",
        "Rejected {}.", short="Reject", key="r",
    ),
    ModerationAction(
        "spam", Status.SPAM, "Mark as spam", "mark_selected_spam", "Mark selected as spam",
        "Marked {} as spam.", short="Spam", key="s", emailed=True,
    ),
)  # fmt: skip
BY_NAME = {action.name: action for action in ACTIONS}
EMAILED = {action.name: action for action in ACTIONS if action.emailed}


def undo_token(*, before: dict[int, str], status: str, moderator_id: int) -> str:
    """A signed, timestamped note of a decision: which comments had which status before."""
    data = {"by": moderator_id, "to": status, "before": list(before.items())}
    return signing.dumps(data, salt=UNDO_SALT, compress=True)


def read_undo_token(token: str, *, moderator_id: int) -> tuple[str, dict[int, str]]:
    """(the status set, {pk: status before}); BadSignature if forged, expired or not theirs."""
    data = signing.loads(token, salt=UNDO_SALT, max_age=UNDO_MAX_AGE)
    if data.get("by") != moderator_id:
        raise signing.BadSignature("Not this moderator's decision.")
    return data["to"], {int(pk): old for pk, old in data["before"]}
