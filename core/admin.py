"""The admin site as a whole: its header, and what joins the two apps' admin pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from blog.admin import PostAdmin
from blog.models import Post

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = f"{settings.SITE_NAME} admin"


class PostWithCommentsAdmin(PostAdmin):
    """The post list, plus a link from each post to its comments awaiting moderation."""

    list_display = [*PostAdmin.list_display, "pending_comments"]

    @admin.display(description="pending", ordering="pending_comment_count")
    def pending_comments(self, post):
        if not post.pending_comment_count:
            return "0"
        url = reverse("admin:comments_comment_changelist")
        return format_html(
            '<a href="{}?post={}&amp;status__exact=pending">{} pending</a>',
            url,
            post.pk,
            post.pending_comment_count,
        )


admin.site.unregister(Post)
admin.site.register(Post, PostWithCommentsAdmin)
