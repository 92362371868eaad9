"""Every tunable number of the comments app, in one place, each overridable in Django settings.

Read as `conf.NAME` at the moment of use (not `from comments.conf import NAME`), so a setting
changed in settings.py or by a test is seen everywhere.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import caches

from blog.conf import reader as conf_reader

DEFAULTS = {
    # Top-level comments are depth 0, so replies nest up to MAX_DEPTH levels; the thread and
    # public-count queries are built from it.
    "MAX_DEPTH": ("COMMENT_MAX_DEPTH", 2),
    # A comment page holds whole threads, at most this many comments counting replies.
    "COMMENTS_PER_PAGE": ("COMMENTS_PER_PAGE", 50),
    "PENDING_REMEMBERED": ("COMMENT_PENDING_REMEMBERED", 20),  # own pending ids a session keeps
    "DUPLICATE_WINDOW": ("COMMENT_DUPLICATE_WINDOW", timedelta(hours=1)),
    "MIN_SECONDS": ("COMMENT_MIN_SECONDS", 3),  # a form sent faster: send it again
    # Seconds a form stays valid: a harvested stamp is good for a short while only (a reader
    # past it gets "This form has expired", the text kept, and a fresh stamp).
    "FORM_MAX_AGE": ("COMMENT_FORM_MAX_AGE", 2 * 60 * 60),
    "VERIFY_MAX_AGE": ("COMMENT_VERIFY_MAX_AGE", 7 * 24 * 60 * 60),  # e-mail confirmation link
    "LINK_MAX_AGE": ("COMMENT_LINK_MAX_AGE", 3 * 24 * 60 * 60),  # moderators' one-click links
    "DATA_LINK_MAX_AGE": ("COMMENT_DATA_LINK_MAX_AGE", 24 * 60 * 60),  # a commenter's own data
    "IP_RETENTION_DAYS": ("COMMENT_IP_RETENTION_DAYS", 30),
    "RATE_LIMIT": ("COMMENT_RATE_LIMIT", "5/m"),
    "RATE_LIMIT_DEGRADED": ("COMMENT_RATE_LIMIT_DEGRADED", "2/m"),  # per process, cache down
    "TRUSTED_PROXY_HEADER": ("COMMENT_TRUSTED_PROXY_HEADER", ""),
    # Text repeated from another address within DUPLICATE_WINDOW is held: from this length, among
    # this many latest comments.
    "REPEATED_TEXT_MIN_LENGTH": ("COMMENT_REPEATED_TEXT_MIN_LENGTH", 40),
    "REPEATED_TEXT_LOOKBACK": ("COMMENT_REPEATED_TEXT_LOOKBACK", 500),
    # Confirmation emails one address receives per day (UTC), however many IPs ask for them.
    "CONFIRMATIONS_PER_DAY": ("COMMENT_CONFIRMATIONS_PER_DAY", 3),
}


def rate_limit_cache():
    """The cache django-ratelimit counts in: the comment limits and the confirmation-mail cap."""
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


__getattr__ = conf_reader(__name__, DEFAULTS)
