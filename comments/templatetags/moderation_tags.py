from django import template
from django.db.models import Count, Min

from comments import moderation
from comments.models import Comment

register = template.Library()


def _may_moderate(context) -> bool:
    request = context.get("request")
    return request is not None and request.user.has_perm(moderation.MODERATE_PERMISSION)


@register.simple_tag(takes_context=True)
def pending_comment_count(context) -> int | str | None:
    """How many comments await moderation (Comment.objects.pending_count); None for users who may
    not moderate them.

    Counted once per request: the admin's sidebar and its index both show it."""
    if not _may_moderate(context):
        return None
    request = context["request"]
    if not hasattr(request, "_pending_comment_count"):
        request._pending_comment_count = Comment.objects.pending_count()
    return request._pending_comment_count


@register.simple_tag(takes_context=True)
def awaiting_review(context, limit: int = 8) -> list[dict]:
    """Posts with pending comments, the longest-waiting first: [{post, title, n, oldest}]."""
    if not _may_moderate(context):
        return []
    rows = (
        Comment.objects.pending()
        .order_by()
        .values("post", "post__title")
        .annotate(n=Count("pk"), oldest=Min("created"))
        .order_by("oldest")[:limit]
    )
    return [
        {"post": row["post"], "title": row["post__title"], "n": row["n"], "oldest": row["oldest"]}
        for row in rows
    ]
