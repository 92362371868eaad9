"""The editorial workflow: draft -> in review -> published (scheduled while its time is ahead).
Authors write and submit; editors (blog.publish_post) publish, schedule, unpublish, send back."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.seo import absolute_url

PUBLISH_PERMISSION = "blog.publish_post"

# Every action a post form may be sent with, and its button's label.
LABELS = {
    "draft": "Save draft",
    "submit": "Submit for review",
    "keep": "Save changes",
    "publish": "Publish",
    "schedule": "Schedule",
    "unpublish": "Unpublish",
    "return": "Send back to author",
}
# A form sent without a button (Enter in a field, a script) keeps the post's status.
DEFAULT_ACTION = "keep"
# Re-shows the form with the body rendered as readers will see it; saves nothing.
PREVIEW_ACTION = "preview"


def is_editor(user: AbstractBaseUser) -> bool:
    """Editors decide what goes live; authors only write."""
    return user.has_perm(PUBLISH_PERMISSION)


def writers(*, also=None):
    """Who may have a post in their name: active staff who may write posts, and `also` (a
    post's own author, kept on it whatever became of their account)."""
    active = _holders("blog.add_post").filter(is_staff=True).values("pk")
    return get_user_model().objects.filter(Q(pk__in=active) | Q(pk=also)).order_by("username")


def _holders(perm: str):
    """Active users holding `perm` directly, by a group or as superusers (ModelBackend's rule)."""
    return get_user_model().objects.with_perm(
        perm, backend="django.contrib.auth.backends.ModelBackend"
    )


def buttons(user: AbstractBaseUser, post: Post | None) -> list[tuple[str, str]]:
    """The (action, label) buttons this user gets on this post's form, the safest first."""
    status = post.status if post is not None and post.pk else Post.Status.DRAFT
    if not is_editor(user):
        names = ["draft", "submit"]
    elif status == Post.Status.PUBLISHED and post.is_scheduled:
        names = ["keep", "publish", "schedule", "unpublish"]
    elif status == Post.Status.PUBLISHED:
        names = ["keep", "unpublish"]
    else:
        names = ["draft", "publish", "schedule"]
        if status == Post.Status.REVIEW:
            names.append("return")
    return [(name, LABELS[name]) for name in names]


def allowed_actions(user: AbstractBaseUser, post: Post | None) -> set[str]:
    """What the server accepts from this user on this post: the buttons, and a plain save."""
    return {name for name, _ in buttons(user, post)} | {DEFAULT_ACTION, PREVIEW_ACTION}


def apply(*, post: Post, action: str, stored_publish_at, note: str = "") -> None:
    """Set the post's status and publication time for `action`; the caller saves it. Only "keep"
    on a live post and "schedule" take the form's time over `stored_publish_at`."""
    now = timezone.now()
    if action not in ("keep", "schedule"):
        post.publish_at = stored_publish_at
    if action in ("draft", "unpublish"):
        post.status = Post.Status.DRAFT
    elif action == "submit":
        post.status = Post.Status.REVIEW
        post.review_note = ""
    elif action == "return":
        post.status = Post.Status.DRAFT
        post.review_note = note
    elif action == "publish":
        already_live = post.is_published and stored_publish_at is not None
        post.status = Post.Status.PUBLISHED
        post.publish_at = stored_publish_at if already_live else now
        post.review_note = ""
    elif action == "schedule":
        post.status = Post.Status.PUBLISHED
        post.review_note = ""
    elif action == "keep" and post.status != Post.Status.PUBLISHED:
        post.publish_at = stored_publish_at


def notify_after(*, post: Post, action: str, request_user: AbstractBaseUser) -> None:
    """Queue the mail an action sends (blog.tasks), once the transaction that saved the post
    commits."""
    if action in NOTIFICATIONS:
        from blog.tasks import send_workflow_notice

        transaction.on_commit(
            lambda: send_workflow_notice.enqueue(
                action=action, post_id=post.pk, actor_id=request_user.pk
            )
        )


def _mail_about(post: Post, subject: str, template: str, recipients: list[str]) -> int:
    """Send one notice about `post` (with its admin link) to `recipients`; returns how many."""
    if recipients:
        url = absolute_url(reverse("admin:blog_post_change", args=[post.pk]))
        body = render_to_string(f"blog/email/{template}", {"post": post, "url": url})
        send_mail(subject, body, None, recipients)
    return len(recipients)


def send_review_request(*, post_id: int, actor_id: int) -> int:
    """Tell every editor with an e-mail address that a post awaits review; returns how many."""
    post = Post.objects.select_related("author").get(pk=post_id)
    editors = _holders(PUBLISH_PERMISSION).exclude(pk=actor_id)
    recipients = sorted({user.email for user in editors if user.email})
    return _mail_about(post, f"Awaiting review: {post.title}", "review_requested.txt", recipients)


def send_returned_notice(*, post_id: int, actor_id: int) -> int:
    """Tell the author that an editor sent their post back, with the editor's note."""
    post = Post.objects.select_related("author").get(pk=post_id)
    subject = f"Sent back for changes: {post.title}"
    recipients = [post.author.email] if post.author.email else []
    return _mail_about(post, subject, "returned_to_author.txt", recipients)


NOTIFICATIONS = {
    "submit": send_review_request,
    "return": send_returned_notice,
}
