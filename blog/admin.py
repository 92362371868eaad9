from urllib.parse import urljoin

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import ngettext

from blog.forms import PreviewLinkForm
from blog.images import ImageUploadField
from blog.models import Post, PreviewLink
from blog.pagination import EstimatedCountPaginator


class PreviewLinkInline(admin.TabularInline):
    """Share links for reviewers without an account, listed and created on the post's page."""

    model = PreviewLink
    form = PreviewLinkForm
    extra = 0
    # Links are revoked rather than deleted, so the page keeps a record of who had access.
    can_delete = False
    fields = ["share_url", "expires_at", "link_state", "created_by", "revoke"]
    readonly_fields = ["share_url", "link_state", "created_by"]
    verbose_name = "share link"
    verbose_name_plural = "share links (preview for reviewers without an account)"

    @admin.display(description="address")
    def share_url(self, link):
        if link.pk is None:
            return "Appears once you save."
        url = urljoin(settings.SITE_URL, link.get_absolute_url())
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description="state")
    def link_state(self, link):
        if link.pk is None:
            return "New"
        if link.revoked_at is not None:
            return "Revoked"
        return "Active" if link.is_active else "Expired"


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Editors manage every post and publish; authors see and edit only their own drafts.

    Who may edit which post is `Post.objects.editable_by()`; publishing needs blog.publish_post.
    """

    # Covers are checked once, by blog.images.validate_image (the model field's validator).
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    list_display = [
        "title",
        "publication_status",
        "publish_at",
        "author",
        "approved_comment_count",
    ]
    list_filter = ["status", "publish_at", "author", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "body"]
    # 100,000 posts: no COUNT(*) of the whole table, no date drill-down (a DISTINCT over every
    # row); the "publish_at" filter covers dates.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PreviewLinkInline]
    actions = ["publish_selected", "unpublish_selected"]

    @admin.display(description="status", ordering="status")
    def publication_status(self, post):
        if post.is_published:
            return "Published"
        return "Scheduled" if post.is_scheduled else "Draft"

    def get_queryset(self, request):
        return Post.objects.editable_by(request.user).select_related("author")

    def get_object(self, request, object_id, from_field=None):
        # Look among all posts, not only get_queryset()'s: someone else's post is then refused
        # by the object permissions below (403) instead of being reported as deleted.
        field = Post._meta.pk if from_field is None else Post._meta.get_field(from_field)
        try:
            return Post.objects.get(**{field.name: field.to_python(object_id)})
        except (Post.DoesNotExist, ValueError, ValidationError):
            return None

    def _may_edit(self, request, post):
        return post is None or Post.objects.editable_by(request.user).filter(pk=post.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("blog.publish_post")

    def get_readonly_fields(self, request, obj=None):
        if self.has_publish_permission(request):
            return []
        # Authors write; editors decide when a post goes live and whose name is on it.
        return ["status", "publish_at", "author"]

    def get_list_filter(self, request):
        if self.has_publish_permission(request):
            return self.list_filter
        return [name for name in self.list_filter if name != "author"]

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not change and not self.has_publish_permission(request):
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is PreviewLink:
            for link_form in formset.forms:
                if link_form.instance.pk is None:
                    link_form.instance.created_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description="Publish selected posts", permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = queryset.publish()
        message = ngettext("%d post published.", "%d posts published.", count)
        self.message_user(request, message % count)

    @admin.action(description="Unpublish selected posts", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = queryset.unpublish()
        message = ngettext("%d post returned to draft.", "%d posts returned to draft.", count)
        self.message_user(request, message % count)
