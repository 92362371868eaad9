from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The site itself, above `blog` and `comments`: error pages, site name, admin header,
    HTTP caching of personal pages and the demo loader that fills both apps."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
