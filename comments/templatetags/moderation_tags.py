from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_comment_count(context) -> int | None:
    """How many comments await moderation; None for users who may not moderate them."""
    request = context.get("request")
    if request is None or not request.user.has_perm("comments.moderate_comment"):
        return None
    return Comment.objects.pending().count()
