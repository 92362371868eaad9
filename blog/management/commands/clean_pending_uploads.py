"""Run from cron (README, Production): the tasks framework we use has no periodic tasks."""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from blog import pending_uploads
from images.forms import PENDING_UPLOAD_MAX_AGE

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def age(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match is None:
        raise CommandError(f"--older-than {text!r}: write a number and s, m, h or d, like 24h.")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


class Command(BaseCommand):
    help = (
        "Delete the uploads kept for a failed post or image form (under covers/pending/ in the "
        "media storage) that are older than --older-than and that nothing refers to."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default=f"{PENDING_UPLOAD_MAX_AGE // 3600}h",
            help=(
                "Age, like 24h, 90m or 7d (default: 24h, when the form's link to the file "
                "expires; a younger file may still be waiting for an editor's next submit)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; delete nothing."
        )

    def handle(self, *args, older_than, dry_run, verbosity=1, **options):
        cutoff = timezone.now() - age(older_than)
        result = pending_uploads.clean(older_than=cutoff, dry_run=dry_run)
        if verbosity > 1 or dry_run:
            for name in result.deleted:
                self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
            for name in result.in_use:
                self.stdout.write(f"kept (in use) {name}")
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {len(result.deleted)} kept upload(s) older than {older_than.strip()}; "
            f"kept {len(result.in_use)} in use and {result.recent} newer."
        )
