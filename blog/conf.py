"""Every tunable number of the blog app, in one place, each overridable in Django settings.

Read as `conf.NAME` at the moment of use (not `from blog.conf import NAME`), so a setting
changed in settings.py or by a test is seen everywhere.
"""

from datetime import timedelta

from django.conf import settings

DEFAULTS = {
    "POSTS_PER_PAGE": ("POSTS_PER_PAGE", 10),
    "FEED_LENGTH": ("BLOG_FEED_LENGTH", 20),
    "PREVIEW_LINK_LIFETIME": ("BLOG_PREVIEW_LINK_LIFETIME", timedelta(days=7)),
    # The longest a share link works, from when it is made, whatever expiry is typed.
    "PREVIEW_LINK_MAX_LIFETIME": ("BLOG_PREVIEW_LINK_MAX_LIFETIME", timedelta(days=30)),
    # The longest a fragment (blog.fragments) is kept; changes make it unreachable at once anyway.
    "FRAGMENT_SECONDS": ("FRAGMENT_CACHE_SECONDS", 3600),
    "MAIL_ATTEMPTS": ("MAIL_ATTEMPTS", 4),  # tries of each mail task (blog and comments) in all
    "MAIL_RETRY_DELAY": ("MAIL_RETRY_DELAY", 60),  # seconds before the 2nd try, doubling after
}


def reader(module: str, defaults: dict):
    """A module's __getattr__ that reads `defaults`' settings when asked, as conf.NAME."""

    def read(name: str):
        try:
            setting, default = defaults[name]
        except KeyError:
            raise AttributeError(f"{module} has no {name}") from None
        return getattr(settings, setting, default)

    return read


__getattr__ = reader(__name__, DEFAULTS)
