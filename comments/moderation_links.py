"""The one-click approve/spam links from the moderator email: GET asks, POST acts.

Mail scanners and link previews fetch URLs on their own, so a GET never changes anything. A link
is honoured only while its comment is still pending, which makes it single-use.
"""

from django.contrib.auth import get_user_model
from django.core import signing
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comments import moderation, services
from comments.models import Comment
from comments.notifications import read_link_token

TEMPLATE = "comments/moderation_link_result.html"


class LinkRefused(Exception):
    """Raised with (status, title, message) for the page that says why."""


ALREADY_MODERATED = (410, "Already moderated", "This comment is no longer pending; nothing done.")


def _claim(token: str):
    """The comment, moderator and action a link may act on, or LinkRefused saying why not."""
    try:
        claim = read_link_token(token)
    except signing.SignatureExpired as error:
        raise LinkRefused(
            410, "Link expired", "This link has expired. Moderate the comment in the admin."
        ) from error
    except signing.BadSignature as error:
        raise LinkRefused(400, "Invalid link", "This moderation link is not valid.") from error
    action = moderation.EMAILED[claim.action]
    moderator = None
    if claim.moderator_id is not None:
        moderator = get_user_model().objects.filter(pk=claim.moderator_id, is_active=True).first()
        if moderator is None or not moderator.has_perm(moderation.MODERATE_PERMISSION):
            raise LinkRefused(
                403, "Not allowed", "The person this link was sent to may no longer moderate."
            )
    comment = Comment.objects.select_related("post").filter(pk=claim.comment_id).first()
    if comment is None:
        raise LinkRefused(410, "Comment gone", "This comment has been deleted.")
    if comment.status != Comment.Status.PENDING:
        raise LinkRefused(*ALREADY_MODERATED)
    return comment, moderator, action


@never_cache
@require_http_methods(["GET", "POST"])
def moderate_link(request, token):
    """Confirm (GET) or perform (POST) the action signed into an emailed moderation link."""
    try:
        comment, moderator, action = _claim(token)
        if request.method == "POST":
            # Only a still-pending comment is changed, in the UPDATE itself: two moderators
            # racing on the same email cannot both win.
            changed = services.moderate(
                comments=Comment.objects.pending().filter(pk=comment.pk),
                status=action.status,
                moderator=moderator,
                via="e-mail link",
            )
            if not changed:
                raise LinkRefused(*ALREADY_MODERATED)
    except LinkRefused as refusal:
        status, title, message = refusal.args
        return render(request, TEMPLATE, {"title": title, "message": message}, status=status)
    context = {
        "comment": comment,
        "admin_url": reverse("admin:comments_comment_change", args=[comment.pk]),
    }
    if request.method == "GET":
        context.update(title=action.question, confirm=action.button)
    else:
        context.update(title="Done", message=action.done_with(comment))
    return render(request, TEMPLATE, context)


urlpatterns = [path("moderate/<str:token>/", moderate_link, name="moderate_link")]
