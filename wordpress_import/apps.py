from django.apps import AppConfig


class WordPressImportConfig(AppConfig):
    """Imports a WordPress export (posts, people, comments) and answers its old links."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "wordpress_import"
    verbose_name = "WordPress import"
