"""Images from a copy of wp-content/uploads into our media storage, validated and cleaned (upright,
no location metadata) like any upload."""

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage

from blog.images import strip_location_and_orientation, validate_image
from blog.models import MediaRenditions
from blog.renditions import rendition_names
from wordpress_import.summary import Summary

UPLOADS = "/wp-content/uploads/"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
STORAGE_PREFIX = "wordpress"


class MediaCopier:
    """Rewrites upload URLs: to our copy when --media-dir has the image, else absolute (reported).

    Files it writes are remembered, so that a rolled-back import can delete them again.
    """

    def __init__(self, *, media_dir: Path | None, base_url: str, summary: Summary, dry_run: bool):
        self.media_dir = media_dir.resolve() if media_dir else None
        self.base_url = base_url.rstrip("/") + "/"
        self.summary = summary
        self.dry_run = dry_run
        self.stored: dict[str, str | None] = {}  # upload path -> our storage name (None: failed)
        self.written: list[str] = []
        self.by_url: dict[str, str] = {}  # our URL -> storage name, to pick covers
        self.where = ""  # the post being imported, for notes

    def rewrite(self, url: str) -> str:
        """The URL this image should have here; copies the file on first sight."""
        relative = upload_path(url)
        if relative is None:
            return url
        absolute = urljoin(self.base_url, url)
        if PurePosixPath(relative).suffix.lower() not in IMAGE_SUFFIXES:
            self._missing("file other than an image left on the old site", absolute)
            return absolute
        if self.media_dir is None:
            self._missing("image left on the old site (no --media-dir)", absolute)
            return absolute
        name = self.copy(relative, absolute)
        if not name:
            return absolute
        ours = default_storage.url(name)
        self.by_url[ours] = name
        return ours

    def copy(self, relative: str, absolute: str) -> str | None:
        """Our storage name for an upload, copying and validating it once per run."""
        if relative in self.stored:
            return self.stored[relative]
        name = self.stored[relative] = self._copy(relative, absolute)
        return name

    def _copy(self, relative: str, absolute: str) -> str | None:
        source = (self.media_dir / relative).resolve()
        if not source.is_relative_to(self.media_dir) or not source.is_file():
            self._missing("image not found in --media-dir", absolute)
            return None
        name = f"{STORAGE_PREFIX}/{relative}"
        with source.open("rb") as raw:
            file = File(raw, name=source.name)
            try:
                validate_image(file)
            except ValidationError:
                self._missing("not a valid image, left on the old site", absolute)
                return None
            if default_storage.exists(name):
                self.summary.media["already there"] += 1
                return name
            self.summary.media["copied"] += 1
            if self.dry_run:
                return name
            # Stored like an admin upload: turned upright, without location metadata.
            cleaned = strip_location_and_orientation(file)
            saved = default_storage.save(name, cleaned or file)
        self.written.append(saved)
        # Made now, like a library upload's: the post saved next serves the image as <picture>.
        made = MediaRenditions.objects.make(default_storage, saved)
        if made:
            self.written.extend(rendition_names(made.record))
        return saved

    def discard_written(self) -> None:
        """Delete the files this run wrote (its database work was rolled back)."""
        for name in self.written:
            default_storage.delete(name)
        self.written.clear()

    def _missing(self, kind: str, url: str) -> None:
        self.summary.media["missing"] += 1
        self.summary.note(kind, f"{url} (in {self.where})" if self.where else url)


def upload_path(url: str) -> str | None:
    """'https://site/wp-content/uploads/2023/09/a.jpg' -> '2023/09/a.jpg'; None for others."""
    path = unquote(urlsplit(url or "").path)
    if UPLOADS not in path:
        return None
    relative = path.split(UPLOADS, 1)[1].lstrip("/")
    return relative or None
