from django import template
from django.db.models import Count, F, Min

from comments import moderation
from comments.models import Comment

register = template.Library()


def _may_moderate(context) -> bool:
    request = context.get("request")
    return request is not None and request.user.has_perm(moderation.MODERATE_PERMISSION)


@register.simple_tag(takes_context=True)
def pending_comment_count(context) -> int | str | None:
    """Comment.objects.pending_count(), once per request (the sidebar and the index both show it);
    None for users who may not moderate."""
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
    return list(
        Comment.objects.pending()
        .values("post", title=F("post__title"))
        .annotate(n=Count("pk"), oldest=Min("created"))
        .order_by("oldest")[:limit]
    )
