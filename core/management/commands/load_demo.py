import secrets
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

import blog
from blog import importing
from blog.models import Page, Post
from blog.seo import absolute_url
from comments.demo import add_demo_comments

# Everything in this folder is imported, so keep only demo posts in it.
DEMO_DIR = Path(blog.__file__).resolve().parent / "demo"
SEED_FILE = DEMO_DIR / "magnesium-glycinate-migraines.txt"
SUPERUSER = "admin"
# The superuser, and one staff account per role. The groups come from migrations; get_or_create
# keeps this working on a database where one is missing.
ACCOUNTS = {SUPERUSER: None, "editor": "Editors", "author": "Authors", "moderator": "Moderators"}
# The owner's pages (blog.models.Page), by slug: title and Markdown body.
DEMO_PAGES = {
    "about": (
        "About",
        "This demo blog collects short, sourced notes on nutrition and sleep.\n\n"
        "Posts are written by the editors and authors of the site; comments are welcome and "
        "appear once a moderator has read them.",
    ),
    "privacy": (
        "Privacy",
        "## What we keep about commenters\n\n"
        "When you comment we keep the **name** and **e-mail address** you give, your **IP "
        "address** and your **browser string** (user agent), with the comment.\n\n"
        "- Your e-mail address is never shown; moderators use it to tell people apart and to "
        "answer you.\n"
        "- IP addresses and browser strings help us stop spam; they are cleared 30 days after "
        "the comment, or when it is moderated if that is later.\n"
        "- Every comment is moderated: nobody sees it until a moderator approves it.\n"
        "- If you ask to be told when your comment is approved or answered, we mail you only "
        "after you confirm the address, and every mail has a link that stops them.\n\n"
        "Readers without a comment get no cookie; the site uses no tracker and no third-party "
        "service, and the spam filter runs on this server. For a copy of everything kept for "
        "your address, or to erase it, ask at [/comments/my-data/](/comments/my-data/).",
    ),
}


class Command(BaseCommand):
    help = (
        "Load the demo content: the accounts admin (superuser), editor, author and moderator, "
        "the posts in blog/demo/ (through import_posts; -v 2 lists each file), the About and "
        "Privacy pages and comments on the seed post, some awaiting moderation. Idempotent. "
        "A new account gets a random password, printed once, last."
    )

    def handle(self, *args, verbosity=1, **options):
        with transaction.atomic():
            passwords = {name: self.ensure_account(name, group) for name, group in ACCOUNTS.items()}
        try:
            self.import_demo_posts(verbosity)
            self.add_demo_pages()
            # Comments on the seed post, found by the slug its file gets when imported.
            seed = Post.objects.filter(slug=importing.parse_file(SEED_FILE).slug).first()
            if seed is None:
                self.stdout.write("Demo comments skipped: the seed post is not imported.")
            else:
                self.stdout.write(add_demo_comments(post=seed))
        finally:
            # New passwords exist only in this output: print them last (they must not scroll
            # away under the import), and even if the import failed.
            self.print_logins(passwords)

    def import_demo_posts(self, verbosity):
        """Import blog/demo/ through import_posts, printing only its summary line (failures
        still reach stderr; -v 2 shows every file)."""
        out = self.stdout if verbosity >= 2 else StringIO()
        call_command(
            "import_posts",
            str(DEMO_DIR),
            author=SUPERUSER,
            verbosity=max(verbosity, 1),
            stdout=out,
            stderr=self.stderr,
            no_color=True,
        )
        if verbosity == 1:
            summary = out.getvalue().strip().splitlines()[-1]
            self.stdout.write(f"Demo posts from blog/demo/: {summary}")

    def add_demo_pages(self):
        """About and Privacy, in the navigation in that order; a page already there is kept."""
        owner = get_user_model().objects.get(username=SUPERUSER)
        for position, (slug, (title, body)) in enumerate(DEMO_PAGES.items()):
            Page.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "body": body,
                    "status": Page.Status.PUBLISHED,
                    "position": position,
                    "author": owner,
                },
            )

    def ensure_account(self, username, group):
        """Create the demo account if missing and return its new password; None if it existed
        (it keeps its password and flags; only its group membership is ensured)."""
        users = get_user_model()._default_manager
        user = users.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            email = f"{username}@example.com"
            admin = username == SUPERUSER
            user = users.create_user(username, email, password, is_staff=True, is_superuser=admin)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return password

    def print_logins(self, passwords):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Log in at {absolute_url(reverse('admin:index'))}"))
        for username, password in passwords.items():
            if password:
                self.stdout.write(f"  {username} / {password}  (new account; shown only once)")
            else:
                self.stdout.write(
                    f"  {username}: already exists; reset its password with "
                    f".venv/bin/python manage.py changepassword {username}"
                )
