"""Comments, the moderators' settings and the spam filter's row, with their queries."""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import mark_safe

from blog.models import Post

# Counts stop here ("10,000+"): every admin page shows the pending count, and the queue's history.
PENDING_COUNT_LIMIT = 10_000
HISTORY_COUNT_LIMIT = 1_000


def render_comment(text: str) -> str:
    """Escape the visitor's text (never trust its HTML), link URLs and keep paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    html = []
    for paragraph in paragraphs:
        linked = urlize(paragraph, trim_url_limit=60, nofollow=True, autoescape=True)
        # Safe: the visitor's own quotes are escaped by now, so only urlize's rel can match.
        linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "\n".join(html)


class CommentQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def approved(self):
        """The only comments the public may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def in_public_threads(self):
        """What readers see: approved comments under approved ones, down to COMMENT_MAX_DEPTH."""
        condition, ancestors_approved, lookup = Q(parent__isnull=True), Q(), "parent"
        for _ in range(settings.COMMENT_MAX_DEPTH):
            ancestors_approved &= Q(**{f"{lookup}__status": Comment.Status.APPROVED})
            condition |= ancestors_approved & Q(**{f"{lookup}__parent__isnull": True})
            lookup += "__parent"
        return self.approved().filter(condition)

    def spam(self):
        return self.filter(status=Comment.Status.SPAM)

    def pending_count(self) -> int | str:
        count = self.pending()[: PENDING_COUNT_LIMIT + 1].count()
        return f"{PENDING_COUNT_LIMIT:,}+" if count > PENDING_COUNT_LIMIT else count


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # comment_replies_idx leads with it
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        help_text="Set when the commenter was logged in.",
    )
    author_name = models.CharField("name", max_length=80)
    author_email = models.EmailField("email", help_text="Never shown publicly.")
    author_url = models.URLField("website", max_length=200, blank=True)
    body = models.TextField("comment", max_length=5000)
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    moderation_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="Why the comment was held or marked spam, e.g. “3 links”, “honeypot”.",
    )
    by_staff = models.BooleanField(
        default=False,
        editable=False,
        help_text="Written by a moderator from the admin, signed with their staff account.",
    )
    notify_me = models.BooleanField(
        "e-mail me when my comment is approved or answered",
        default=False,
        help_text="The first time, we e-mail a link to confirm the address; nothing before.",
    )
    # Cleared COMMENT_IP_RETENTION_DAYS after the comment (manage.py forget_commenter_origins).
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by comments.counts: the post's comment pages, stored so a page reads only its rows.
    starts_page = models.BooleanField(
        db_default=False,  # added to a big table without rewriting it
        editable=False,
        help_text="An approved top-level comment that opens a page of its post's comments.",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        permissions = [("moderate_comment", "Can moderate comments")]
        indexes = [
            # A post's comments by status, oldest first, parent_id for index-only reads; leading
            # with the post so that every database, statistics or not, prefers it.
            models.Index(
                fields=["post", "status", "created", "id", "parent"],
                name="comment_post_status_idx",
            ),
            # A comment page's replies, level by level: with the status beside the parent, every
            # database prefers it to walking the post's comments in comment_post_status_idx.
            models.Index(fields=["parent", "status"], name="comment_replies_idx"),
            # Where a post's comment pages start (comments.counts).
            models.Index(
                fields=["post", "created", "id"],
                condition=Q(starts_page=True),
                name="comment_page_starts_idx",
            ),
            models.Index(fields=["status", "-created", "-id"], name="comment_queue_idx"),
            # The queue filtered by one commenter's address or IP, newest first, read in order.
            models.Index(fields=["author_email", "-created", "-id"], name="comment_email_idx"),
            models.Index(fields=["ip_address", "-created", "-id"], name="comment_ip_idx"),
            # attach_history's counts; PostgreSQL reads them from the index alone only if it
            # holds the column itself too (INCLUDE; SQLite ignores it and needs none).
            models.Index(
                Lower("author_email"),
                "status",
                include=["author_email"],
                name="comment_email_history_idx",
            ),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.post}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        self.body_html = render_comment(self.body)
        super().save(*args, **kwargs)

    save.alters_data = True

    def get_absolute_url(self):
        return self.post.get_absolute_url() + f"#c{self.pk}"

    @property
    def html(self) -> str:
        return mark_safe(self.body_html)  # escaped by render_comment() in save()

    @property
    def initials(self) -> str:
        """Avatar text: no third-party avatar service sees our readers."""
        parts = [p for p in self.author_name.split() if p[:1].isalnum()]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class ModerationSettings(models.Model):
    """The moderator-editable rules (one row), so spam policy changes need no deploy."""

    max_links = models.PositiveSmallIntegerField(
        default=2, help_text="Hold comments with more links than this for review."
    )
    blocked_words = models.TextField(
        blank=True, help_text="One per line. A comment containing one goes to spam."
    )
    hold_words = models.TextField(
        blank=True,
        help_text="One per line. A comment containing one is held for review (not spam).",
    )
    blocked_emails = models.TextField(
        blank=True, help_text="One per line. Comments from these addresses go to spam."
    )
    blocked_ips = models.TextField(
        blank=True, help_text="One per line. Comments from these IP addresses go to spam."
    )
    close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Close comments on posts older than this many days. Empty: never.",
    )
    auto_approve_trusted = models.BooleanField(
        default=False,
        help_text=(
            "Publish at once comments from verified commenters who already have an approved "
            "comment: logged in, or sent from the browser that opened the link confirming "
            "their email. A typed email alone is never trusted."
        ),
    )

    spam_score_hold = models.FloatField(
        default=0.7,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=(
            "Hold for review, with its score as the reason, a comment the spam filter scores "
            "above this (0 to 1; 1: never)."
        ),
    )
    spam_score_spam = models.FloatField(
        default=0.9,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Mark as spam a comment the spam filter scores above this (0 to 1; 1: never).",
    )

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"
        ordering = ["pk"]

    def __str__(self):
        return "Moderation settings"

    def clean(self):
        if self.spam_score_hold > self.spam_score_spam:
            raise ValidationError(
                {"spam_score_hold": "The hold score cannot be above the spam score."},
                code="hold_above_spam",
            )

    @classmethod
    def load(cls) -> "ModerationSettings":
        """The rules row (made by a migration), defaults if it was deleted; never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class SpamFilter(models.Model):
    """The spam classifier's one row (comments.spam): weights per hashed feature, no text."""

    version = models.PositiveIntegerField(default=0)
    weights = models.BinaryField(blank=True, default=b"")
    decisions = models.PositiveIntegerField(
        default=0, help_text="Moderator decisions learnt since the shipped examples."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Spam filter, version {self.version}"


class VerifiedEmail(models.Model):
    """An address whose owner clicked our signed confirmation link: the basis of trust."""

    email = models.EmailField(unique=True)
    verified_at = models.DateTimeField(default=timezone.now)
    unsubscribed = models.BooleanField(
        default=False,
        help_text="Asked for no more mail: none is sent until the address is confirmed again.",
    )

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email


class DataRequest(models.Model):
    """A commenter's data exported or erased: a digest of the address, never the address."""

    class Action(models.TextChoices):
        EXPORT = "export", "Export everything held (a JSON file)"
        ANONYMISE = "anonymise", "Erase: keep the comments, signed “Anonymous”"
        DELETE = "delete", "Erase: delete the comments"

    action = models.CharField(max_length=10, choices=Action.choices)
    address_digest = models.CharField(max_length=64, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="Empty: the commenter, from the link mailed to the address.",
    )
    comments = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "personal data request"

    def __str__(self):
        return f"{self.get_action_display()}: {self.comments} comment(s)"


HISTORY_STATUSES = (Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM)


def attach_history(comments: Iterable[Comment]) -> list[Comment]:
    """Give each comment `.history`: {status: count} of its address's comments (any case), in one
    query; each count stops past HISTORY_COUNT_LIMIT ("1,000+"), however many there are."""
    comments = list(comments)
    first_of_address = {}
    for comment in comments:
        first_of_address.setdefault(comment.author_email.casefold(), comment.pk)
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
    rows = (  # no query when there are no comments: pk__in=[] matches nothing
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


def as_row_id(value) -> int | None:
    """`value` as a row id: None for anything else, a number past 64 bits included."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None
