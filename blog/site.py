"""The site as its owner runs it from the admin (SiteSettings), and what every page shows of it."""

from django.conf import settings
from django.db import models
from django.db.models import Count
from taggit.models import Tag

from blog import fragments, generations

FOOTER_TAGS = 20  # the most used tags named in every page's footer
# The longest the settings and shared parts are kept; a change replaces them at once anyway.
SITE_PARTS_SECONDS = 24 * 60 * 60


def default_site_name() -> str:
    return settings.SITE_NAME


class SiteSettings(models.Model):
    """The owner's settings (one row), so renaming the site needs no deploy."""

    site_name = models.CharField(
        max_length=100, default=default_site_name, help_text="Shown at the top of every page."
    )
    tagline = models.CharField(
        max_length=200,
        blank=True,
        help_text="One line under the site's name; also its description for search engines.",
    )
    about = models.TextField(
        "about text",
        blank=True,
        max_length=1000,
        help_text="A few sentences about the site, in every page's footer.",
    )
    footer = models.CharField(
        "footer line",
        max_length=200,
        blank=True,
        help_text="The last line of every page, e.g. a copyright. Empty: the site's name.",
    )
    comments_open_by_default = models.BooleanField(
        default=True,
        help_text="Whether a new post starts open to comments (each post can change it). When "
        "comments close by age is a moderation setting.",
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        ordering = ["pk"]

    def __str__(self):
        return "Site settings"

    @classmethod
    def load(cls) -> "SiteSettings":
        """The settings row (made by a migration); the defaults if it was deleted. Never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


def site_settings() -> SiteSettings:
    """The owner's settings row, cached like shared_parts() but apart: a mail or a feed needs
    none of the lists."""
    key = fragments.key("site-settings", "", [generations.POSTS])
    return fragments.cached(key, lambda: (SiteSettings.load(), None), seconds=SITE_PARTS_SECONDS)


def shared_parts() -> dict:
    """What every public page shows of the site: settings, navigation, months and top tags.
    Cached under POSTS until the next scheduled post goes live, even with the fragments off:
    the months and tag counts read every published post."""
    from blog.models import Page, Post

    def build():
        public = Post.objects.published()
        tags = (
            Tag.objects.filter(post__in=public)
            .annotate(uses=Count("post"))
            .order_by("-uses", "name")[:FOOTER_TAGS]
        )
        parts = {
            "settings": site_settings(),
            "navigation": [(p.title, p.get_absolute_url()) for p in Page.objects.in_navigation()],
            "months": [m.date() for m in public.datetimes("publish_at", "month", order="DESC")],
            "tags": sorted(((tag.name, tag.slug) for tag in tags), key=lambda t: t[0].lower()),
        }
        [posts_generation] = generations.current([generations.POSTS])
        return parts, generations.next_publication(posts_generation)

    key = fragments.key("site", "", [generations.POSTS])
    return fragments.cached(key, build, seconds=SITE_PARTS_SECONDS)


def site_name() -> str:
    return site_settings().site_name
