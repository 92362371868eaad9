from dataclasses import dataclass, field

from django import template
from django.core.paginator import Paginator
from django.db.models import Q

from comments import services
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings
from comments.views import PENDING_SESSION_KEY

register = template.Library()

THREADS_PER_PAGE = 50
# Columns the page never shows: kept out of memory and out of the template's reach.
UNSHOWN_COLUMNS = ["body", "author_email", "ip_address", "user_agent", "moderation_reasons"]


@dataclass
class Thread:
    comment: Comment
    replies: list["Thread"] = field(default_factory=list)


def build_threads(comments: list[Comment]) -> list[Thread]:
    """Nest comments (ordered oldest first) under their parents; orphans of hidden parents drop."""
    threads, by_id = [], {}
    for comment in comments:
        node = by_id[comment.pk] = Thread(comment)
        if comment.parent_id is None:
            threads.append(node)
        elif comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(node)
    return threads


def _visitors_pending(request, post) -> list[Comment]:
    """The visitor's own comments still awaiting moderation (ids kept in their session)."""
    ids = request.session.get(PENDING_SESSION_KEY) if request is not None else None
    if not ids:
        return []
    return list(Comment.objects.pending().filter(post=post, pk__in=ids).defer(*UNSHOWN_COLUMNS))


def _new_form(request, post, by_id: dict[int, Comment]) -> CommentForm:
    initial = {}
    reply_to = request.GET.get("replyto", "") if request is not None else ""
    if reply_to.isdigit() and int(reply_to) in by_id:
        initial["parent"] = int(reply_to)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        initial["author_name"] = user.get_full_name() or user.get_username()
        initial["author_email"] = user.email
    return CommentForm(post=post, initial=initial)


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post):
    """The comment area under a post: approved threads, the visitor's pending ones, the form.

    Only the current page's threads are loaded (its top-level comments and their replies, in
    one query), so the page's cost and query count do not grow with the post's comments.
    """
    request = context.get("request")
    approved = Comment.objects.approved().filter(post=post)
    top_level = approved.filter(parent__isnull=True)
    page = Paginator(top_level.values("pk"), THREADS_PER_PAGE).get_page(
        request.GET.get("cpage") if request is not None else None
    )
    offset = (page.number - 1) * THREADS_PER_PAGE
    page_ids = top_level.values("pk")[offset : offset + THREADS_PER_PAGE]
    on_page = list(
        approved.filter(
            Q(pk__in=page_ids) | Q(parent__in=page_ids) | Q(parent__parent__in=page_ids)
        ).defer(*UNSHOWN_COLUMNS)
    )
    by_id = {comment.pk: comment for comment in on_page}
    page.object_list = build_threads(on_page)
    closed = services.comments_closed(post=post, rules=ModerationSettings.load())
    form = None if closed else context.get("comment_form") or _new_form(request, post, by_id)
    reply_to = by_id.get(_as_int(form["parent"].value())) if form is not None else None
    own_pending = _visitors_pending(request, post)
    if request is not None and (own_pending or (form is not None and form.is_bound)):
        request.is_personalised = True  # blog.middleware keeps this page out of shared caches
    return {
        "post": post,
        "comment_count": Comment.objects.filter(post=post).in_public_threads().count(),
        "page": page,
        "closed": closed,
        "form": form,
        "reply_to": reply_to,
        "own_pending": own_pending,
    }


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
