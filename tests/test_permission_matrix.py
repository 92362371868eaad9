"""Who may see and do what: one table, every role against every admin view, action and public write.

Each ROW is a request (method, URL, form data) with the roles allowed to make it. The test is
generated for every ROW x ROLE cell and asserts the answer's status and, for a write, that the
state changed exactly when the role is allowed (a refused write leaves the database as it was).

To add a view: append a Row. `url` and `data` receive the World (the users, posts and comments
every cell starts from); `changed` answers "did the write happen?" by reading the database.
Refusals default to what the admin does: anonymous and non-staff visitors are sent to the login
page (302), staff without the permission get 403; `refused` overrides that per role.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog import workflow
from blog.models import Page, Post, PostRevision, PreviewLink
from comments import moderation, personal_data, subscriptions
from comments.models import Comment, ModerationSettings, VerifiedEmail
from comments.notifications import make_link_token
from comments.services import email_verification_token
from images.models import Image
from tests.conftest import clear_caches
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    PageFactory,
    PostFactory,
    UserFactory,
    post_admin_form,
)
from tests.test_cover_uploads import image_bytes

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "commenter", "author", "editor", "moderator", "superuser")
STAFF = frozenset({"author", "editor", "moderator", "superuser"})
EVERYONE = frozenset(ROLES)
POSTS = frozenset({"author", "editor", "superuser"})  # may open the post admin
PUBLISHERS = frozenset({"editor", "superuser"})
MODERATORS = frozenset({"moderator", "superuser"})
SUPERUSER = frozenset({"superuser"})
LOGIN = "login"  # a refusal that redirects to the admin login page
OLD_TITLE = "As it was"  # each post's earlier revision


def png(name="matrix.png"):
    return SimpleUploadedFile(name, image_bytes("PNG", size=(8, 6)), content_type="image/png")


def library_image(uploader):
    return Image.objects.create(file=png(), alt=f"By {uploader.username}", uploaded_by=uploader)


@dataclass
class World:
    """What every cell starts from: one user per role, posts in each state, a pending comment."""

    users: dict
    own_draft: Post  # the Author's own draft
    others_draft: Post  # someone else's draft
    published: Post  # the Author's published post
    in_review: Post  # the Author's submission, waiting for an editor
    pending: Comment  # on the published post
    approved: Comment  # approved by the moderator a moment ago (their Undo is still open)
    share_link: PreviewLink  # on someone else's draft
    own_image: Image  # in the library, uploaded by the Author
    others_image: Image  # uploaded by the Editor
    page: Page  # the owner's published page, comments off (a page's default)
    open_page: Page  # a published page whose comments the owner allowed

    @classmethod
    def build(cls):
        users = {
            "commenter": UserFactory(username="commenter"),
            "author": UserFactory(username="author", is_staff=True, groups=["Authors"]),
            "editor": UserFactory(username="editor", is_staff=True, groups=["Editors"]),
            "moderator": UserFactory(username="moderator", is_staff=True, groups=["Moderators"]),
            "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
        }
        others_draft = PostFactory(draft=True, title="Someone else's draft", slug="others-draft")
        published = PostFactory(author=users["author"], title="Out there", slug="out-there")
        own_draft = PostFactory(
            author=users["author"], draft=True, title="My draft", slug="my-draft"
        )
        in_review = PostFactory(
            author=users["author"],
            status=Post.Status.REVIEW,
            publish_at=None,
            title="Please look",
            slug="please-look",
        )
        for post in (own_draft, others_draft, published):
            # An earlier version for the revisions pages to show and restore.
            PostRevision.objects.create(
                post=post, title=OLD_TITLE, body=post.body, status=post.status
            )
        return cls(
            users=users,
            own_draft=own_draft,
            others_draft=others_draft,
            published=published,
            in_review=in_review,
            pending=CommentFactory(post=published, pending=True, body="Waiting for a moderator."),
            approved=CommentFactory(post=published, approved=True, body="Just approved."),
            share_link=PreviewLink.objects.create(post=others_draft),
            own_image=library_image(users["author"]),
            others_image=library_image(users["editor"]),
            page=PageFactory(title="About", slug="about"),
            open_page=PageFactory(title="Guestbook", slug="guestbook", comments_enabled=True),
        )

    def revision(self, post):
        return post.revisions.get(title=OLD_TITLE)

    def refresh(self, obj):
        return type(obj).objects.filter(pk=obj.pk).first()


@dataclass(frozen=True)
class Row:
    name: str
    url: Callable[[World], str]
    allowed: frozenset
    method: str = "get"
    data: Callable[[World], dict] | None = None
    changed: Callable[[World], bool] | None = None  # writes only: did it happen?
    ok: int = 200  # the status when allowed
    refused: dict = field(default_factory=dict)  # role -> status (or LOGIN), overriding defaults
    admin: bool = True  # refusals follow the admin's login/403 rule
    headers: dict = field(default_factory=dict)  # e.g. the desk's Accept: application/json

    def expected_refusal(self, role):
        if role in self.refused:
            return self.refused[role]
        if self.admin:
            return 403 if role in STAFF else LOGIN
        return 403


def admin_url(name, *args):
    return lambda w: reverse(f"admin:{name}", args=[arg(w) for arg in args])


def with_new_share_link(post: Post):
    expires = timezone.localtime() + timedelta(days=7)  # within a share link's 30 days
    return post_admin_form(
        post,
        **{
            "preview_links-TOTAL_FORMS": "1",
            "preview_links-0-expires_at_0": f"{expires:%Y-%m-%d}",
            "preview_links-0-expires_at_1": f"{expires:%H:%M:%S}",
        },
    )


def changelist_action(action: str, *objects):
    def data(w):
        return {"action": action, "index": "0", "_selected_action": [o(w).pk for o in objects]}

    return data


def own_draft(w):
    return w.own_draft


def others_draft(w):
    return w.others_draft


def published(w):
    return w.published


def in_review(w):
    return w.in_review


def pending(w):
    return w.pending


def approved(w):
    return w.approved


def own_image(w):
    return w.own_image


def others_image(w):
    return w.others_image


def pk_of(getter):
    return lambda w: getter(w).pk


def status_is(getter, status):
    return lambda w: w.refresh(getter(w)).status == status


def title_is(getter, title):
    return lambda w: w.refresh(getter(w)).title == title


def gone(getter):
    return lambda w: w.refresh(getter(w)) is None


def link_token(action):
    return lambda w: reverse(
        "comments:moderate_link",
        args=[make_link_token(comment=w.pending, action=action, moderator=w.users["moderator"])],
    )


# Whose post, who may open it (its form, its revisions) and who may change it (save, restore a
# revision, preview a new body): an Author's live post is read-only to them.
POST_OWNERSHIP = [
    ("own draft", own_draft, POSTS, POSTS),
    ("someone else's draft", others_draft, PUBLISHERS, PUBLISHERS),
    ("own live post", published, POSTS, PUBLISHERS),
]
POST_ROWS = [
    Row("post list", admin_url("blog_post_changelist"), POSTS),
    Row("post add form", admin_url("blog_post_add"), POSTS),
    Row(
        "post add",
        admin_url("blog_post_add"),
        POSTS,
        method="post",
        data=lambda w: post_admin_form(
            Post(title="New one", slug="new-one", body="Words.", author=w.users["author"])
        ),
        changed=lambda w: Post.objects.filter(slug="new-one").exists(),
        ok=302,
    ),
    *(
        row
        for whose, getter, readers, writers in POST_OWNERSHIP
        for row in (
            Row(
                f"post change form, {whose}", admin_url("blog_post_change", pk_of(getter)), readers
            ),
            Row(
                f"post change, {whose}",
                admin_url("blog_post_change", pk_of(getter)),
                writers,
                method="post",
                data=lambda w, getter=getter: post_admin_form(getter(w), title="Retitled"),
                changed=title_is(getter, "Retitled"),
                ok=302,
            ),
        )
    ),
    Row(
        "post delete page",
        admin_url("blog_post_delete", pk_of(own_draft)),
        PUBLISHERS,
    ),
    Row(
        "post delete",
        admin_url("blog_post_delete", pk_of(own_draft)),
        PUBLISHERS,
        method="post",
        data=lambda w: {"post": "yes"},
        changed=gone(own_draft),
        ok=302,
    ),
    Row(
        "publish action",
        admin_url("blog_post_changelist"),
        PUBLISHERS,
        method="post",
        data=changelist_action("publish_selected", own_draft),
        changed=status_is(own_draft, Post.Status.PUBLISHED),
        ok=302,
        # Authors see the list but are not offered the action: the list comes back, unchanged.
        refused={"author": 200},
    ),
    Row(
        "unpublish action",
        admin_url("blog_post_changelist"),
        PUBLISHERS,
        method="post",
        data=changelist_action("unpublish_selected", published),
        changed=status_is(published, Post.Status.DRAFT),
        ok=302,
        refused={"author": 200},
    ),
    Row(
        "share link create",
        admin_url("blog_post_change", pk_of(own_draft)),
        PUBLISHERS,
        method="post",
        data=lambda w: with_new_share_link(w.own_draft),
        changed=lambda w: w.own_draft.preview_links.exists(),
        ok=302,
        # Authors may save their draft, but the share-link rows they send are ignored.
        refused={"author": 302},
    ),
    Row(
        "share link revoke",
        admin_url("blog_post_change", pk_of(others_draft)),
        PUBLISHERS,
        method="post",
        data=lambda w: post_admin_form(
            w.others_draft,
            **{
                "preview_links-TOTAL_FORMS": "1",
                "preview_links-INITIAL_FORMS": "1",
                "preview_links-0-id": w.share_link.pk,
                "preview_links-0-post": w.others_draft.pk,
                "preview_links-0-expires_at_0": f"{w.share_link.expires_at:%Y-%m-%d}",
                "preview_links-0-expires_at_1": f"{w.share_link.expires_at:%H:%M:%S}",
                "preview_links-0-revoke": "on",
            },
        ),
        changed=lambda w: w.refresh(w.share_link).revoked_at is not None,
        ok=302,
    ),
    Row("tag list", admin_url("taggit_tag_changelist"), PUBLISHERS),
]

# The post form's buttons (blog.workflow): each role may send only the actions its buttons offer.
# (button, on which post, who may press it, extra form data, the status it leaves)
EDITORIAL_BUTTONS = [
    ("submit", "own draft", own_draft, frozenset({"author"}), {}, Post.Status.REVIEW),
    (
        "return",
        "a submission",
        in_review,
        PUBLISHERS,
        {"review_note": "Shorter."},
        Post.Status.DRAFT,
    ),
    ("publish", "a submission", in_review, PUBLISHERS, {}, Post.Status.PUBLISHED),
    (
        "schedule",
        "a submission",
        in_review,
        PUBLISHERS,
        {"publish_at": "2099-01-01T09:00"},
        Post.Status.PUBLISHED,
    ),
    ("unpublish", "the Author's live post", published, PUBLISHERS, {}, Post.Status.DRAFT),
]
EDITORIAL_ROWS = [
    Row(
        f"post form button: {workflow.LABELS[action]}, {which}",
        admin_url("blog_post_change", pk_of(getter)),
        allowed,
        method="post",
        data=lambda w, getter=getter, action=action, extra=extra: post_admin_form(
            getter(w), _action=action, **extra
        ),
        changed=status_is(getter, status),
        ok=302,
    )
    for action, which, getter, allowed, extra, status in EDITORIAL_BUTTONS
]

REVISION_ROWS = [
    row
    for whose, getter, readers, writers in POST_OWNERSHIP
    for row in (
        Row(
            f"revisions and their diffs, {whose}",
            admin_url("blog_post_revisions", pk_of(getter)),
            readers,
        ),
        Row(
            f"revision restore, {whose}",
            lambda w, getter=getter: reverse(
                "admin:blog_post_restore",
                args=[getter(w).pk, w.revision(getter(w)).pk],
            ),
            writers,
            method="post",
            changed=title_is(getter, OLD_TITLE),
            ok=302,
        ),
    )
]

PREVIEW_ROWS = [
    Row(
        "body preview endpoint, new post",
        admin_url("blog_post_preview_body"),
        POSTS,
        method="post",
        data=lambda w: {"body": "*Previewed*"},
    ),
    *(
        Row(
            f"body preview endpoint, {whose}",
            admin_url("blog_post_preview_body"),
            writers,
            method="post",
            data=lambda w, getter=getter: {"body": "*Previewed*", "post": getter(w).pk},
        )
        for whose, getter, readers, writers in POST_OWNERSHIP
    ),
    Row(
        "Preview button, own draft (saves nothing)",
        admin_url("blog_post_change", pk_of(own_draft)),
        POSTS,
        method="post",
        data=lambda w: post_admin_form(w.own_draft, _action="preview", title="Only previewed"),
    ),
    Row(
        "own draft by its address",
        lambda w: w.own_draft.get_absolute_url(),
        POSTS,
        refused=dict.fromkeys(ROLES, 404),
        admin=False,
    ),
]

# The image library: uploading and choosing are for everyone who writes; an uploader may relabel
# or remove their own upload, editors anyone's (an entry removed keeps its file: no live page
# changes).
IMAGE_OWNERSHIP = [
    ("own upload", own_image, POSTS),
    ("someone else's upload", others_image, PUBLISHERS),
]
IMAGE_ROWS = [
    Row("image library list (to choose from)", admin_url("images_image_changelist"), POSTS),
    Row("image upload form", admin_url("images_image_add"), POSTS),
    Row(
        "image upload",
        admin_url("images_image_add"),
        POSTS,
        method="post",
        data=lambda w: {"file": png("new.png"), "alt": "Matrix upload"},
        changed=lambda w: Image.objects.filter(alt="Matrix upload").exists(),
        ok=302,
    ),
    # Others' uploads stay readable to Authors: the page shows them read-only.
    *(
        Row(f"image page, {whose}", admin_url("images_image_change", pk_of(getter)), POSTS)
        for whose, getter, _ in IMAGE_OWNERSHIP
    ),
    *(
        row
        for whose, getter, writers in IMAGE_OWNERSHIP
        for row in (
            Row(
                f"image relabel, {whose}",
                admin_url("images_image_change", pk_of(getter)),
                writers,
                method="post",
                data=lambda w: {"alt": "Relabelled"},
                changed=lambda w, getter=getter: w.refresh(getter(w)).alt == "Relabelled",
                ok=302,
            ),
            Row(
                f"image delete, {whose}",
                admin_url("images_image_delete", pk_of(getter)),
                writers,
                method="post",
                data=lambda w: {"post": "yes"},
                changed=gone(getter),
                ok=302,
            ),
        )
    ),
]


def page_form(**changes):
    return lambda w: {
        "title": "About us",
        "slug": "about",
        "body": "Who we are.",
        "status": "published",
        "position": "0",
        "in_navigation": "on",
        **changes,
    }


# Pages (a proxy of Post since pages take comments): Editors and superusers, as before.
PAGE_ROWS = [
    Row("page list", admin_url("blog_page_changelist"), PUBLISHERS),
    Row("page add form", admin_url("blog_page_add"), PUBLISHERS),
    Row(
        "page add",
        admin_url("blog_page_add"),
        PUBLISHERS,
        method="post",
        data=page_form(slug="new-page"),
        changed=lambda w: Page.objects.filter(slug="new-page").exists(),
        ok=302,
    ),
    Row("page change form", admin_url("blog_page_change", pk_of(lambda w: w.page)), PUBLISHERS),
    Row(
        "page allows comments",
        admin_url("blog_page_change", pk_of(lambda w: w.page)),
        PUBLISHERS,
        method="post",
        data=page_form(comments_enabled="on"),
        changed=lambda w: w.refresh(w.page).comments_enabled,
        ok=302,
    ),
    Row(
        "page delete",
        admin_url("blog_page_delete", pk_of(lambda w: w.page)),
        PUBLISHERS,
        method="post",
        data=lambda w: {"post": "yes"},
        changed=gone(lambda w: w.page),
        ok=302,
    ),
    Row(
        "a page in the post admin",
        admin_url("blog_post_change", pk_of(lambda w: w.page)),
        frozenset(),
        # Not a post: those who may open posts are told it does not exist (sent home).
        refused=dict.fromkeys(POSTS, 302),
    ),
]

COMMENT_ROWS = [
    Row("comment list", admin_url("comments_comment_changelist"), MODERATORS),
    Row("comment change form", admin_url("comments_comment_change", pk_of(pending)), MODERATORS),
    Row(
        "comment change",
        admin_url("comments_comment_change", pk_of(pending)),
        MODERATORS,
        method="post",
        data=lambda w: {
            "author_name": w.pending.author_name,
            "author_email": w.pending.author_email,
            "author_url": "",
            "body": "Edited by staff.",
        },
        changed=lambda w: w.refresh(w.pending).body == "Edited by staff.",
        ok=302,
    ),
    Row("comment delete page", admin_url("comments_comment_delete", pk_of(pending)), MODERATORS),
    Row(
        "comment delete",
        admin_url("comments_comment_delete", pk_of(pending)),
        MODERATORS,
        method="post",
        data=lambda w: {"post": "yes"},
        changed=gone(pending),
        ok=302,
    ),
    *(
        Row(
            f"moderation bulk action: {move.name}",
            admin_url("comments_comment_changelist"),
            MODERATORS,
            method="post",
            data=changelist_action(move.bulk_name, pending),
            changed=status_is(pending, move.status),
            ok=302,
        )
        for move in moderation.ACTIONS
    ),
    *(
        Row(
            f"moderation button: {move.name}",
            admin_url(f"comments_comment_{move.name}", pk_of(pending)),
            MODERATORS,
            method="post",
            changed=status_is(pending, move.status),
            ok=302,
        )
        for move in moderation.ACTIONS
    ),
    # The moderation desk: the queue's row buttons answer JSON to its script.
    *(
        Row(
            f"desk row button: {move.name}",
            lambda w, name=move.name: (
                reverse(f"admin:comments_comment_{name}", args=[w.pending.pk]) + "?from=queue"
            ),
            MODERATORS,
            method="post",
            headers={"Accept": "application/json"},
            changed=status_is(pending, move.status),
        )
        for move in moderation.ACTIONS
    ),
    Row(
        "desk undo, the moderator's own decision",
        admin_url("comments_comment_undo"),
        frozenset({"moderator"}),
        method="post",
        data=lambda w: {
            "token": moderation.undo_token(
                before={w.approved.pk: Comment.Status.PENDING},
                status=Comment.Status.APPROVED,
                moderator_id=w.users["moderator"].pk,
            )
        },
        changed=status_is(lambda w: w.approved, Comment.Status.PENDING),
        ok=302,
        # Another moderator may not undo it: back to the queue with "not yours", nothing undone.
        refused={"superuser": 302},
    ),
    Row("desk reply form", admin_url("comments_comment_reply", pk_of(pending)), MODERATORS),
    *(
        Row(
            f"desk {label}",
            admin_url("comments_comment_reply", pk_of(getter)),
            MODERATORS,
            method="post",
            data=lambda w, extra=extra: {"body": "Thanks, from the desk.", **extra},
            changed=lambda w, getter=getter: (
                Comment.objects.filter(by_staff=True, parent=getter(w)).exists()
                and w.refresh(getter(w)).status == Comment.Status.APPROVED
            ),
            ok=302,
        )
        for label, getter, extra in [
            ("reply", approved, {}),
            ("approve and reply", pending, {"_approve": "on"}),
        ]
    ),
    Row(
        "moderation settings form",
        lambda w: reverse("admin:comments_moderationsettings_change", args=[1]),
        MODERATORS,
    ),
    Row(
        "moderation settings change",
        lambda w: reverse("admin:comments_moderationsettings_change", args=[1]),
        MODERATORS,
        method="post",
        data=lambda w: {
            **{
                f.name: "" if value is None else value
                for f in ModerationSettings._meta.concrete_fields
                if f.editable and f.name != "id"
                for value in [getattr(ModerationSettings.load(), f.attname)]
            },
            "blocked_words": "matrix-word",
        },
        changed=lambda w: "matrix-word" in ModerationSettings.load().blocked_words,
        ok=302,
    ),
    Row("verified e-mail list", admin_url("comments_verifiedemail_changelist"), MODERATORS),
    # Personal data: a permission of its own (add/view personal data request), no group's.
    Row("personal data requests", admin_url("comments_datarequest_changelist"), SUPERUSER),
    Row("personal data request form", admin_url("comments_datarequest_add"), SUPERUSER),
    Row(
        "personal data erasure",
        admin_url("comments_datarequest_add"),
        SUPERUSER,
        method="post",
        data=lambda w: {"email": w.pending.author_email, "action": "anonymise"},
        changed=lambda w: w.refresh(w.pending).author_name == "Anonymous",
        ok=302,
    ),
]

ACCOUNT_ROWS = [
    Row("user list", admin_url("auth_user_changelist"), SUPERUSER),
    Row(
        "user change form",
        lambda w: reverse("admin:auth_user_change", args=[w.users["author"].pk]),
        SUPERUSER,
    ),
    Row(
        "user made superuser",
        lambda w: reverse("admin:auth_user_change", args=[w.users["commenter"].pk]),
        SUPERUSER,
        method="post",
        data=lambda w: {
            "username": "commenter",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
        changed=lambda w: get_user_model().objects.get(username="commenter").is_superuser,
        ok=302,
    ),
    Row("group list", admin_url("auth_group_changelist"), SUPERUSER),
    Row(
        "group add",
        admin_url("auth_group_add"),
        SUPERUSER,
        method="post",
        data=lambda w: {"name": "Matrix crew"},
        changed=lambda w: Group.objects.filter(name="Matrix crew").exists(),
        ok=302,
    ),
]

# The e-mailed moderation links are capabilities: whoever holds the signed link may use it,
# logged in or not, and it acts for the moderator it was sent to. A tampered link does nothing.
EMAIL_LINK_ROWS = [
    *(
        row
        for move in moderation.EMAILED.values()
        for row in (
            Row(
                f"e-mail link confirm page: {move.name}",
                link_token(move.name),
                EVERYONE,
                admin=False,
            ),
            Row(
                f"e-mail link act: {move.name}",
                link_token(move.name),
                EVERYONE,
                method="post",
                changed=status_is(pending, move.status),
                admin=False,
            ),
            Row(
                f"e-mail link act, tampered: {move.name}",
                lambda w, name=move.name: link_token(name)(w)[:-3] + "xx/",
                frozenset(),
                method="post",
                changed=lambda w: w.refresh(w.pending).status != Comment.Status.PENDING,
                refused=dict.fromkeys(ROLES, 400),
                admin=False,
            ),
        )
    ),
]

PUBLIC_ROWS = [
    Row(
        "comment post",
        lambda w: reverse("comments:submit", args=[w.published.pk]),
        EVERYONE,
        method="post",
        data=lambda w: CommentFormDataFactory(post=w.published, body="A reader's matrix comment."),
        changed=lambda w: Comment.objects.filter(body="A reader's matrix comment.").exists(),
        ok=302,
        admin=False,
    ),
    Row(
        "comment post on a draft",
        lambda w: reverse("comments:submit", args=[w.own_draft.pk]),
        frozenset(),
        method="post",
        data=lambda w: CommentFormDataFactory(post=w.own_draft, body="On a draft."),
        changed=lambda w: Comment.objects.filter(body="On a draft.").exists(),
        refused=dict.fromkeys(ROLES, 404),
        admin=False,
    ),
    Row(
        "comment post on a page open to comments",
        lambda w: reverse("comments:submit", args=[w.open_page.pk]),
        EVERYONE,
        method="post",
        data=lambda w: CommentFormDataFactory(post=w.open_page, body="A page comment."),
        changed=lambda w: Comment.objects.filter(body="A page comment.").exists(),
        ok=302,
        admin=False,
    ),
    Row(
        "comment post on a page closed to comments",
        lambda w: reverse("comments:submit", args=[w.page.pk]),
        frozenset(),
        method="post",
        data=lambda w: CommentFormDataFactory(post=w.page, body="On a closed page."),
        changed=lambda w: Comment.objects.filter(body="On a closed page.").exists(),
        refused=dict.fromkeys(ROLES, 403),
        admin=False,
    ),
    Row(
        "e-mail verification link",
        lambda w: reverse(
            "comments:verify_email", args=[email_verification_token("ann@example.com")]
        ),
        EVERYONE,
        changed=lambda w: VerifiedEmail.objects.filter(email="ann@example.com").exists(),
        admin=False,
    ),
    Row(
        "e-mail verification link, tampered",
        lambda w: reverse(
            "comments:verify_email", args=[email_verification_token("ann@example.com") + "x"]
        ),
        frozenset(),
        changed=lambda w: VerifiedEmail.objects.exists(),
        refused=dict.fromkeys(ROLES, 400),
        admin=False,
    ),
    Row(
        "unsubscribe link",
        lambda w: subscriptions.unsubscribe_url(email=w.approved.author_email),
        EVERYONE,
        admin=False,
    ),
    Row(
        "personal data link form",
        lambda w: reverse("comments:request_personal_data"),
        EVERYONE,
        admin=False,
    ),
    Row(
        "personal data link",
        lambda w: reverse(
            "comments:personal_data", args=[personal_data.link_token(w.pending.author_email)]
        ),
        EVERYONE,
        admin=False,
    ),
    Row("search", lambda w: reverse("blog:search") + "?q=out", EVERYONE, admin=False),
    Row(
        "share link opens the draft",
        lambda w: w.share_link.get_absolute_url(),
        EVERYONE,
        admin=False,
    ),
    Row(
        "someone else's draft by its address",
        lambda w: w.others_draft.get_absolute_url(),
        PUBLISHERS,
        refused=dict.fromkeys(ROLES, 404),
        admin=False,
    ),
]

ROWS = [
    *POST_ROWS,
    *EDITORIAL_ROWS,
    *REVISION_ROWS,
    *PREVIEW_ROWS,
    *IMAGE_ROWS,
    *PAGE_ROWS,
    *COMMENT_ROWS,
    *ACCOUNT_ROWS,
    *EMAIL_LINK_ROWS,
    *PUBLIC_ROWS,
]


def test_each_row_has_its_own_name():
    names = [row.name for row in ROWS]
    assert len(names) == len(set(names))


class _UndoCell(Exception):
    """Raised to roll a cell's savepoint back, so each role starts from the same World."""


def check_cell(row: Row, role: str, world: World) -> str | None:
    """Make the row's request as `role`; what went wrong, or None if the cell holds."""
    clear_caches()  # rate limits: every cell is a first visit
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    data = row.data(world) if row.data else {}
    # Each role from its own address: rate limits count per address, not per cell.
    address = f"198.51.100.{ROLES.index(role) + 1}"
    response = getattr(client, row.method)(
        row.url(world), data, headers=row.headers, REMOTE_ADDR=address
    )
    allowed = role in row.allowed
    expected = row.ok if allowed else row.expected_refusal(role)
    location = response.get("Location", "")
    to_login = response.status_code == 302 and location.startswith(reverse("admin:login"))
    if expected == LOGIN:
        if not to_login:
            return f"expected a redirect to the login page, got {response.status_code} {location}"
    elif response.status_code != expected:
        return f"expected {expected}, got {response.status_code} {location}"
    elif to_login:
        return "sent to the login page"
    if row.changed is not None and row.changed(world) is not allowed:
        return "the write happened" if not allowed else "the write did not happen"
    return None


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_every_role_gets_what_the_table_says(row):
    """One row, each role in a savepoint rolled back afterwards; every failing cell is listed."""
    world = World.build()
    failures = {}
    for role in ROLES:
        try:
            with transaction.atomic():
                failures[role] = check_cell(row, role, world)
                raise _UndoCell
        except _UndoCell:
            pass
    failures = {role: problem for role, problem in failures.items() if problem}
    assert not failures, f"{row.name}: {failures}"
