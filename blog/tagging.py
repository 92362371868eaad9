"""Tag slugs every tag page can be reached by, whatever name an editor typed: taggit's Unicode
slugs ("ernährung"), a fallback for names without letters ("!!!" -> ""), and slugs cut to fit
their column (NFKC turns one "ﷺ" into eighteen letters), kept unique."""

import hashlib

from django.db.models.signals import pre_save
from django.urls.converters import SlugConverter
from taggit.models import Tag

NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
SLUG_MAX_LENGTH = Tag._meta.get_field("slug").max_length


class TagSlugConverter(SlugConverter):
    """A slug of Unicode letters, digits, "_" and "-": everything taggit's slugify produces."""

    regex = r"[-\w]+"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def fallback_slug(name: str) -> str:
    """A stable slug for a tag whose name has no letter or digit ("!!!" -> "tag-1e3c...")."""
    return "tag-" + _digest(name)


def make_slug_usable(sender, instance, **kwargs):
    """pre_save of taggit's Tag: taggit sets the slug inside Tag.save(); only a signal sees it."""
    if not instance.slug:
        instance.slug = fallback_slug(instance.name)
    elif len(instance.slug) > SLUG_MAX_LENGTH:
        # With a digest of the whole, so long slugs sharing a start (and taggit's retries) differ.
        instance.slug = instance.slug[: SLUG_MAX_LENGTH - 11] + "-" + _digest(instance.slug)


def connect():
    pre_save.connect(make_slug_usable, sender=Tag, dispatch_uid="blog.tagging.make_slug_usable")
