"""What an import made, keyed by WordPress ids, and the old links that now answer 301.

The two `Imported*` tables make re-runs idempotent: each row records which WordPress post or
comment a row of ours came from, a hash of the source as imported and a hash of our row as saved,
so a re-run can tell "changed in WordPress" from "edited here".
"""

from django.db import models
from django.urls import reverse

from blog.models import Page, Post
from comments.models import Comment


class ImportedPostQuerySet(models.QuerySet):
    def for_wordpress_id(self, wp_id: int):
        """The imports of WordPress post `wp_id` with their posts, the first import's first
        (ids repeat only when several sites were imported)."""
        return self.filter(wp_id=wp_id).select_related("post").order_by("pk")


class ImportedPost(models.Model):
    """A post (or page, with --pages-as-posts) that came from a WordPress export."""

    site = models.CharField(max_length=200, help_text="The export's wp:base_site_url.")
    wp_id = models.PositiveBigIntegerField("WordPress post id")
    wp_type = models.CharField("WordPress type", max_length=20, default="post")
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="wordpress_origin")
    source_hash = models.CharField(max_length=64, editable=False)
    saved_hash = models.CharField(max_length=64, editable=False)
    imported_at = models.DateTimeField(auto_now=True)

    objects = ImportedPostQuerySet.as_manager()

    class Meta:
        ordering = ["site", "wp_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="unique_imported_post")
        ]
        indexes = [models.Index(fields=["wp_id"], name="imported_post_wp_id_idx")]

    def __str__(self):
        return f"{self.site} post {self.wp_id} → {self.post}"

    def get_absolute_url(self):
        return self.post.get_absolute_url()


class ImportedPage(models.Model):
    """A WordPress page imported as a page: its ?page_id= link answers 301, a re-run keeps it."""

    site = models.CharField(max_length=200, help_text="The export's wp:base_site_url.")
    wp_id = models.PositiveBigIntegerField("WordPress page id", db_index=True)
    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="wordpress_page")

    class Meta:
        ordering = ["site", "wp_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="unique_imported_page")
        ]

    def __str__(self):
        return f"{self.site} page {self.wp_id} → {self.page}"

    def get_absolute_url(self):
        return self.page.get_absolute_url()


class ImportedComment(models.Model):
    """A comment that came from a WordPress export."""

    site = models.CharField(max_length=200)
    wp_id = models.PositiveBigIntegerField("WordPress comment id")
    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, related_name="wordpress_origin"
    )
    source_hash = models.CharField(max_length=64, editable=False)
    saved_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["site", "wp_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="unique_imported_comment")
        ]

    def __str__(self):
        return f"{self.site} comment {self.wp_id}"

    def get_absolute_url(self):
        return self.comment.get_absolute_url()


class LegacyRedirectQuerySet(models.QuerySet):
    def for_paths(self, paths: list[str]) -> list["LegacyRedirect"]:
        """The redirects for any of these request paths (trailing slashes ignored)."""
        return list(
            self.filter(old_path__in={normalise_path(p) for p in paths}).select_related("post")
        )


class LegacyRedirect(models.Model):
    """An old permalink of an imported post; the middleware answers it with a 301.

    It points at the post rather than at a URL, so it follows later slug changes and goes away
    with the post.
    """

    old_path = models.CharField(
        max_length=500,
        unique=True,
        help_text="The old address's path, e.g. /2023/09/17/first-ultra/ (no host, no query).",
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="legacy_redirects")
    created = models.DateTimeField(auto_now_add=True)

    objects = LegacyRedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.post.get_absolute_url()}"

    def get_absolute_url(self):
        return reverse("admin:wordpress_import_legacyredirect_change", args=[self.pk])


def normalise_path(path: str) -> str:
    """Paths are stored and looked up without a trailing slash (except the root)."""
    return path.rstrip("/") or "/"
