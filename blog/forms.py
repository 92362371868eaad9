import posixpath
import secrets
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.safestring import mark_safe

from blog import site, tagging, workflow
from blog.media_check import UNWRITABLE_MESSAGE, storage_accepts_files
from blog.models import Image, Post, PreviewLink, render_body
from blog.rendering import MAX_BODY_LENGTH

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# A cover chosen in a form that failed (say, without alt text) waits here, under a signed name,
# so the next submit keeps it without choosing the file again.
PENDING_COVER_DIR = "covers/pending"
PENDING_COVER_SALT = "blog.pending-cover"
PENDING_COVER_MAX_AGE = 24 * 3600


def default_schedule_time() -> datetime:
    """What the schedule picker offers first: tomorrow at 09:00, site time."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time(9, 0)))


class KeepsUploadMixin(forms.Form):
    """Keep the file chosen in a form that fails for another reason, for the next submit.

    The upload waits in the storage under PENDING_COVER_DIR; the form carries its name, signed,
    in a hidden field (`pending_upload`); a forged or stale name is ignored. Once stale, the
    file is deleted by `manage.py clean_pending_uploads` (blog.pending_uploads).
    """

    upload_field = "cover_image"
    pending_upload = forms.CharField(required=False, widget=forms.HiddenInput)

    def _storage(self):
        return self._meta.model._meta.get_field(self.upload_field).storage

    def _pending_name(self) -> str | None:
        token = self.data.get("pending_upload", "")
        try:
            name = signing.loads(token, salt=PENDING_COVER_SALT, max_age=PENDING_COVER_MAX_AGE)
        except signing.BadSignature:
            return None
        return name if isinstance(name, str) and name.startswith(PENDING_COVER_DIR + "/") else None

    def _clean_fields(self):
        super()._clean_fields()
        field = self.upload_field
        if field in self.files and not storage_accepts_files(self._storage()):
            self.add_error(field, ValidationError(UNWRITABLE_MESSAGE, code="storage_unwritable"))
            return
        pending = self._pending_name()
        wanted = pending and field in self.fields and field not in self.files
        if wanted and self._storage().exists(pending):
            self.cleaned_data[field] = File(
                self._storage().open(pending), name=posixpath.basename(pending)
            )
            self.errors.pop(field, None)

    def full_clean(self):
        super().full_clean()
        field = self.upload_field
        if not self.errors or field not in self.fields:
            return
        upload = getattr(self, "cleaned_data", {}).get(field)
        if isinstance(upload, UploadedFile) and field not in self.errors:
            upload.seek(0)
            name = posixpath.join(
                PENDING_COVER_DIR, secrets.token_hex(8), posixpath.basename(upload.name)
            )
            name = self._storage().save(name, upload)
            self.data = self.data.copy()
            self.data["pending_upload"] = signing.dumps(name, salt=PENDING_COVER_SALT)
        else:
            name = self._pending_name()
        if name:
            kept = (
                f"Kept from your last try: {posixpath.basename(name)}. "
                "Save to use it, or choose another file."
            )
            # The bound field copied the help text when validation first read it.
            self.fields[field].help_text = self[field].help_text = kept


class ImageAdminForm(KeepsUploadMixin, forms.ModelForm):
    """An image library upload: the file (checked by blog.images) and its alt text, required."""

    upload_field = "file"

    class Meta:
        model = Image
        fields = ["file", "alt"]


class PostAdminForm(KeepsUploadMixin, forms.ModelForm):
    """The post's admin form: the submit button pressed (`_action`) says what happens to it.

    The publication time is a native date-time picker; "Schedule" needs a time ahead, and
    "Send back to author" needs a note.
    """

    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "author",
            "summary",
            "body",
            "cover_image",
            "cover_image_alt",
            "status",
            "publish_at",
            "review_note",
            "tags",
            "comments_enabled",
            "pinned",
        ]
        field_classes = {"publish_at": forms.DateTimeField}
        widgets = {
            "publish_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT
            ),
            "review_note": forms.Textarea(attrs={"rows": 3}),
            # Wraps, so a long title is seen whole on a phone too (a line break is refused).
            "title": forms.Textarea(attrs={"rows": 1}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_publish_at = self.instance.publish_at
        if self.instance._state.adding:
            self.initial.setdefault("comments_enabled", site.comments_open_by_default())
        author = self.fields.get("author")
        if author is not None:
            author.queryset = workflow.writers(also=self.instance.author_id)
        body = self.fields.get("body")
        if body is not None:
            # The renderer is sized for this length (blog.rendering); the browser stops there too.
            body.max_length = MAX_BODY_LENGTH
            body.widget.attrs["maxlength"] = str(MAX_BODY_LENGTH)
        field = self.fields.get("publish_at")
        if field is not None:
            field.input_formats = [DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            field.help_text = (
                "When “Schedule” puts the post live (site time). “Publish” puts it live now."
            )
            if self.instance.publish_at is None:
                self.initial["publish_at"] = default_schedule_time()

    @property
    def action(self) -> str:
        return self.data.get("_action") or "keep"

    preview_html = ""

    def clean_title(self):
        title = self.cleaned_data["title"]
        if len(title.splitlines()) > 1:
            raise ValidationError("A title is one line: remove the line break.", code="multiline")
        return title

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > MAX_BODY_LENGTH:
            raise ValidationError(
                "A post's body can be at most %(limit)s characters (this one has %(length)s): "
                "split it into several posts.",
                code="body_too_long",
                params={"limit": f"{MAX_BODY_LENGTH:,}", "length": f"{len(body):,}"},
            )
        return body

    def clean_tags(self):
        names = self.cleaned_data["tags"]
        too_long = [name for name in names if len(name) > tagging.NAME_MAX_LENGTH]
        if too_long:
            raise ValidationError(
                "A tag can be at most %(limit)d characters long (this one has %(length)d).",
                code="tag_too_long",
                params={"limit": tagging.NAME_MAX_LENGTH, "length": len(too_long[0])},
            )
        return names

    def clean(self):
        cleaned = super().clean()
        if self.action == "preview":
            # Sanitised by nh3 in render_body, like the public page's body.
            self.preview_html = mark_safe(render_body(cleaned.get("body", "")))  # noqa: S308
            raise ValidationError(
                "Preview only: nothing was saved. Choose a button below to save.", code="preview"
            )
        if self.action == "schedule" and "publish_at" in self.fields:
            when = cleaned.get("publish_at")
            if when is None or when <= timezone.now():
                self.add_error(
                    "publish_at",
                    ValidationError("Choose a time in the future to schedule.", code="past"),
                )
        note_missing = not cleaned.get("review_note", "").strip()
        if self.action == "return" and "review_note" in self.fields and note_missing:
            self.add_error(
                "review_note",
                ValidationError("Tell the author what to change.", code="note_required"),
            )
        return cleaned


class PreviewLinkForm(forms.ModelForm):
    """One share link on the post's admin page: set its expiry, or tick "revoke" to end it now."""

    revoke = forms.BooleanField(
        required=False, help_text="Stop this link working now. It cannot be turned back on."
    )

    class Meta:
        model = PreviewLink
        fields = ["expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        expiry = self.fields.get("expires_at")
        if expiry is not None:
            expiry.help_text = (
                "The link stops working after this time: at most "
                f"{settings.BLOG_PREVIEW_LINK_MAX_LIFETIME.days} days after it is made."
            )
        if self.instance.revoked_at is not None:
            self.fields["revoke"].initial = True
            self.fields["revoke"].disabled = True

    def has_changed(self):
        # A row added with "Add another" means "make a link", even with the default expiry;
        # Django would otherwise skip it as an untouched extra form.
        return self.instance.pk is None or super().has_changed()

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if "expires_at" in self.changed_data and expires_at <= timezone.now():
            raise ValidationError("Choose a time in the future.", code="expiry_in_past")
        latest = self.latest_expiry()
        if expires_at > latest:
            raise ValidationError(
                "A share link works for at most %(days)d days: choose a time up to %(latest)s.",
                code="expiry_too_far",
                params={
                    "days": settings.BLOG_PREVIEW_LINK_MAX_LIFETIME.days,
                    "latest": f"{timezone.localtime(latest):%Y-%m-%d %H:%M}",
                },
            )
        return expires_at

    def latest_expiry(self):
        """The latest expiry this link may have: PREVIEW_LINK_MAX_LIFETIME after it was made."""
        made = self.instance.created or timezone.now()
        return made + settings.BLOG_PREVIEW_LINK_MAX_LIFETIME

    def save(self, commit=True):
        if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
            self.instance.revoked_at = timezone.now()
        return super().save(commit)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search posts",
        max_length=200,
        required=False,
        error_messages={"max_length": "Please search for at most %(limit_value)d characters."},
    )
