"""Demo comments for the demo loader (core's `load_demo`), which says which post gets them."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Post
from comments import counts, services, spam
from comments.models import Comment, ModerationSettings

# The demo spam comment's reason names this rule, so the demo sets it.
DEMO_BLOCKED_WORD = "casino"

# (name, email, body, status, index of the comment answered or None)
DEMO_COMMENTS = [
    (
        "Maria Lopez",
        "maria@example.com",
        "I started 400mg of glycinate three months ago and my migraines went from weekly to "
        "about twice a month. It took a few weeks to notice.",
        Comment.Status.APPROVED,
        None,
    ),
    (
        "Tom Becker",
        "tom@example.com",
        "Did you take it in the morning or at night? Mine makes me a little sleepy.",
        Comment.Status.APPROVED,
        0,
    ),
    (
        "Maria Lopez",
        "maria@example.com",
        "At night, with dinner. The sleepiness is a bonus for me!",
        Comment.Status.APPROVED,
        1,
    ),
    (
        "Priya N.",
        "priya@example.com",
        "Is glycinate better than citrate? My doctor suggested citrate.",
        Comment.Status.PENDING,
        None,
    ),
    (
        "Sam",
        "sam@example.com",
        "Great article, thanks. Here is a study: https://example.org/study and another "
        "https://example.org/study2 and my notes https://example.org/notes",
        Comment.Status.PENDING,
        None,
    ),
    (
        "Cheap Pills",
        "pills@example.net",
        "Best casino bonus and cheap pills at https://spam.example.com",
        Comment.Status.SPAM,
        None,
    ),
]


def add_demo_comments(*, post: Post) -> str:
    """Add the demo comments to `post` unless it has comments: approved ones in a thread, and a
    few pending and spam ones for the moderation queue. Returns one line saying what was done."""
    if Comment.objects.filter(post=post).exists():
        return "Demo comments already loaded."
    rules = ModerationSettings.load()
    if DEMO_BLOCKED_WORD not in spam.entries(rules.blocked_words):
        rules.blocked_words = "\n".join([*spam.entries(rules.blocked_words), DEMO_BLOCKED_WORD])
        rules.full_clean()
        rules.save()
    moderator = get_user_model()._default_manager.filter(username="moderator").first()
    start = min(post.publish_at, timezone.now() - timedelta(seconds=len(DEMO_COMMENTS)))
    created = []
    for i, (name, email, body, status, reply_to) in enumerate(DEMO_COMMENTS):
        comment = Comment(
            post=post,
            parent=created[reply_to] if reply_to is not None else None,
            author_name=name,
            author_email=email,
            body=body,
            ip_address="127.0.0.1",
            created=start + timedelta(seconds=i),
        )
        if status != Comment.Status.APPROVED:
            comment.moderation_reasons = spam.check_comment(
                comment=comment, rules=rules, honeypot=""
            ).reasons
        comment.full_clean()
        comment.save()
        if status != Comment.Status.PENDING:
            services.moderate(
                comments=Comment.objects.filter(pk=comment.pk),
                status=status,
                moderator=moderator,
                via="demo",
            )
        created.append(comment)
    counts.recount([post.pk])
    pending = Comment.objects.pending().filter(post=post).count()
    return (
        f"Demo comments: {len(created)} added, {pending} awaiting moderation "
        "at /admin/comments/comment/."
    )
