from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from comments.models import Comment


class Command(BaseCommand):
    help = (
        "Clear the IP address and browser of comments older than COMMENT_IP_RETENTION_DAYS days; "
        "a comment still pending keeps them until it is moderated. Run daily from cron."
    )

    def handle(self, **options):
        cutoff = timezone.now() - timedelta(days=settings.COMMENT_IP_RETENTION_DAYS)
        expired = (
            Comment.objects.filter(created__lt=cutoff)
            .exclude(status=Comment.Status.PENDING)
            .exclude(ip_address=None, user_agent="")
        )
        cleared = expired.update(ip_address=None, user_agent="")
        self.stdout.write(f"Cleared the IP address and browser of {cleared} comment(s).")
