import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo content. Idempotent: running it twice changes nothing."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write(
                "Demo admin exists: log in at /admin/ as 'admin' (password printed on first run;"
            )
            self.stdout.write("  reset it with: .venv/bin/python manage.py changepassword admin).")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.com", password)
        self.stdout.write(f"Log in at http://127.0.0.1:8000/admin/ as admin / {password}")
