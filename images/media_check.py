"""Whether the media storage takes files: asked before an upload is accepted, and by /healthz.

A storage that cannot be written (a full disk, wrong ownership of MEDIA_ROOT, an S3 bucket
without write access) would otherwise fail inside the save, after the form was accepted: a bare
500 and the editor's text lost. Asking first costs one tiny write and delete per upload.
"""

import logging
import secrets

from django.core.files.base import ContentFile

logger = logging.getLogger("images.media")

UNWRITABLE_MESSAGE = (
    "The file could not be stored: the site's media storage is not accepting files, so nothing "
    "was saved. Your other changes are still in this form. Please tell the site's administrator."
)


def storage_accepts_files(storage) -> bool:
    """Save and delete a probe file through the storage API (local folders and S3 alike)."""
    try:
        name = storage.save(f"storage-probe-{secrets.token_hex(8)}.txt", ContentFile(b"probe"))
        storage.delete(name)
    except Exception:  # OSError on a local folder, botocore's errors on S3
        logger.exception("The media storage does not accept files")
        return False
    return True
