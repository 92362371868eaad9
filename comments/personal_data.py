"""A commenter's personal data on request (a moderator in the admin, or the commenter through a
signed link mailed to the address): everything held for an address, as JSON, or erased."""

import hashlib
import json

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.http import HttpResponse
from django.utils import timezone

from blog.seo import absolute_url
from blog.site import site_name
from comments import counts
from comments.models import Comment, DataRequest, VerifiedEmail
from comments.services import address_digest

LINK_SALT = "comments.personal-data"


class LinkUsed(signing.BadSignature):
    """A valid link whose data has changed since it was sent: used already, or out of date."""


def held_for(email: str):
    """The comments written under this address."""
    return Comment.objects.filter(author_email__iexact=email)


def export(email: str) -> str:
    """Everything held for the address, as an indented JSON document a person can read."""
    verified = VerifiedEmail.objects.filter(email__iexact=email).first()
    comments = held_for(email).select_related("post").order_by("created", "pk")
    document = {
        "site": site_name(),
        "email": email,
        "exported_at": timezone.now(),
        "address_confirmed": verified is not None,
        "address_confirmed_at": verified and verified.verified_at,
        "mail_stopped_for_address": bool(verified and verified.unsubscribed),
        "comments": [
            {
                "id": comment.pk,
                "post": comment.post.title,
                "link": absolute_url(comment.get_absolute_url()),
                "written_at": comment.created,
                "status": comment.get_status_display(),
                "name": comment.author_name,
                "email": comment.author_email,
                "website": comment.author_url,
                "comment": comment.body,
                "ip_address": comment.ip_address,
                "browser": comment.user_agent,
                "mail_when_approved_or_answered": comment.notify_me,
            }
            for comment in comments
        ],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@transaction.atomic
def erase(*, email: str, delete: bool) -> int:
    """Anonymise, or delete, the comments held for the address; returns how many it touched.
    A comment someone else answered is only anonymised: deleting it would take their replies."""
    comments = held_for(email)
    touched = list(comments.values_list("pk", "post_id"))
    if delete:
        for _ in range(settings.COMMENT_MAX_DEPTH + 1):  # leaves first: a reply may be their own
            comments.filter(replies__isnull=True).delete()
    comments.update(
        author_name="Anonymous",
        author_email="",
        author_url="",
        ip_address=None,
        user_agent="",
        notify_me=False,
    )
    VerifiedEmail.objects.filter(email__iexact=email).delete()
    # The admin's "Recent actions" and History name a comment by its author: no longer.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment),
        object_id__in=[str(pk) for pk, _ in touched],
    ).update(object_repr=Concat(Value("comment #"), "object_id"))
    counts.recount({post_id for _, post_id in touched})
    return len(touched)


@transaction.atomic
def carry_out(request: DataRequest, *, email: str) -> str | None:
    """Do what the request asks for this address and record it; returns the export, if asked."""
    document = None
    if request.action == DataRequest.Action.EXPORT:
        request.comments = held_for(email).count()
        document = export(email)
    else:
        request.comments = erase(email=email, delete=request.action == DataRequest.Action.DELETE)
    request.address_digest = address_digest(email)
    request.full_clean()
    request.save()
    return document


def json_download(document: str) -> HttpResponse:
    """An export, as the file a browser saves."""
    headers = {"Content-Disposition": 'attachment; filename="personal-data.json"'}
    return HttpResponse(document, content_type="application/json; charset=utf-8", headers=headers)


def _state(email: str) -> str:
    """What is held for the address, summed up: it changes when an erasure uses a link."""
    held = list(held_for(email).order_by("pk").values_list("pk", "author_name"))
    held.append(VerifiedEmail.objects.filter(email__iexact=email).exists())
    return hashlib.sha256(repr(held).encode()).hexdigest()[:20]


def link_token(email: str) -> str:
    """A signed link to the address's data, good until COMMENT_DATA_LINK_MAX_AGE or one erasure."""
    return signing.dumps([email.casefold(), _state(email)], salt=LINK_SALT)


def read_link_token(token: str) -> str:
    """The address a link is for; raises signing.SignatureExpired, LinkUsed or BadSignature."""
    match signing.loads(token, salt=LINK_SALT, max_age=settings.COMMENT_DATA_LINK_MAX_AGE):
        case [str(email), str(state)]:
            if state != _state(email):
                raise LinkUsed("This link has been used or is out of date")
            return email
    raise signing.BadSignature("Not a personal data link")
