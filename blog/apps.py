from django.apps import AppConfig
from django.db.models.signals import post_migrate

from blog import generations


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from blog import signals, tagging

        tagging.connect()
        signals.connect()
        post_migrate.connect(pages_stale_after_migrations, sender=self, dispatch_uid="migrated")


def pages_stale_after_migrations(*, plan=None, **kwargs) -> None:
    """The page cache's key knows templates, not data migrations (say, one re-rendering bodies)."""
    if plan:
        generations.bump_everything()
