import time
import unicodedata
from typing import NamedTuple, NoReturn

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from blog.models import Post
from blog.seo import author_name
from comments.models import Comment

# The form comes back with the reader's text and a fresh stamp, so sending it again works.
STAMP_ERRORS = {
    "bad_timestamp": "This form has expired. Please check your comment and send it again.",
    "other_post": (
        "This form was for another post. Please check your comment and send it again here."
    ),
}
MODERATION_NOTICE = "Please note, comments need to be approved before they are published."
REMEMBER_HELP = (
    "Kept only in this browser, never sent to us in a cookie. Untick and send to forget them."
)
ACCOUNT_HELP = "From your account: you comment under your public name."


def account_identity(user) -> tuple[str, str]:
    """A signed-in user's public name (never the login) and e-mail (else the site's)."""
    return author_name(user), user.email or settings.DEFAULT_FROM_EMAIL


def reject_control_characters(value: str, *, allowed: str = "") -> str:
    """Refuse NUL and other control characters: invisible, and PostgreSQL cannot store NUL."""
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in value):
        raise ValidationError(
            "Please remove the invisible control characters from this field.",
            code="control_characters",
        )
    return value


TIMESTAMP_SALT = "comments.form-timestamp"


class FormStamp(NamedTuple):
    post_id: int
    started_at: float


def sign_form_time(post_id: int, started_at: float | None = None) -> str:
    """A tamper-proof stamp of when the form was built, shared by every reader of the post."""
    started_at = time.time() if started_at is None else started_at
    return signing.dumps([post_id, started_at], salt=TIMESTAMP_SALT)


def read_form_time(stamp: str) -> FormStamp:
    """The post and time a stamp was signed for; BadSignature if forged, stale or not a stamp."""
    payload = signing.loads(stamp, salt=TIMESTAMP_SALT, max_age=settings.COMMENT_FORM_MAX_AGE)
    match payload:
        case [int(post_id), int() | float() as started_at]:
            return FormStamp(post_id=post_id, started_at=float(started_at))
    raise signing.BadSignature("Not a comment form stamp")


class CommentForm(forms.ModelForm):
    """A reader's comment, plus the cheap bot defences: a honeypot and a signed form stamp."""

    author_url = forms.URLField(
        label="Website",
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Form-filling bots fill every field; people never see this one (see the layout below).
    honeypot = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # Not required: a missing stamp gets the same message and fresh stamp as a forged one.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # Read only by static/js/remember-commenter.js (localStorage): the server ignores it.
    remember = forms.BooleanField(
        label="Remember my name, e-mail and website in this browser",
        required=False,
        help_text=REMEMBER_HELP,
    )

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "author_url", "body", "notify_me", "parent"]
        widgets = {
            "author_name": forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
            "author_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "body": forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        }

    def __init__(self, *args, post: Post, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.post = post
        if user is not None and user.is_authenticated:
            # Shown, not editable: disabled fields ignore what is posted for them.
            name, email = account_identity(user)
            self.initial.update(author_name=name, author_email=email)
            self.fields["author_name"].disabled = self.fields["author_email"].disabled = True
            self.fields["author_name"].help_text = ACCOUNT_HELP
        # Whitespace-only comments get their own message in clean_body, not "required".
        self.fields["body"].strip = False
        for name in ("author_name", "author_email", "author_url", "honeypot"):
            self.fields[name].validators.append(reject_control_characters)
        self.fields["stamp"].initial = sign_form_time(post.pk)
        self.helper = FormHelper(self)
        # No token: cross-site posts are refused by Fetch Metadata (core.middleware).
        self.helper.disable_csrf = True
        # A form sent back with errors opens at its error summary, which takes focus.
        self.helper.form_action = reverse("comments:submit", args=[post.pk]) + "#comment-errors"
        self.helper.attrs = {"aria-labelledby": "comment-form-heading"}
        self.helper.layout = Layout(
            "parent",
            "author_name",
            "author_email",
            "author_url",
            "body",
            "notify_me",
            # Without JavaScript the box could do nothing: the script unhides it.
            Div(Field("remember"), css_id="comment-remember", hidden=""),
            # Hidden from sight and from screen readers, out of the tab order.
            Div(Field("honeypot"), css_class="visually-hidden", aria_hidden="true"),
            "stamp",
            HTML(f'<p class="notice">{MODERATION_NOTICE}</p>'),
        )
        self.helper.add_input(Submit("submit", "Post comment"))

    def clean_body(self):
        body = reject_control_characters(self.cleaned_data["body"], allowed="\n\r\t")
        if not body.strip():
            raise ValidationError("Please write a comment.", code="empty")
        return body.strip()

    def clean_stamp(self) -> FormStamp:
        """Signed, younger than COMMENT_FORM_MAX_AGE, for this post, and old enough."""
        try:
            stamp = read_form_time(self.cleaned_data["stamp"])
        except (signing.BadSignature, TypeError, ValueError):
            self._refuse_stamp("bad_timestamp")
        if stamp.post_id != self.post.pk:
            self._refuse_stamp("other_post")
        if time.time() - stamp.started_at < settings.COMMENT_MIN_SECONDS:
            # Not filed as spam: a person who types fast keeps their text and the stamp, so
            # sending again a moment later works. A bot learns nothing it did not know.
            raise ValidationError(
                "That was quicker than we expected. Please check your comment and send it again.",
                code="too_fast",
            )
        return stamp

    def _refuse_stamp(self, code: str) -> NoReturn:
        self.data = self.data.copy()
        self.data[self.add_prefix("stamp")] = sign_form_time(self.post.pk)
        raise ValidationError(STAMP_ERRORS[code], code=code) from None

    def clean_parent(self):
        """Replies go to approved comments of this post; too deep ones join their parent's."""
        parent_id = self.cleaned_data["parent"]
        if parent_id is None:
            return None
        replyable = Comment.objects.approved().filter(post=self.post)
        parent = replyable.filter(pk=parent_id).first()
        if parent is not None and parent.depth >= settings.COMMENT_MAX_DEPTH:
            parent = replyable.filter(pk=parent.parent_id).first()
        if parent is None:
            raise ValidationError(
                "The comment you are replying to is not available.", code="bad_parent"
            )
        return parent

    def non_field_errors(self):
        """Hidden fields have nowhere to show their errors, so list them with the form's own."""
        hidden = [error for bound in self.hidden_fields() for error in bound.errors]
        return self.error_class(
            [*super().non_field_errors(), *hidden], error_class="nonfield", renderer=self.renderer
        )


class DataLinkForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        validators=[reject_control_characters],
    )
