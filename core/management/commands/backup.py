from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, back_up


class Command(BaseCommand):
    help = "Back up the database and media files into a new folder (default backups/<time>/)."

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", help="Folder to create for the backup.")

    def handle(self, *args, destination=None, **options):
        folder = Path(destination or f"backups/{datetime.now():%Y%m%d-%H%M%S}")
        try:
            back_up(folder)
        except (BackupError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {folder}"))
