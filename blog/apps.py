from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from blog import signals, tagging
        from blog.pagination import forget_published_count

        tagging.connect()
        signals.connect()
        # A cache purge, the kind of side effect signals are for here (STYLE.md, section 6).
        for signal in (post_save, post_delete):
            signal.connect(
                forget_published_count, sender="blog.Post", dispatch_uid=f"count-{signal}"
            )
