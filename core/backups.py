"""Backups of the whole site: a folder with the database (SQLite's online backup API, a
consistent copy while the site runs, or pg_dump), MEDIA_ROOT as a tarball and backup.json.
Media kept in S3 is not copied: the bucket's versioning or replication is its backup."""

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections

from blog import generations

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_FILE = "media.tar.gz"
MANIFEST = "backup.json"


class BackupError(Exception):
    pass


def _run_pg(program: str, settings_dict: dict, *options: str) -> None:
    args = [program, "--dbname", settings_dict["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    result = subprocess.run([*args, *options], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def back_up(destination: Path, *, using: str = "default") -> Path:
    """Write a backup of the database and media into `destination` (created); return it."""
    destination.mkdir(parents=True, exist_ok=False)
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(destination / SQLITE_FILE)) as target:
            connection.connection.backup(target)
        database = SQLITE_FILE
    elif connection.vendor == "postgresql":
        options = ["--format", "custom", "--file", str(destination / PG_FILE)]
        _run_pg("pg_dump", connection.settings_dict, *options)
        database = PG_FILE
    else:
        raise BackupError(f"No backup method for a {connection.vendor} database.")

    manifest = {"created": datetime.now(UTC).isoformat(), "database": database, "media": None}
    if isinstance(default_storage, FileSystemStorage):
        with tarfile.open(destination / MEDIA_FILE, "w:gz") as tar:
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.exists():
                tar.add(media_root, arcname=".")
        manifest["media"] = MEDIA_FILE
    else:
        manifest["media_note"] = (
            "Media is in object storage (AWS_STORAGE_BUCKET_NAME); back it up with the "
            "bucket's versioning or replication."
        )
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return destination


def restore(source: Path, *, using: str = "default") -> dict:
    """Replace the database and media with the backup in `source`; return its manifest. The
    media archive is checked before anything is replaced: a hostile one changes nothing."""
    manifest = json.loads((source / MANIFEST).read_text())
    archive = manifest.get("media")
    if archive and not isinstance(default_storage, FileSystemStorage):
        raise BackupError("This backup holds media files; MEDIA_ROOT is not the storage.")
    with tarfile.open(source / archive, "r:gz") if archive else contextlib.nullcontext() as media:
        members = _safe_members(media) if media else []
        _restore_database(source, manifest, connections[using])
        # Every page cached before (by any process sharing the cache) shows the replaced rows.
        generations.bump_everything()
        if media:
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.exists():
                shutil.rmtree(media_root)
            media_root.mkdir(parents=True)
            # Python 3.11.4 added extraction filters; Debian 12's 3.11.2 lacks them, so
            # _safe_members does the same checks on every Python, and "data" is added where known.
            extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            media.extractall(media_root, members=members, **extra)
    return manifest


def _restore_database(source: Path, manifest: dict, connection) -> None:
    if manifest["database"] == SQLITE_FILE:
        if connection.vendor != "sqlite":
            raise BackupError("This backup is of a SQLite database; DATABASE_URL is not SQLite.")
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(source / SQLITE_FILE)) as backup:
            backup.backup(connection.connection)
    elif manifest["database"] == PG_FILE:
        if connection.vendor != "postgresql":
            raise BackupError("This backup is of PostgreSQL; DATABASE_URL is not PostgreSQL.")
        connection.close()
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        options += ["--exit-on-error", str(source / PG_FILE)]
        _run_pg("pg_restore", connection.settings_dict, *options)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's members, if all are plain files or folders inside the media folder (what
    tarfile's "data" filter allows), with safe modes and our ownership."""
    members = tar.getmembers()
    for member in members:
        parts = PurePosixPath(member.name).parts
        if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in parts:
            raise BackupError(
                f"The media archive holds {member.name!r}, which a restore does not write: "
                "only plain files and folders inside the media folder are restored."
            )
        member.mode &= 0o755
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
    return members
