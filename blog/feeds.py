"""RSS 2.0 and Atom feeds of the latest published posts, site-wide and per tag."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from taggit.models import Tag

from blog.models import Post
from blog.pagination import tag_count, tag_is_common
from blog.seo import absolute_url, author_name
from blog.site import site_name


class TextSubtitleMixin:
    """Atom's subtitle is text, but RSS readers take the description as HTML: for a subtitle that
    quotes what someone typed (a tag's name, a post's title)."""

    def description(self, obj):
        return escape(self.subtitle(obj))


class LatestPostsFeed(Feed):
    feed_url_name = "blog:feed_rss"

    def title(self):
        return site_name()

    def description(self):
        return f"The latest posts from {site_name()}."

    subtitle = description  # Atom's name for it

    def link(self):
        return absolute_url(reverse("blog:post_list"))

    def feed_url(self):
        return absolute_url(reverse(self.feed_url_name))

    def posts(self):
        return Post.objects.published().for_listing().prefetch_related("tags")

    def items(self):
        return self.posts()[: settings.BLOG_FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        # Feed readers read descriptions as HTML; the summary is plain text.
        return escape(post.summary)

    def item_link(self, post):
        return absolute_url(post.get_absolute_url())

    def item_pubdate(self, post):
        return post.publish_at

    def item_updateddate(self, post):
        return post.updated

    def item_author_name(self, post):
        return author_name(post.author)

    def item_categories(self, post):
        return [tag.name for tag in post.tags.all()]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    feed_url_name = "blog:feed_atom"


class TagFeed(TextSubtitleMixin, LatestPostsFeed):
    """Published posts with one tag. A tag only drafts use is a 404, as on the tag page."""

    feed_url_name = "blog:tag_feed_rss"

    def get_object(self, request, tag):
        tag = get_object_or_404(Tag, slug=tag)
        if not tag_count(tag):
            raise Http404("No published post has this tag.")
        return tag

    def title(self, tag):
        return f"{site_name()}: posts tagged “{tag.name}”"

    def subtitle(self, tag):
        return f"The latest posts tagged “{tag.name}” on {site_name()}."

    def link(self, tag):
        return absolute_url(reverse("blog:tag", args=[tag.slug]))

    def feed_url(self, tag):
        return absolute_url(reverse(self.feed_url_name, args=[tag.slug]))

    def items(self, tag):
        return self.posts().with_tag(tag, common=tag_is_common(tag))[: settings.BLOG_FEED_LENGTH]


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed
    feed_url_name = "blog:tag_feed_atom"
