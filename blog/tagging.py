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


def fitting_slug(slug: str) -> str:
    """`slug` cut to the column with a digest of the whole of it, so two long slugs that share
    their start stay apart (and taggit's "_1", "_2" retries still differ)."""
    if len(slug) <= SLUG_MAX_LENGTH:
        return slug
    return slug[: SLUG_MAX_LENGTH - 11] + "-" + _digest(slug)


def make_slug_usable(sender, instance, **kwargs):
    """pre_save of taggit's Tag: taggit sets the slug inside Tag.save(); only a signal sees it."""
    instance.slug = fitting_slug(instance.slug) if instance.slug else fallback_slug(instance.name)


def connect():
    pre_save.connect(make_slug_usable, sender=Tag, dispatch_uid="blog.tagging.make_slug_usable")
