import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wordpress_import.importer import Options, import_export
from wordpress_import.wxr import BadExport

PROGRESS_MIN_BYTES = 1_000_000  # smaller files are done before a bar would help


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR file from Tools > Export): posts, authors, comments, "
        "images and old links. All or nothing; re-running updates what it made."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path, help="The .xml file WordPress exported.")
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="A copy of the site's wp-content/uploads: referenced images are copied here.",
        )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Without --media-dir: download referenced images from the old site.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the summary; save nothing."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace posts and comments edited here since the last import.",
        )
        parser.add_argument(
            "--pages-as-posts", action="store_true", help="Import pages as posts too."
        )

    def handle(self, *args, export: Path, media_dir, fetch_media, dry_run, overwrite, **kw):
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir}: not a directory")
        if media_dir is not None and fetch_media:
            raise CommandError("--media-dir and --fetch-media: choose one")
        options = Options(
            media_dir=media_dir,
            fetch_media=fetch_media,
            overwrite=overwrite,
            dry_run=dry_run,
            pages_as_posts=kw["pages_as_posts"],
        )
        size = export.stat().st_size if export.is_file() else 0
        # disable=None: tqdm hides itself when stderr is not a terminal.
        with tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc="Reading export",
            file=sys.stderr,
            disable=True if size < PROGRESS_MIN_BYTES else None,
            leave=False,
        ) as bar:
            summary = self._import(export, options, bar.update)
        for line in summary.lines(all_notes=kw["verbosity"] >= 2):
            self.stdout.write(line)

    def _import(self, export, options, on_read):
        importer_error = None
        try:
            return import_export(export, options, on_read=on_read)
        except BadExport as error:
            importer_error = str(error)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # one line for the person running it; nothing was saved
            where = getattr(error, "wordpress_item", "")
            detail = " ".join(str(error).split())[:300]
            importer_error = (
                f"{export}: import stopped{f' at {where}' if where else ''} "
                f"({error.__class__.__name__}: {detail}); nothing was saved"
            )
        raise CommandError(importer_error)
