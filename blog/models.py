import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from blog.rendering import reading_time_minutes, render_markdown, sanitise_rendered_body, summarise
from images import body_images, renditions, uploads
from images.models import MediaRenditions

# Related posts are ranked among this many of the newest posts of each of the post's tags.
RELATED_CANDIDATES = 100


class PostQuerySet(models.QuerySet):
    def published(self):
        """Posts (never pages) the public may see: every list, feed, count and search reads this.
        A future `publish_at` starts matching when its time comes: scheduling needs no cron."""
        return self.public().posts()

    def public(self):
        """Posts and pages the public may open at their own address: never for a list."""
        return self.filter(status=Post.Status.PUBLISHED, publish_at__lte=timezone.now())

    def posts(self):
        return self.filter(kind=Post.Kind.POST)

    def viewable_by(self, user):
        """Posts this user may open in the admin: all for editors (blog.publish_post), else their
        own (authors hold blog.change_post too)."""
        if not (user.is_authenticated and user.is_staff and user.has_perm("blog.change_post")):
            return self.none()
        if user.has_perm("blog.publish_post"):
            return self.posts()
        return self.posts().filter(author=user)

    def editable_by(self, user):
        """Posts this user may change: all for editors; an author's own drafts and submissions
        (a change to a live post would reach the public without an editor's review)."""
        posts = self.viewable_by(user)
        if user.has_perm("blog.publish_post"):
            return posts
        return posts.filter(status__in=[Post.Status.DRAFT, Post.Status.REVIEW])

    def visible_to(self, user):
        """Published posts, plus the unpublished posts this user may open (preview)."""
        return self.published() | self.viewable_by(user)

    def pinned(self):
        """Pinned (sticky) posts, newest first; combine with published()."""
        return self.filter(pinned=True).order_by("-publish_at", "-pk")

    def drafts(self):
        """Posts being written: not yet submitted, or sent back to their author."""
        return self.posts().filter(status=Post.Status.DRAFT)

    def changes_requested(self):
        """Drafts an editor sent back with a note, until their author submits them again."""
        return self.drafts().exclude(review_note="")

    def in_review(self):
        return self.posts().filter(status=Post.Status.REVIEW)

    def scheduled(self):
        return self.posts().filter(status=Post.Status.PUBLISHED, publish_at__gt=timezone.now())

    def publish(self) -> int:
        """Publish the drafts and submissions among these; returns how many. Only the publication
        columns are written, so a bulk action cannot overwrite an edit saved meanwhile."""
        drafts = list(self.filter(status__in=[Post.Status.DRAFT, Post.Status.REVIEW]))
        for post in drafts:
            post.status = Post.Status.PUBLISHED
            post.save(update_fields=["status", "publish_at", "updated"])
        return len(drafts)

    def unpublish(self) -> int:
        """Return published and scheduled posts among these to draft; returns how many."""
        live = list(self.filter(status=Post.Status.PUBLISHED))
        for post in live:
            post.status = Post.Status.DRAFT
            post.save(update_fields=["status", "updated"])
        return len(live)

    def publication_figures(self) -> dict:
        """{"count": public now, "next": the next scheduled publication or None}, in one query."""
        now = timezone.now()
        return (
            self.posts()
            .filter(status=Post.Status.PUBLISHED)
            .aggregate(
                count=models.Count("pk", filter=Q(publish_at__lte=now)),
                next=models.Min("publish_at", filter=Q(publish_at__gt=now)),
            )
        )

    def for_listing(self):
        """What the index shows per post (tags are not among it), in one query."""
        return self.select_related("author").defer("body", "body_html")

    def with_tag(self, tag, *, common: bool = False):
        """Posts carrying `tag`. A common tag (tag_is_common()) is probed per post in this
        queryset's order until the page is full; a rare one is read from its own through rows."""
        if not common:
            return self.filter(tags=tag)
        carries = TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Post), object_id=OuterRef("pk"), tag=tag
        )
        return self.filter(Exists(carries))

    def related_to(self, post):
        """Other posts sharing tags with `post`, most shared first, among each tag's newest
        RELATED_CANDIDATES (a tag's size does not matter); prefetch `post.tags`: one query."""
        tag_ids = [tag.pk for tag in post.tags.all()]
        if not tag_ids:
            return self.none()
        through = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Post))
        newest = [
            through.filter(
                pk__in=through.filter(tag_id=tag_id)
                .order_by("-object_id")
                .values("pk")[:RELATED_CANDIDATES]
            ).values("object_id")
            for tag_id in tag_ids
        ]
        candidates = newest[0].union(*newest[1:]) if len(newest) > 1 else newest[0]
        # Counted per candidate from the unique (content type, post, tag) index: a join would
        # read every through row of these tags.
        shared = (
            through.filter(object_id=OuterRef("pk"), tag_id__in=tag_ids)
            .order_by()
            .values("object_id")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return (
            self.filter(pk__in=candidates)
            .exclude(pk=post.pk)
            .annotate(shared_tags=Subquery(shared))
            .order_by("-shared_tags", "-publish_at", "-pk")
        )

    def before(self, post):
        earlier = Q(publish_at__lt=post.publish_at) | Q(publish_at=post.publish_at, pk__lt=post.pk)
        return self.filter(earlier).order_by("-publish_at", "-pk")

    def after(self, post):
        later = Q(publish_at__gt=post.publish_at) | Q(publish_at=post.publish_at, pk__gt=post.pk)
        return self.filter(later).order_by("publish_at", "pk")


class Post(models.Model):
    """A post of the blog, or one of the owner's pages (Page), in one table as in WordPress."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The post's address: /blog/your-slug/. Filled from the title; edit if you like.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    summary = models.TextField(
        blank=True,
        help_text="Shown on the index and in link previews. Empty: the first paragraph.",
    )
    body = models.TextField(help_text="Markdown. HTML is sanitised: no scripts or event handlers.")
    body_html = models.TextField(editable=False, blank=True)
    cover_image = models.ImageField(
        upload_to="covers/%Y/%m/",
        blank=True,
        validators=[uploads.validate_image],
        help_text="Optional. JPEG, PNG, GIF or WebP.",
    )
    cover_image_alt = models.CharField(
        "cover image alt text",
        max_length=250,
        blank=True,
        help_text="Describe the image for readers who cannot see it. Required with a cover image.",
    )
    # What images.renditions made of the cover (sizes and stored names); see that module.
    cover_renditions = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        "publish date",
        null=True,
        blank=True,
        db_index=True,
        help_text="When the post goes live. A future time schedules it; empty means now.",
    )
    review_note = models.TextField(
        blank=True,
        help_text="An editor's note to the author when sending the post back; shown on the post.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Database defaults too: rows written without it (raw SQL, older code mid-deploy) are posts.
    kind = models.CharField(
        max_length=4, choices=Kind, default=Kind.POST, db_default=Kind.POST, editable=False
    )
    # A page's place in the site's navigation (Page); unused by posts.
    in_navigation = models.BooleanField(
        "listed in the navigation",
        default=True,
        db_default=True,
        help_text="Linked from every page's header.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, db_default=0, help_text="Order in the navigation: lower numbers come first."
    )
    tags = TaggableManager(blank=True, help_text="A comma-separated list of tags.")
    comments_enabled = models.BooleanField(
        default=True, help_text="Uncheck to close this post to new comments."
    )
    pinned = models.BooleanField(
        "pinned to the front page",
        default=False,
        help_text="Shown above the latest posts on the index's first page while it is published "
        "(WordPress calls this sticky).",
    )
    reading_time = models.PositiveSmallIntegerField(
        "reading time (minutes)", default=1, editable=False
    )
    # Denormalised for the index and the admin; written only by comments.counts.
    approved_comment_count = models.PositiveIntegerField(default=0, editable=False)
    pending_comment_count = models.PositiveIntegerField(default=0, editable=False)
    # PostgreSQL's full-text document, written by a database trigger (migration 0012) so every
    # write path keeps it current; never written by save(). Always NULL on SQLite (FTS5 there).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-created"]
        permissions = [("publish_post", "Can publish and unpublish posts")]
        indexes = [
            # The index in its order, ids included: deep pages slice ids from the index alone.
            models.Index(
                fields=["status", "kind", "-publish_at", "-created", "id"], name="post_public_idx"
            ),
            # The admin's post list, newest first, and its busiest-queues filter.
            models.Index(fields=["-publish_at", "-created", "-id"], name="post_admin_order_idx"),
            # In the filter's order (busiest first, then by id), so the 20 are read off its top.
            models.Index(fields=["-pending_comment_count", "id"], name="post_pending_queue_idx"),
            # The few pinned posts, read on the index's first page without a table scan.
            models.Index(
                fields=["-publish_at", "-id"], condition=Q(pinned=True), name="post_pinned_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # One line: titles become mail subjects, where a line break fails the send.
        self.title = one_line(self.title)
        if not self.slug:
            self.slug = unique_slug(self.title, exclude_pk=self.pk)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        self.body_html = render_body(self.body)
        self.reading_time = reading_time_minutes(self.body_html)
        if not self.summary.strip():
            self.summary = summarise(self.body_html)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "cover_image" in update_fields:
            self._refresh_cover()
        if not self._state.adding and update_fields is None:
            # The comment counts have their own writer (one UPDATE computed in SQL): saving a
            # post loaded before a comment changed must not write its old counts back.
            skip = {"approved_comment_count", "pending_comment_count", "search_vector"}
            skip |= self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in skip
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.kind == self.Kind.PAGE:
            return reverse("blog:page", args=[self.slug])
        return reverse("blog:post_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def changes_requested(self) -> bool:
        return self.status == self.Status.DRAFT and bool(self.review_note)

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_published

    def clean(self):
        if self.kind == self.Kind.PAGE and self.slug in Page.RESERVED_SLUGS:
            raise ValidationError(
                {"slug": "This address belongs to the site itself: choose another."},
                code="reserved",
            )
        if self.kind == self.Kind.POST and self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is the address of another page; choose another slug."},
                code="reserved_slug",
            )
        if self.cover_image and not self.cover_image_alt.strip():
            raise ValidationError(
                {"cover_image_alt": "Describe the cover image for readers who cannot see it."},
                code="alt_required",
            )

    def _refresh_cover(self):
        """Store a new cover upright and without location, and make its renditions; those of a
        replaced or removed cover are deleted once the change is committed."""
        stale = renditions.rendition_names(self.cover_renditions)
        if self.cover_image:
            if not getattr(self.cover_image, "_committed", True):
                upload = self.cover_image.file
                cleaned = uploads.strip_location_and_orientation(upload)
                self.cover_image.save(self.cover_image.name, cleaned or upload, save=False)
            elif self.cover_renditions:
                return
            self.cover_renditions = renditions.make_renditions(
                self.cover_image.storage, self.cover_image.name
            )
        else:
            self.cover_renditions = {}
        if stale:
            storage = self.cover_image.storage
            transaction.on_commit(lambda: renditions.delete_files(storage, stale))


def one_line(text: str) -> str:
    """`text` with its line breaks (any str.splitlines() knows) and their spaces as one space."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def render_body(body: str) -> str:
    """A body's public HTML (sanitised Markdown, responsive images), for save and the preview.
    Renditions are read here (one query), never made: see images.body_images."""
    storage = Post._meta.get_field("cover_image").storage
    html = render_markdown(body)
    records = MediaRenditions.objects.records(body_images.media_names(html, storage))
    return sanitise_rendered_body(body_images.serve_body_images(html, storage, records))


# /blog/<slug>/ addresses that belong to other pages (blog/urls.py lists them first).
RESERVED_SLUGS = {"feed", "search"}


def unique_slug(*texts: str, exclude_pk=None) -> str:
    """A slug from the first of `texts` that makes one (else "post"), suffixed -2, -3 if taken."""
    slugs = (slugify(text)[:180].strip("-") for text in texts)
    base = next(filter(None, slugs), "post")
    slug, n = base, 2
    others = Post.objects.exclude(pk=exclude_pk) if exclude_pk else Post.objects.all()
    while slug in RESERVED_SLUGS or others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        """Links that still work: not revoked, not expired, made at most PREVIEW_LINK_MAX_LIFETIME
        ago (links saved before that cap had any expiry)."""
        now = timezone.now()
        return self.filter(
            revoked_at__isnull=True,
            expires_at__gt=now,
            created__gt=now - settings.BLOG_PREVIEW_LINK_MAX_LIFETIME,
        )


def default_preview_expiry():
    return timezone.now() + settings.BLOG_PREVIEW_LINK_LIFETIME


def new_preview_token():
    return secrets.token_urlsafe(24)


class PreviewLink(models.Model):
    """A secret, expiring, revocable link that shows a draft to a reviewer without an account."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=new_preview_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        default=default_preview_expiry, help_text="The link stops working after this time."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"Preview of {self.post} until {self.expires_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("blog:post_preview", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and self.expires_at > now
            and self.created > now - settings.BLOG_PREVIEW_LINK_MAX_LIFETIME
        )


class PostRevision(models.Model):
    """What a post said after one change, who made it and why; written by blog.revisions."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField()
    tags = models.TextField(blank=True, help_text="The tag names, comma-separated.")
    cover_image = models.CharField(max_length=255, blank=True)
    cover_image_alt = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=Post.Status.choices)
    publish_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.title} ({self.created:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("admin:blog_post_revisions", args=[self.post_id])


class PageQuerySet(PostQuerySet):
    def published(self):
        return self.public().filter(kind=Post.Kind.PAGE)

    def in_navigation(self):
        """The published pages the site's navigation lists, in the owner's order."""
        return self.published().filter(in_navigation=True).order_by("position", "title")


class PageManager(models.Manager.from_queryset(PageQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Post.Kind.PAGE)


class Page(Post):
    """A page at its own address (/about/), in no list of posts; comments off unless allowed."""

    # Addresses of the site's own routes, which a page's slug would shadow or be shadowed by.
    RESERVED_SLUGS = frozenset(
        {"admin", "blog", "comments", "reset", "media", "static", "healthz", "sitemap"}
    )

    objects = PageManager()

    class Meta:
        proxy = True
        ordering = ["position", "title"]

    def __init__(self, *args, **kwargs):
        if not args:  # a new page (rows read from the database come positionally)
            kwargs.setdefault("kind", Post.Kind.PAGE)
            kwargs.setdefault("comments_enabled", False)
        super().__init__(*args, **kwargs)


from blog.site import SiteSettings  # noqa: E402, F401  (a model of this app, in its own module)
