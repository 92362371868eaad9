from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from blog.models import PreviewLink


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
