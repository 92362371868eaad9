"""Tag slugs every tag page can be reached by, whatever name an editor typed.

taggit slugifies with allow_unicode, so "Ernährung" becomes "ernährung" (the `tag_slug` URL
converter accepts Unicode letters) and "!!!" becomes "" (no URL can hold it): such a tag gets
a fallback slug made from its name instead.
"""

import hashlib

from django.db.models.signals import pre_save
from taggit.models import Tag


class TagSlugConverter:
    """A slug of Unicode letters, digits, "_" and "-": everything taggit's slugify produces."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def fallback_slug(name: str) -> str:
    """A stable slug for a tag whose name has no letter or digit ("!!!" -> "tag-1e3c...")."""
    return "tag-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def fill_empty_slug(sender, instance, **kwargs):
    """pre_save of taggit's Tag: taggit sets the slug inside Tag.save(); only a signal sees it."""
    if not instance.slug:
        instance.slug = fallback_slug(instance.name)


def connect():
    pre_save.connect(fill_empty_slug, sender=Tag, dispatch_uid="blog.tagging.fill_empty_slug")
