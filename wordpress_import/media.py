"""Images from wp-content/uploads into our media storage, validated and cleaned (upright, no
location metadata) like any upload: read from a copy of the folder (--media-dir), or downloaded
from the old site (--fetch-media)."""

import re
import time
from http.client import HTTPException
from io import BytesIO
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import Request, urlopen

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage

from images.models import MediaRenditions
from images.renditions import rendition_names
from images.uploads import MAX_BYTES, strip_location_and_orientation, validate_image
from wordpress_import.summary import Summary

UPLOADS = "/wp-content/uploads/"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
STORAGE_PREFIX = "wordpress"
# The sizes WordPress makes of an upload: photo-1024x683.jpg, photo-scaled.jpg of photo.jpg.
SIZE_SUFFIX = re.compile(r"(?:-\d+x\d+|-scaled|-rotated)+(?=\.\w+$)")
DOWNLOAD_SECONDS = 30  # for the whole of one image, however slowly the old site sends it
DOWNLOAD_CHUNK = 64 * 1024


class DownloadFailed(Exception):
    """An image the old site did not give us; the message says why."""


class MediaCopier:
    """Rewrites upload URLs: to our copy when we can get the image (--media-dir or
    --fetch-media), else absolute (reported).

    Files it writes are remembered, so that a rolled-back import can delete them again.
    """

    def __init__(
        self,
        *,
        media_dir: Path | None,
        base_url: str,
        summary: Summary,
        dry_run: bool,
        fetch: bool = False,
    ):
        self.media_dir = media_dir.resolve() if media_dir else None
        self.fetch = fetch and media_dir is None
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
        if self.media_dir is None and not self.fetch:
            self._missing("image left on the old site (no --media-dir or --fetch-media)", absolute)
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

    def _source(self, relative: str, absolute: str) -> File | None:
        """The upload's bytes, from --media-dir or the old site; None (noted) if we cannot have
        them."""
        if self.media_dir is None:
            try:
                return File(BytesIO(download(absolute)), name=PurePosixPath(relative).name)
            except DownloadFailed as error:
                self._missing("image could not be downloaded", f"{absolute}: {error}")
                return None
        source = (self.media_dir / relative).resolve()
        if not source.is_relative_to(self.media_dir) or not source.is_file():
            self._missing("image not found in --media-dir", absolute)
            return None
        return File(source.open("rb"), name=source.name)

    def _copy(self, relative: str, absolute: str) -> str | None:
        file = self._source(relative, absolute)
        if file is None:
            return None
        name = f"{STORAGE_PREFIX}/{relative}"
        with file:
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


def download(url: str) -> bytes:
    """The file at an http(s) `url`: at most images.uploads.MAX_BYTES, within DOWNLOAD_SECONDS in
    all. Raises DownloadFailed."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadFailed("not an http or https address")
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    chunks, size = [], 0
    try:
        # The URL is one the export names, under wp-content/uploads; the person importing chose it.
        with urlopen(Request(url), timeout=DOWNLOAD_SECONDS) as answer:  # noqa: S310
            if int(answer.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise DownloadFailed(f"larger than {MAX_BYTES // 2**20} MB")
            while chunk := answer.read1(DOWNLOAD_CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise DownloadFailed(f"larger than {MAX_BYTES // 2**20} MB")
                if time.monotonic() > deadline:
                    raise DownloadFailed(f"took longer than {DOWNLOAD_SECONDS} s")
                chunks.append(chunk)
    except HTTPError as error:
        raise DownloadFailed(f"HTTP {error.code}") from error
    except (OSError, ValueError, HTTPException) as error:  # unreachable, timed out, cut off
        raise DownloadFailed(str(getattr(error, "reason", error))) from error
    return b"".join(chunks)


def same_upload(url: str, other: str) -> bool:
    """Whether two upload URLs are sizes of one upload (photo-1024x683.jpg and photo.jpg)."""
    paths = [upload_path(u) for u in (url, other)]
    return None not in paths and len({SIZE_SUFFIX.sub("", p) for p in paths}) == 1


def upload_path(url: str) -> str | None:
    """'https://site/wp-content/uploads/2023/09/a.jpg' -> '2023/09/a.jpg'; None for others."""
    path = unquote(urlsplit(url or "").path)
    if UPLOADS not in path:
        return None
    relative = path.split(UPLOADS, 1)[1].lstrip("/")
    return relative or None
