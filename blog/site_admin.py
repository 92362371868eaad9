"""The owner's admin pages: the site settings (one row: its list opens it) and the pages."""

from django import forms
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.shortcuts import redirect

from blog.models import Page, Post
from blog.site import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fields = ["site_name", "tagline", "about", "footer", "comments_open_by_default"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        settings, _ = SiteSettings.objects.get_or_create(pk=1)
        return redirect(admin_urlname(self.opts, "change"), settings.pk)


class PageAdminForm(forms.ModelForm):
    """A page's fields: no date, tags, cover or review; comments off until the owner allows them."""

    status = forms.ChoiceField(
        choices=[(Post.Status.DRAFT, "Draft"), (Post.Status.PUBLISHED, "Published")],
        initial=Post.Status.DRAFT,
    )

    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "body",
            "status",
            "in_navigation",
            "position",
            "comments_enabled",
        ]
        labels = {"comments_enabled": "Allow comments"}
        help_texts = {
            "slug": "The page's address: /slug/ (e.g. about).",
            "body": "Markdown.",
            "comments_enabled": "Show the comment section under the page and take comments "
            "(moderated like a post's). Unticked later, the approved ones stay, marked closed.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:  # a new form reads the model field's default (a post's)
            self.initial.setdefault("comments_enabled", self.instance.comments_enabled)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ["title", "address", "status", "in_navigation", "position", "updated"]
    list_editable = ["position"]
    list_filter = ["status", "in_navigation", "comments_enabled"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description="address")
    def address(self, page):
        return page.get_absolute_url()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user  # a page shows no author; its comments' mail needs one
        super().save_model(request, obj, form, change)
