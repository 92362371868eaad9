from django.core.management.base import BaseCommand

from comments import spam_model


class Command(BaseCommand):
    help = (
        "Retrain the spam filter from scratch on its shipped examples and every moderator "
        "decision so far (approved, rejected, spam); every server loads the new version."
    )

    def handle(self, *args, **options):
        row = spam_model.retrain()
        self.stdout.write(
            f"Trained the spam filter on the shipped examples and {row.decisions} moderator "
            f"decision(s): version {row.version}."
        )
