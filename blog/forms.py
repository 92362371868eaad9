from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.safestring import mark_safe

from blog import site, tagging, workflow
from blog.models import Post, PreviewLink, render_body
from blog.rendering import MAX_BODY_LENGTH
from images.forms import KeepsUploadMixin

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class PostAdminForm(KeepsUploadMixin, forms.ModelForm):
    """The post's admin form: the submit button pressed (`_action`) says what happens to it."""

    upload_field = "cover_image"

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
            self.initial.setdefault(
                "comments_enabled", site.site_settings().comments_open_by_default
            )
        if author := self.fields.get("author"):
            author.queryset = workflow.writers(also=self.instance.author_id)
        if body := self.fields.get("body"):
            # The renderer is sized for this length (blog.rendering); the browser stops there too.
            body.max_length = MAX_BODY_LENGTH
            body.widget.attrs["maxlength"] = str(MAX_BODY_LENGTH)
        if field := self.fields.get("publish_at"):
            field.input_formats = [DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            field.help_text = (
                "When “Schedule” puts the post live (site time). “Publish” puts it live now."
            )
            if self.instance.publish_at is None:
                # The schedule picker offers tomorrow at 09:00 (site time) first.
                tomorrow = timezone.localdate() + timedelta(days=1)
                self.initial["publish_at"] = timezone.make_aware(
                    datetime.combine(tomorrow, time(9))
                )

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
        note = cleaned.get("review_note", "").strip()
        if self.action == "return" and "review_note" in self.fields and not note:
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
        if expiry := self.fields.get("expires_at"):
            expiry.help_text = (
                "The link stops working after this time: at most "
                f"{settings.BLOG_PREVIEW_LINK_MAX_LIFETIME.days} days after it is made."
            )
        if self.instance.revoked_at is not None:
            self.fields["revoke"].initial = True
            self.fields["revoke"].disabled = True

    def has_changed(self):
        # A row added with "Add another" makes a link, even untouched (Django would skip it).
        return self.instance.pk is None or super().has_changed()

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if "expires_at" in self.changed_data and expires_at <= timezone.now():
            raise ValidationError("Choose a time in the future.", code="expiry_in_past")
        made = self.instance.created or timezone.now()
        latest = made + settings.BLOG_PREVIEW_LINK_MAX_LIFETIME
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
