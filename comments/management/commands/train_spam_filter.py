from django.core.management.base import BaseCommand

from comments import spam, tasks


class Command(BaseCommand):
    help = (
        "Retrain the spam filter from scratch on its shipped examples and every moderator "
        "decision so far (approved, rejected, spam); every server loads the new version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--shipped",
            action="store_true",
            help=(
                f"Only train the model of the shipped examples ({tasks.SEED_PATH.name}) "
                f"and write it to {spam.SEED_MODEL_PATH.name}, after changing them."
            ),
        )

    def handle(self, *args, shipped=False, **options):
        if shipped:
            model = tasks.trained(*tasks.seed_examples())
            spam.SEED_MODEL_PATH.write_bytes(model.to_bytes())
            self.stdout.write(f"Wrote {spam.SEED_MODEL_PATH}.")
            return
        row = tasks.retrain()
        self.stdout.write(
            f"Trained the spam filter on the shipped examples and {row.decisions} moderator "
            f"decision(s): version {row.version}."
        )
