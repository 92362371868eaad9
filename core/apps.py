from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The site itself, above `blog` and `comments`: middleware, admin, error pages, commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        # django.contrib.admin, first in INSTALLED_APPS, has imported every admin module by now.
        from django.contrib import admin

        from core.admin import refuse_bad_filter_values

        refuse_bad_filter_values(admin.site)
