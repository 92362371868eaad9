from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from django.db.models.signals import post_migrate

        from blog import signals, tagging

        tagging.connect()
        signals.connect()
        post_migrate.connect(pages_stale_after_migrations, sender=self, dispatch_uid="migrated")


def pages_stale_after_migrations(*, plan=None, **kwargs) -> None:
    """A `migrate` that applied anything (say, one re-rendering every post's HTML) leaves no page
    cached by the code before it: the page cache's key knows templates, not data migrations."""
    if plan:
        from blog import generations

        generations.bump_everything()
