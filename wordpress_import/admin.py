from django.contrib import admin

from wordpress_import.models import ImportedPost, LegacyRedirect


@admin.register(LegacyRedirect)
class LegacyRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "post", "created"]
    list_filter = ["created"]
    search_fields = ["old_path", "post__title"]
    date_hierarchy = "created"
    raw_id_fields = ["post"]


@admin.register(ImportedPost)
class ImportedPostAdmin(admin.ModelAdmin):
    list_display = ["wp_id", "post", "wp_type", "site", "imported_at"]
    list_filter = ["site", "wp_type", "imported_at"]
    search_fields = ["post__title", "=wp_id"]
    date_hierarchy = "imported_at"
    readonly_fields = ["site", "wp_id", "wp_type", "post", "source_hash", "saved_hash"]

    def has_add_permission(self, request):
        return False  # rows are made by the import_wordpress command
