"""The image library's upload form, and keeping a file chosen in a form that failed."""

import posixpath
import secrets

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile

from images.media_check import UNWRITABLE_MESSAGE, storage_accepts_files
from images.models import Image

# A file chosen in a form that failed (say, without alt text) waits here, under a signed name,
# so the next submit keeps it without choosing the file again. The folder and salt keep the
# names they had when only covers were kept: files waiting there and names signed stay valid.
PENDING_UPLOAD_DIR = "covers/pending"
PENDING_UPLOAD_SALT = "blog.pending-cover"
PENDING_UPLOAD_MAX_AGE = 24 * 3600


class KeepsUploadMixin(forms.Form):
    """Keep the file chosen in a form that fails for another reason, for the next submit.

    The upload waits in the storage under PENDING_UPLOAD_DIR; the form carries its name, signed,
    in a hidden field (`pending_upload`); a forged or stale name is ignored. Once stale, the
    file is deleted by `manage.py clean_pending_uploads`.
    """

    upload_field: str  # the name of the form's file field
    pending_upload = forms.CharField(required=False, widget=forms.HiddenInput)

    def _storage(self):
        return self._meta.model._meta.get_field(self.upload_field).storage

    def _pending_name(self) -> str | None:
        token = self.data.get("pending_upload", "")
        try:
            name = signing.loads(token, salt=PENDING_UPLOAD_SALT, max_age=PENDING_UPLOAD_MAX_AGE)
        except signing.BadSignature:
            return None
        return name if isinstance(name, str) and name.startswith(PENDING_UPLOAD_DIR + "/") else None

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
                PENDING_UPLOAD_DIR, secrets.token_hex(8), posixpath.basename(upload.name)
            )
            name = self._storage().save(name, upload)
            self.data = self.data.copy()
            self.data["pending_upload"] = signing.dumps(name, salt=PENDING_UPLOAD_SALT)
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
    """An image library upload: the file (checked by images.uploads) and its alt text, required."""

    upload_field = "file"

    class Meta:
        model = Image
        fields = ["file", "alt"]
