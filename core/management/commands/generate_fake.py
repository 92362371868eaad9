from django.core.management.base import BaseCommand, CommandError

from core import fake_data, planner_statistics


class Command(BaseCommand):
    help = (
        "Fill the database with made-up posts and comments, fast (bulk inserts), e.g. "
        "--posts 100000 --comments 1000000 for benchmarks. Adds to what is there, then "
        "refreshes the query planner's statistics (ANALYZE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=1000, help="posts to add (default 1000)")
        parser.add_argument(
            "--comments", type=int, default=10000, help="comments to add over them (default 10000)"
        )

    def handle(self, *args, posts, comments, **options):
        if posts < 1 or comments < 0:
            raise CommandError("--posts must be at least 1 and --comments at least 0.")
        bar = self.stderr._out  # the raw stream: the progress bar redraws one line
        post_ids = fake_data.add_posts(posts, stream=bar)
        if comments:
            fake_data.add_comments(post_ids, comments, stream=bar)
        planner_statistics.refresh()
        self.stdout.write(f"Added {posts:,} posts and {comments:,} comments.")
