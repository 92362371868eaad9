"""The owner's admin pages: the site settings (one row, its list goes straight to it) and the
pages."""

from django.contrib import admin
from django.shortcuts import redirect

from blog.site import Page, SiteSettings


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
        return redirect(settings.get_absolute_url())


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "address", "status", "in_navigation", "position", "updated"]
    list_editable = ["position"]
    list_filter = ["status", "in_navigation"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "body", "status", "in_navigation", "position"]

    @admin.display(description="address")
    def address(self, page):
        return page.get_absolute_url()
