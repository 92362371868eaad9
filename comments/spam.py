"""Server-side spam defences: no captcha service, and nothing here talks to the network.

Each check returns the reasons it found, in words a moderator reads in the admin
(Comment.moderation_reasons): "honeypot", "blocked word: casino", "3 links"...
"""

import ipaddress
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.template.defaultfilters import pluralize

from comments.models import Comment, ModerationSettings, VerifiedEmail
from comments.rendering import render_comment

TIMESTAMP_SALT = "comments.form-timestamp"
# A form left open longer than this must be sent again: stops replaying one harvested stamp.
FORM_MAX_AGE = 2 * 24 * 60 * 60


@dataclass
class Verdict:
    """What submit_comment should do with a comment, and why."""

    status: str
    reasons: list[str] = field(default_factory=list)


def sign_form_time(started_at: float | None = None) -> str:
    """A tamper-proof stamp of when the form was shown, for its hidden timestamp field."""
    return signing.dumps(time.time() if started_at is None else started_at, salt=TIMESTAMP_SALT)


def read_form_time(stamp: str) -> float:
    """When the form was shown; raises signing.BadSignature if the stamp is forged or stale."""
    return float(signing.loads(stamp, salt=TIMESTAMP_SALT, max_age=FORM_MAX_AGE))


def bot_reasons(*, honeypot: str, started_at: float) -> list[str]:
    """Signs of a script rather than a person: a filled hidden field, or an inhumanly fast send."""
    reasons = []
    if honeypot:
        reasons.append("honeypot")
    if time.time() - started_at < settings.COMMENT_MIN_SECONDS:
        reasons.append("submitted too fast")
    return reasons


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _ip_is_blocked(ip: str | None, blocked: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in blocked:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a typo in the admin must not break comment submission
    return False


def blocked_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """Matches against the moderators' block lists: words (anywhere visible), emails, IPs."""
    reasons = []
    visible_text = " ".join([comment.author_name, comment.author_url, comment.body]).casefold()
    reasons += [
        f"blocked word: {word}"
        for word in _lines(rules.blocked_words)
        if word.casefold() in visible_text
    ]
    if comment.author_email.casefold() in {e.casefold() for e in _lines(rules.blocked_emails)}:
        reasons.append("blocked email")
    if _ip_is_blocked(comment.ip_address, _lines(rules.blocked_ips)):
        reasons.append("blocked IP")
    return reasons


def count_links(text: str) -> int:
    """How many links readers would see once the comment is rendered."""
    return render_comment(text).count("<a ")


def is_verified(*, comment: Comment) -> bool:
    """Logged in, or owner of a confirmed address: a typed email alone proves nothing."""
    if comment.user_id:
        return True
    return VerifiedEmail.objects.filter(email__iexact=comment.author_email).exists()


def has_approved_comment(*, comment: Comment) -> bool:
    """Whether this (verified) commenter has been approved before."""
    if comment.user_id:
        return Comment.objects.approved().filter(user_id=comment.user_id).exists()
    return Comment.objects.approved().filter(author_email__iexact=comment.author_email).exists()


def trust_reasons(*, comment: Comment) -> list[str]:
    """Why auto-approval does not apply to this commenter; empty if it does."""
    if not is_verified(comment=comment):
        return ["unverified"]
    if not has_approved_comment(comment=comment):
        return ["no approved comment yet"]
    return []


def check_comment(
    *, comment: Comment, rules: ModerationSettings, honeypot: str, started_at: float
) -> Verdict:
    """Spam if any hard rule matches, held if a soft one does, approved only for the trusted."""
    spam = bot_reasons(honeypot=honeypot, started_at=started_at) + blocked_reasons(
        comment=comment, rules=rules
    )
    if spam:
        return Verdict(Comment.Status.SPAM, spam)
    held = []
    links = count_links(comment.body)
    if links > rules.max_links:
        held.append(f"{links} link{pluralize(links)}")
    if rules.auto_approve_trusted:
        held += trust_reasons(comment=comment)
        if not held:
            return Verdict(Comment.Status.APPROVED)
    return Verdict(Comment.Status.PENDING, held)
