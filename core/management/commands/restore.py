from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, restore


class Command(BaseCommand):
    help = "Replace the database and media files with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder.")
        parser.add_argument(
            "--noinput", action="store_false", dest="interactive", help="Do not ask to confirm."
        )

    def handle(self, *args, source, interactive=True, **options):
        folder = Path(source)
        if not (folder / "backup.json").exists():
            raise CommandError(f"{folder} is not a backup folder (no backup.json).")
        if interactive:
            answer = input(f"Replace ALL current posts, comments and media with {folder}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Restore cancelled.")
        try:
            restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {folder}"))
