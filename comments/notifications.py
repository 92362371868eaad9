"""Moderator email about a comment awaiting review, with one-click links signed for each
recipient: a link records who used it, and stops working if they lose the permission."""

from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from blog.seo import absolute_url
from blog.site import site_name
from comments import moderation
from comments.models import Comment

LINK_SALT = "comments.moderation-link"


class LinkClaim(NamedTuple):
    """What a valid moderation link asks for."""

    comment_id: int
    action: str
    moderator_id: int | None


def make_link_token(*, comment: Comment, action: str, moderator: AbstractBaseUser | None) -> str:
    """Sign a claim to perform `action` on `comment`, on behalf of `moderator` if known."""
    if action not in moderation.EMAILED:
        raise ValueError(f"Unknown moderation link action: {action}")
    claim = {"c": comment.pk, "a": action, "m": moderator.pk if moderator else None}
    return signing.dumps(claim, salt=LINK_SALT)


def read_link_token(token: str) -> LinkClaim:
    """The claim in a token; raises signing.SignatureExpired or signing.BadSignature."""
    match signing.loads(token, salt=LINK_SALT, max_age=settings.COMMENT_LINK_MAX_AGE):
        case {"c": int(comment), "a": str(action), "m": int() | None as moderator}:
            if action in moderation.EMAILED:
                return LinkClaim(comment_id=comment, action=action, moderator_id=moderator)
    raise signing.BadSignature("Not a moderation link")


def link_url(*, comment: Comment, action: str, moderator: AbstractBaseUser | None) -> str:
    token = make_link_token(comment=comment, action=action, moderator=moderator)
    return absolute_url(reverse("comments:moderate_link", kwargs={"token": token}))


def moderator_recipients() -> list[tuple[str, AbstractBaseUser | None]]:
    """(address, user) pairs to notify: settings.COMMENT_MODERATOR_EMAILS if set (no user),
    else every active user holding comments.moderate_comment, superusers included."""
    if settings.COMMENT_MODERATOR_EMAILS:
        return [(address, None) for address in settings.COMMENT_MODERATOR_EMAILS]
    users = (
        get_user_model()
        .objects.with_perm(
            moderation.MODERATE_PERMISSION,
            is_active=True,
            include_superusers=True,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .exclude(email="")
        .order_by("pk")
    )
    by_address = {}
    for user in users:
        by_address.setdefault(user.email.casefold(), user)
    return [(user.email, user) for user in by_address.values()]


def moderation_message(
    *, comment: Comment, address: str, moderator: AbstractBaseUser | None
) -> EmailMessage:
    """The notice for one recipient, with one-click links signed for them."""
    hours = settings.COMMENT_LINK_MAX_AGE / 3600
    context = {
        "comment": comment,
        "post_title": one_line(comment.post.title),
        "author_name": one_line(comment.author_name),
        "quoted_body": quoted(comment.body),
        "reasons": ", ".join(str(reason) for reason in comment.moderation_reasons or []),
        "admin_url": absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        "links": [
            (move.email_line, link_url(comment=comment, action=move.name, moderator=moderator))
            for move in moderation.EMAILED.values()
        ],
        "expires_in": f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours",
        "site_name": site_name(),
    }
    return EmailMessage(
        subject=one_line(render_to_string("comments/email/moderation_subject.txt", context)),
        body=render_to_string("comments/email/moderation_body.txt", context),
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )


def one_line(text: str) -> str:
    """No line breaks: in a header they would inject headers, in the body fake our lines."""
    return " ".join(text.split())


def quoted(text: str) -> str:
    """A visitor's text quoted, so it cannot pass for our own lines (say, a fake "Approve" link)."""
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def mail_link(*, email: str, path: str, subject: str, template: str) -> None:
    """Mail `email` the text of `template` with a link to `path` on the site's address."""
    context = {"link": absolute_url(path), "site_name": site_name()}
    send_mail(subject, render_to_string(template, context), None, [email])
