"""Mail to commenters who ticked "E-mail me when my comment is approved or answered".

Double opt-in: nothing goes to an address until its owner opens the confirmation link, nor after
they unsubscribe it. Every mail carries one-click unsubscribe links (RFC 8058)."""

from typing import NamedTuple

from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from blog.seo import absolute_url
from blog.site import site_name
from comments.models import Comment, VerifiedEmail
from comments.notifications import one_line, quoted

UNSUBSCRIBE_SALT = "comments.unsubscribe"


def address_confirmed(email: str) -> bool:
    """Whether mail may go to this address: confirmed by its owner, and not unsubscribed since."""
    return VerifiedEmail.objects.filter(email__iexact=email, unsubscribed=False).exists()


class Unsubscribe(NamedTuple):
    """What an unsubscribe link stops: one thread (the comment asked about), or every one."""

    email: str
    comment_id: int | None


def unsubscribe_url(*, email: str, comment_id: int | None = None) -> str:
    token = signing.dumps({"e": email.casefold(), "c": comment_id}, salt=UNSUBSCRIBE_SALT)
    return absolute_url(reverse("comments:unsubscribe", kwargs={"token": token}))


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """The claim in a link; raises signing.BadSignature. No expiry: the mail may be read late."""
    match signing.loads(token, salt=UNSUBSCRIBE_SALT):
        case {"e": str(email), "c": int() | None as comment_id}:
            return Unsubscribe(email=email, comment_id=comment_id)
    raise signing.BadSignature("Not an unsubscribe link")


@transaction.atomic
def unsubscribe(claim: Unsubscribe) -> int:
    """Stop the mail a link covers; returns how many subscriptions ended (0: nothing to stop)."""
    comments = Comment.objects.filter(author_email__iexact=claim.email, notify_me=True)
    if claim.comment_id is not None:
        return comments.filter(pk=claim.comment_id).update(notify_me=False)
    stopped = VerifiedEmail.objects.filter(email__iexact=claim.email, unsubscribed=False)
    return stopped.update(unsubscribed=True) + comments.update(notify_me=False)


def notices(comment: Comment) -> list[EmailMessage]:
    """The mail a published comment owes its author and its parent's, if asked and confirmed."""
    owed = [comment] if comment.notify_me else []
    parent = comment.parent
    if (
        parent is not None
        and parent.notify_me
        and parent.status == Comment.Status.APPROVED
        and parent.author_email.casefold() != comment.author_email.casefold()
    ):
        owed.append(parent)
    return [
        _message(subscribed=subscribed, comment=comment)
        for subscribed in owed
        if address_confirmed(subscribed.author_email)
    ]


def _message(*, subscribed: Comment, comment: Comment) -> EmailMessage:
    email = subscribed.author_email
    thread_link = unsubscribe_url(email=email, comment_id=subscribed.pk)
    context = {
        "answer": comment != subscribed,
        "post_title": one_line(comment.post.title),
        "author_name": one_line(comment.author_name),
        "quoted_body": quoted(comment.body),
        "link": absolute_url(comment.get_absolute_url()),
        "thread_link": thread_link,
        "address_link": unsubscribe_url(email=email),
        "site_name": site_name(),
    }
    what = "New reply to your comment" if context["answer"] else "Your comment is published"
    return EmailMessage(
        subject=f"{what} on “{context['post_title']}”",
        body=render_to_string("comments/email/subscriber_notice.txt", context),
        to=[email],
        headers={
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{thread_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
