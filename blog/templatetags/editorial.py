from django import template

from blog import workflow
from blog.models import Post

register = template.Library()


@register.simple_tag(takes_context=True)
def posts_awaiting_review(context):
    """Posts submitted for review, oldest submission first, for editors; none for others."""
    request = context.get("request")
    if request is None or not workflow.is_editor(request.user):
        return Post.objects.none()
    return Post.objects.in_review().select_related("author").order_by("updated")


@register.simple_tag(takes_context=True)
def my_posts_with_changes_requested(context):
    """The user's own posts an editor sent back, most recently changed first."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return Post.objects.none()
    return Post.objects.changes_requested().filter(author=request.user).order_by("-updated")


@register.simple_tag(takes_context=True)
def my_drafts(context):
    """The user's own drafts, but those sent back (listed apart), most recently changed first."""
    request = context.get("request")
    if request is None or not request.user.has_perm("blog.add_post"):
        return Post.objects.none()
    sent_back = Post.objects.changes_requested().values("pk")
    drafts = Post.objects.drafts().filter(author=request.user).exclude(pk__in=sent_back)
    return drafts.order_by("-updated")
