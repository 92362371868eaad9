"""The image library and the renditions made of media images.

Their tables keep the blog_ names that blog's migrations created them with (Meta.db_table):
this app took the models over in state only, so no data was copied (blog migration 0021).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from images import renditions, uploads


class Image(models.Model):
    """A picture in the image library, for post bodies: uploaded once, inserted as Markdown."""

    file = models.ImageField(
        upload_to="library/%Y/%m/",
        validators=[uploads.validate_image],
        help_text="JPEG, PNG, GIF or WebP. Stored upright and without location data.",
    )
    alt = models.CharField(
        "alt text",
        max_length=250,
        help_text="Describe the image for readers who cannot see it. Required.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "blog_image"
        ordering = ["-created", "-pk"]

    def __str__(self):
        return self.alt

    def save(self, *args, **kwargs):
        new_file = self.file and not getattr(self.file, "_committed", True)
        if new_file:
            upload = self.file.file
            cleaned = uploads.strip_location_and_orientation(upload)
            self.file.save(self.file.name, cleaned or upload, save=False)
        super().save(*args, **kwargs)
        if new_file:
            # Made on upload, so that a post using the image is served it as <picture> at once.
            MediaRenditions.objects.make(self.file.storage, self.file.name)

    def get_absolute_url(self):
        return reverse("admin:images_image_change", args=[self.pk])

    @property
    def markdown(self) -> str:
        """The Markdown that shows this image in a post body."""
        alt = self.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"![{alt}]({self.file.url})"


class MediaRenditionsQuerySet(models.QuerySet):
    def records(self, names) -> dict[str, dict]:
        """{stored name: renditions record} for those of `names` that have renditions."""
        if not names:
            return {}
        return dict(self.filter(name__in=names).values_list("name", "record"))

    def make(self, storage, name: str) -> "MediaRenditions | None":
        """Make (or remake) the renditions of a media image and record them.

        None when the file is no image we accept: missing, another format, too many pixels.
        """
        record = renditions.make_stored_renditions(storage, name)
        if record is None:
            return None
        made, _ = self.update_or_create(name=name, defaults={"record": record})
        return made


class MediaRenditions(models.Model):
    """What images.renditions made of one image in the media storage, found by its stored name.

    Library images get theirs on upload, other media images in post bodies from `manage.py
    make_renditions`; a post's save reads them to serve its body images as <picture>. Kept
    when the image is deleted: posts saved with it still link them.
    """

    name = models.CharField(max_length=255, unique=True)
    record = models.JSONField(help_text="The renditions' sizes and stored names.")
    created = models.DateTimeField(auto_now_add=True)

    objects = MediaRenditionsQuerySet.as_manager()

    class Meta:
        db_table = "blog_mediarenditions"
        ordering = ["name"]
        verbose_name_plural = "media renditions"

    def __str__(self):
        return self.name
