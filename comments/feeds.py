"""A feed per post of its approved comments (those readers can reach on the page)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse

from blog.feeds import TextSubtitleMixin
from blog.models import Post
from blog.seo import absolute_url
from blog.site import site_name
from comments.models import Comment

FEED_LENGTH = 30


class PostCommentsFeed(TextSubtitleMixin, Feed):
    def get_object(self, request, post_id):
        return get_object_or_404(Post.objects.public(), pk=post_id)

    def title(self, post):
        return f"Comments on “{post.title}” · {site_name()}"

    def subtitle(self, post):  # Atom's subtitle is text
        return f"The latest approved comments on “{post.title}”."

    def link(self, post):
        return absolute_url(post.get_absolute_url())

    def feed_url(self, post):
        return absolute_url(reverse("comments:post_feed", args=[post.pk]))

    def items(self, post):
        comments = Comment.objects.in_public_threads().filter(post=post).select_related("post")
        return comments.order_by("-created", "-pk")[:FEED_LENGTH]

    def item_title(self, comment):
        return f"{comment.author_name} on “{comment.post.title}”"

    def item_description(self, comment):
        # body_html is the visitor's text escaped by render_comment(): it shows as text.
        return comment.body_html

    def item_link(self, comment):
        return absolute_url(comment.get_absolute_url())

    def item_pubdate(self, comment):
        return comment.created

    def item_author_name(self, comment):
        return comment.author_name
