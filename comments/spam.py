"""Server-side spam defences: no captcha service, and nothing here talks to the network (the
spam filter that learns from the moderators, comments.spam_model, runs here too).

Each check returns the reasons it found, in words a moderator reads in the admin
(Comment.moderation_reasons): "honeypot", "blocked word: casino", "3 links"...
"""

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import pluralize
from django.utils import timezone

from comments import spam_model
from comments.models import Comment, ModerationSettings, VerifiedEmail
from comments.rendering import render_comment
from comments.textfold import fold, fold_words, listed_words_in


@dataclass
class Verdict:
    """What submit_comment should do with a comment, and why."""

    status: str
    reasons: list[str] = field(default_factory=list)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def blocked_word_list(rules: ModerationSettings) -> list[str]:
    """The blocked words, one per line in the settings, blanks dropped."""
    return _lines(rules.blocked_words)


def _visible_text(comment: Comment) -> str:
    return " ".join([comment.author_name, comment.author_url, comment.body])


def held_word_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """The moderators' "hold for review" words found in what readers would see, compared folded
    like the blocked words (comments.textfold)."""
    held = listed_words_in(_visible_text(comment), _lines(rules.hold_words))
    return [f"held word: {word}" for word in held]


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
    """Matches against the moderators' block lists: words (anywhere visible), emails, IPs.

    Words and emails are compared folded (comments.textfold): a zero-width space, an accent, a
    fullwidth letter or a look-alike from another script does not get a blocked word through.
    """
    blocked = listed_words_in(_visible_text(comment), blocked_word_list(rules))
    reasons = [f"blocked word: {word}" for word in blocked]
    if fold(comment.author_email) in {fold(e) for e in _lines(rules.blocked_emails)}:
        reasons.append("blocked email")
    if _ip_is_blocked(comment.ip_address, _lines(rules.blocked_ips)):
        reasons.append("blocked IP")
    return reasons


def sent_before(*, comment: Comment) -> bool:
    """Whether this address sent the same (folded) text, on any post, within
    COMMENT_DUPLICATE_WINDOW: a comment sent twice. An invisible character or a look-alike letter
    does not make it new."""
    text = fold_words(comment.body)
    recent = Comment.objects.filter(
        author_email__iexact=comment.author_email,
        created__gte=timezone.now() - settings.COMMENT_DUPLICATE_WINDOW,
    ).values_list("body", flat=True)[: settings.COMMENT_REPEATED_TEXT_LOOKBACK]
    return any(fold_words(sent) == text for sent in recent)


def repeats_recent_text(*, comment: Comment) -> bool:
    """Whether another address sent the same (folded) text, on any post, within
    COMMENT_DUPLICATE_WINDOW: one message sprayed across posts. Short replies ("Thanks!") are
    left alone: readers say them independently."""
    text = fold_words(comment.body)
    if len(text) < settings.COMMENT_REPEATED_TEXT_MIN_LENGTH:
        return False
    recent = (
        Comment.objects.filter(created__gte=timezone.now() - settings.COMMENT_DUPLICATE_WINDOW)
        .exclude(author_email__iexact=comment.author_email)
        .order_by("-created")
        .values_list("body", flat=True)[: settings.COMMENT_REPEATED_TEXT_LOOKBACK]
    )
    return any(fold_words(body) == text for body in recent)


def count_links(text: str) -> int:
    """How many links readers would see once the comment is rendered."""
    return render_comment(text).count("<a ")


def trust_basis(*, comment: Comment, verified_emails: Collection[str]) -> str | None:
    """Why we know who posted this, or None: a typed email alone proves nothing.

    Logged in, or the address was confirmed through a link opened in this same browser (and
    not revoked since, by deleting its VerifiedEmail in the admin).
    """
    if comment.user_id:
        return "signed in"
    email = comment.author_email.casefold()
    if email in verified_emails and VerifiedEmail.objects.filter(email__iexact=email).exists():
        return "email confirmed in this browser"
    return None


def has_approved_comment(*, comment: Comment) -> bool:
    """Whether this (verified) commenter has been approved before."""
    if comment.user_id:
        return Comment.objects.approved().filter(user_id=comment.user_id).exists()
    return Comment.objects.approved().filter(author_email__iexact=comment.author_email).exists()


def rule_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """What the moderators' lists (block, hold, links) would say about a stored comment: the
    rules preview on the settings page. Trust is left out: it depends on the poster's browser."""
    reasons = blocked_reasons(comment=comment, rules=rules)
    links = count_links(comment.body)
    if links > rules.max_links:
        reasons.append(f"{links} link{pluralize(links)}")
    return reasons + held_word_reasons(comment=comment, rules=rules)


def check_comment(
    *,
    comment: Comment,
    rules: ModerationSettings,
    honeypot: str,
    verified_emails: Collection[str] = (),
) -> Verdict:
    """Spam if any hard rule matches or the spam filter scores it above the spam threshold,
    held if a soft one does or the score is above the hold threshold, approved only for the
    trusted."""
    score, words = spam_model.spam_score(comment)
    scored = [spam_model.score_reason(score, words)]
    spam = ["honeypot"] if honeypot else []  # a hidden field only a script fills
    spam += blocked_reasons(comment=comment, rules=rules)
    spam += scored if score > rules.spam_score_spam else []
    if spam:
        return Verdict(Comment.Status.SPAM, spam)
    held = scored if score > rules.spam_score_hold else []
    if repeats_recent_text(comment=comment):
        held.append("same text as another recent comment")
    links = count_links(comment.body)
    if links > rules.max_links:
        held.append(f"{links} link{pluralize(links)}")
    held += held_word_reasons(comment=comment, rules=rules)
    if rules.auto_approve_trusted:
        basis = trust_basis(comment=comment, verified_emails=verified_emails)
        if basis is None:
            held.append("unverified")
        elif not has_approved_comment(comment=comment):
            held.append("no approved comment yet")
        elif not held:
            return Verdict(Comment.Status.APPROVED, [f"auto-approved: {basis}"])
    return Verdict(Comment.Status.PENDING, held)
