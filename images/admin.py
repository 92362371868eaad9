"""The image library's admin: the list, the upload form, and uploads from another form."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from images.forms import ImageAdminForm
from images.models import Image
from images.uploads import ImageUploadField

# How many of the newest library images a form offering them shows.
LIBRARY_IMAGES_ON_FORM = 12


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """The image library: upload once (checked by images.uploads), insert in bodies as Markdown."""

    form = ImageAdminForm
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    list_display = ["alt", "markdown_code", "uploaded_by", "created"]
    search_fields = ["alt"]
    readonly_fields = ["markdown_code"]

    @admin.display(description="Markdown for a post body")
    def markdown_code(self, image):
        if not image.pk:
            return "Appears once you save."
        return format_html("<code>{}</code>", image.markdown)

    def _uploaded_it(self, request, image):
        """Whoever may upload may relabel or remove their own uploads (as in WordPress): a post
        holds a copy of the Markdown, and removing the entry leaves the file, so no live page
        changes. Others' uploads are the editors' (images.change_image, images.delete_image)."""
        return (
            image is not None
            and image.uploaded_by_id == request.user.pk
            and self.has_add_permission(request)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self._uploaded_it(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or self._uploaded_it(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        upload = self.admin_site.admin_view(require_POST(self.upload_from_post_form_view))
        return [path("upload/", upload, name="images_image_upload"), *super().get_urls()]

    def upload_from_post_form_view(self, request):
        """An upload from the post form's image library (static/js/image-library.js), without
        leaving the post: answers with the library's refreshed list, or the form's errors (400)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImageAdminForm(request.POST, request.FILES)
        if not form.is_valid():
            context = {"errors": form.errors}
            return TemplateResponse(
                request, "admin/images/image/_upload_errors.html", context, status=400
            )
        form.instance.uploaded_by = request.user
        form.save()
        context = {"library_images": Image.objects.all()[:LIBRARY_IMAGES_ON_FORM]}
        return TemplateResponse(request, "admin/images/image/_library_items.html", context)
