"""/sitemap.xml: an index of the public pages, the published posts and the tags they use."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.urls import reverse
from taggit.models import Tag

from blog.models import Page, Post
from blog.seo import absolute_url


class SiteUrlSitemap(Sitemap):
    """Locations on settings.SITE_URL rather than on the Host the crawler sent."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteUrlSitemap):
    changefreq = "daily"

    def items(self):
        pages = Page.objects.published().only("slug", "kind").order_by("pk")
        return [reverse("blog:index"), *(page.get_absolute_url() for page in pages)]

    def location(self, path):
        return path


class PostSitemap(SiteUrlSitemap):
    def items(self):
        return (
            Post.objects.published().only("slug", "kind", "updated").order_by("-publish_at", "pk")
        )

    def lastmod(self, post):
        return post.updated

    def get_latest_lastmod(self):
        return Post.objects.published().aggregate(latest=Max("updated"))["latest"]


class TagSitemap(SiteUrlSitemap):
    def items(self):
        return Tag.objects.filter(post__in=Post.objects.published()).distinct().order_by("slug")

    def location(self, tag):
        return reverse("blog:tag", args=[tag.slug])


SITEMAPS = {"pages": PageSitemap, "posts": PostSitemap, "tags": TagSitemap}


def index(request):
    """Django's sitemap index, with the section addresses on SITE_URL too."""
    response = sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap_section")
    for item in response.context_data["sitemaps"]:
        parts = urlsplit(item.location)
        item.location = absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))
    return response


def section(request, section):
    return sitemap_views.sitemap(request, SITEMAPS, section=section)
