from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from blog import importing


class Command(BaseCommand):
    help = (
        "Import posts from Markdown files (.md, .markdown; YAML front matter: title, slug, date, "
        "tags, status, author, summary) and text scraped from old blog pages (.txt: the first "
        "line is the title, short unpunctuated lines become headings), in the directories given "
        "too. A post is matched by slug (else the slugified title): re-importing updates it. "
        "Posts are published unless 'status: draft'; a future 'date' schedules them. Each file "
        "has its own transaction; failures go to stderr and end in an error exit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="Files, or directories to search."
        )
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help=(
                "Author for posts whose front matter names none (all .txt files). Without "
                "it: a re-imported post keeps its author, a new one gets the first superuser."
            ),
        )

    def handle(self, *args, paths, author=None, verbosity=1, **options):
        default_author = self.find_author(author) if author else None
        files = importing.expand_paths(paths)
        if not files:
            raise CommandError(f"No {', '.join(importing.IMPORTABLE_SUFFIXES)} files found.")
        total, width = len(files), len(str(len(files)))
        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for number, path in enumerate(files, 1):
            progress = f"[{number:>{width}}/{total}] {path}"
            try:
                result = importing.import_file(path, author=default_author)
            except importing.BadFile as problem:
                counts["failed"] += 1
                self.stderr.write(f"{progress}: not imported: {problem}")
                continue
            counts[result.action] += 1
            if verbosity >= 1:
                self.stdout.write(f"{progress}: {result.action} {result.post.get_absolute_url()}")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {total} files failed; see the lines above.")
        if verbosity >= 1:
            summary = ", ".join(f"{count} {action}" for action, count in counts.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Done, {total} files: {summary}."))

    def find_author(self, username):
        User = get_user_model()
        try:
            return User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"--author {username!r}: there is no such user.") from None
