"""A WordPress export into posts, authors, comments, media and redirects, in one transaction.

`import_export()` is what the `import_wordpress` command runs. Rows are created with the models'
own `save()`, so post bodies are rendered and sanitised like every post, and comments are stored
directly, never through `comments.services.submit_comment()`: nothing imported mails a moderator,
and Comment.save() keeps the post's comment counts (comments.counts).
"""

import hashlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog import revisions
from blog.models import Page, Post, unique_slug
from blog.rendering import MAX_BODY_LENGTH
from comments import counts
from comments.models import Comment, render_comment
from core import planner_statistics
from images.renditions import rendition_names
from wordpress_import import wxr
from wordpress_import.content import PostContent, comment_text
from wordpress_import.media import MediaCopier, same_upload, upload_path
from wordpress_import.models import (
    ImportedComment,
    ImportedPage,
    ImportedPost,
    LegacyRedirect,
    normalise_path,
)
from wordpress_import.summary import Summary

AUTHORS_GROUP = "Authors"
COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REJECTED,
    "post-trashed": Comment.Status.REJECTED,
}
PINGS = ("trackback", "pingback")
COMMENT_BATCH = 2000  # new comments written together
TAG_MAX_LENGTH = 100
IGNORED_CATEGORIES = {"uncategorized"}


class BodyTooLong(Exception):
    """A post whose Markdown is longer than any post may be: it is skipped, and reported."""


@dataclass(frozen=True)
class Options:
    media_dir: Path | None = None
    fetch_media: bool = False
    overwrite: bool = False
    dry_run: bool = False
    pages_as_posts: bool = False


def import_export(
    path: Path, options: Options, *, on_read: Callable[[int], None] | None = None
) -> Summary:
    """Import the export at `path`; all or nothing. Raises wxr.BadExport for unreadable files.

    Then refreshes the query planner's statistics: an import can multiply the rows of a table.
    """
    summary = Summary(dry_run=options.dry_run)
    reader = wxr.WxrReader(path, on_read=on_read)
    importer = Importer(reader=reader, options=options, summary=summary)
    try:
        with transaction.atomic():
            importer.run()
            if options.dry_run:
                transaction.set_rollback(True)
    except BaseException:
        importer.media.discard_written()
        raise
    if not options.dry_run:
        planner_statistics.refresh()
    return summary


class Importer:
    def __init__(self, *, reader: wxr.WxrReader, options: Options, summary: Summary):
        self.reader, self.options, self.summary = reader, options, summary
        self.authors = AuthorDirectory(summary)
        self.media = MediaCopier(
            media_dir=options.media_dir,
            fetch=options.fetch_media,
            base_url="",
            summary=summary,
            dry_run=options.dry_run,
        )
        self.current = ""  # the item being imported, named in errors
        self.new_comments: list[tuple[Comment, wxr.Comment]] = []  # made, not yet written
        self.attachments: dict[int, wxr.Attachment] = {}  # seen so far, or all once read ahead
        self.read_ahead = False

    @property
    def site(self) -> str:
        return self.reader.site.base_site_url

    def run(self) -> None:
        for thing in self.reader:
            if isinstance(thing, wxr.Author):
                self.authors.add(thing)
                self.authors.user_for_login(thing.login)
            else:
                self.current = thing.link or f"post {thing.wp_id}"
                try:
                    self.import_item(thing)
                except Exception as error:
                    error.wordpress_item = self.current  # named in the command's one-line error
                    raise
        self.write_new_comments()
        site = self.reader.site
        self.summary.site, self.summary.site_title = site.base_site_url, site.title
        self.summary.wxr_version = site.wxr_version

    # Posts

    def import_item(self, item: wxr.Item) -> None:
        if item.type == "attachment" and item.wp_id:
            self.attachments[item.wp_id] = wxr.Attachment.of(item)
        reason = self.skip_reason(item)
        if reason:
            if reason != "attachment":
                self.summary.posts_skipped[reason] += 1
            if reason == "trashed":
                self.summary.note("trashed skipped", item.link)
            return
        if item.type == "page" and not self.options.pages_as_posts:
            self.import_page(item)
            return
        self.media.base_url = self.site.rstrip("/") + "/"
        self.media.where = item.link
        mapping = (
            ImportedPost.objects.select_related("post")
            .filter(site=self.site, wp_id=item.wp_id)
            .first()
        )
        source = item_source(item, self.options)
        if thumbnail_id(item):
            # Its attachment is part of what the post is made from (its cover).
            source["featured_image"] = self.attachment(thumbnail_id(item))
        if item.sticky:
            source["pinned"] = True  # imports from before posts could be pinned update it
        source_hash = fingerprint(source)
        try:
            self.import_post(item, mapping, source_hash)
        except BodyTooLong:
            reason = f"body over {MAX_BODY_LENGTH:,} characters"
            self.summary.posts_skipped[reason] += 1
            self.summary.note(f"{reason}, skipped", item.link)

    def import_post(self, item: wxr.Item, mapping: ImportedPost | None, source_hash: str) -> None:
        if mapping is None:
            post = self.save_post(Post(), item)
            mapping = ImportedPost(site=self.site, wp_id=item.wp_id, wp_type=item.type, post=post)
            self.summary.posts["created"] += 1
            self.save_mapping(mapping, source_hash)
        else:
            post = mapping.post
            edited_here = post_fingerprint(post) != mapping.saved_hash
            if edited_here and not self.options.overwrite:
                self.summary.posts_skipped["edited here (kept; --overwrite replaces)"] += 1
                self.summary.note("edited here since the last import, kept", item.link)
            elif source_hash != mapping.source_hash or edited_here:
                self.save_post(post, item)
                self.summary.posts["updated"] += 1
                self.save_mapping(mapping, source_hash)
            else:
                self.summary.posts["unchanged"] += 1
        self.add_redirect(item, post)
        self.import_comments(item, post)

    def import_page(self, item: wxr.Item) -> None:
        """A WordPress page becomes a Page at /<its slug>/, where WordPress had it unless it had
        a parent (legacy_urls answers that link, and ?page_id=), open to comments if it was.
        Imported once: a re-run, or a page of that slug written here, keeps what is here. Its
        comments are imported like a post's (a re-run adds only the new ones)."""
        recorded = ImportedPage.objects.filter(site=self.site, wp_id=item.wp_id)
        page = next((record.page for record in recorded.select_related("page")), None)
        if page is not None:
            self.summary.pages["kept"] += 1
            self.import_comments(item, page)
            return
        slug = slugify(unquote(item.name))[:100].strip("-") or f"wordpress-page-{item.wp_id}"
        if slug in Page.RESERVED_SLUGS:
            slug = f"{slug}-page"
        page = Page.objects.filter(slug=slug).first()
        if page is None:
            page = self.new_page(item, slug)
        else:
            self.summary.pages["kept"] += 1
        ImportedPage.objects.create(site=self.site, wp_id=item.wp_id, page=page)
        self.import_comments(item, page)

    def new_page(self, item: wxr.Item, slug: str) -> Page:
        content = PostContent(item.content, excerpt=item.excerpt, rewrite_url=self.media.rewrite)
        public = self.status(item)[0] == Post.Status.PUBLISHED
        page = Page(
            slug=unique_slug(slug),  # a post may have it: pages and posts share the column
            title=(item.title or slug)[:200],
            body=content.markdown(),
            status=Page.Status.PUBLISHED if public else Page.Status.DRAFT,
            author=self.authors.user_for_login(item.creator),
            comments_enabled=item.comment_status == "open",
        )
        page.save()
        self.summary.pages["created"] += 1
        return page

    def save_mapping(self, mapping: ImportedPost, source_hash: str) -> None:
        mapping.source_hash, mapping.saved_hash = source_hash, post_fingerprint(mapping.post)
        mapping.save()

    def skip_reason(self, item: wxr.Item) -> str | None:
        if item.type == "attachment":
            return "attachment"
        if item.type not in ("post", "page"):
            return f"{item.type or 'untyped'} items"
        if item.status == "trash":
            return "trashed"
        if item.status in ("auto-draft", "inherit"):
            return "auto-drafts"
        if not item.wp_id:
            return "items without a post id"
        return None

    def save_post(self, post: Post, item: wxr.Item) -> Post:
        """Fill `post` from the item and save it (Post.save renders and sanitises the body)."""
        content = PostContent(item.content, excerpt=item.excerpt, rewrite_url=self.media.rewrite)
        for shortcode in content.unknown_shortcodes:
            self.summary.note(f"unknown shortcode [{shortcode}] kept as text", item.link)
        first = next(iter(content.images), None)
        featured = self.featured_image(item)
        if featured:
            cover_src, cover_alt = featured
            # The body keeps its images, unless it starts with this one (any of its sizes): it is
            # not shown twice.
            shown = first is not None and self.shows_featured(first, item)
            lead = first if shown else None
        else:
            lead = self.pick_cover(content, item)
            cover_src, cover_alt = (lead.src, lead.alt or lead.caption) if lead else ("", "")
        created = post.pk is None
        post.title = (item.title or item.name or f"Untitled (WordPress post {item.wp_id})")[:200]
        names = (unquote(item.name), item.title, f"wordpress-{item.wp_id}")
        post.slug = unique_slug(*names, exclude_pk=post.pk)
        post.author = self.authors.user_for_login(item.creator)
        post.body = content.markdown(without=lead)
        if len(post.body) > MAX_BODY_LENGTH:
            raise BodyTooLong
        post.summary = content.summary
        post.status, post.publish_at = self.status(item)
        post.comments_enabled = item.comment_status == "open"
        post.pinned = item.sticky
        stored = self.media.by_url.get(cover_src) if cover_src else None
        new_cover = bool(stored) and not post.cover_image and default_storage.exists(stored)
        if new_cover:
            # An unsaved file: Post.save() stores it like an upload (upright, no GPS metadata)
            # and makes its renditions.
            post.cover_image = File(default_storage.open(stored), name=PurePosixPath(stored).name)
            post.cover_image_alt = cover_alt[:250]
        post.save()
        if new_cover:  # deleted again if the import is rolled back
            self.media.written.append(post.cover_image.name)
            self.media.written.extend(rendition_names(post.cover_renditions))
        post.tags.set(tag_names(item))
        note = "Imported from WordPress" if created else "Re-imported from WordPress"
        revisions.record(post=post, user=post.author, note=note)
        return post

    def featured_image(self, item: wxr.Item) -> tuple[str, str] | None:
        """The post's featured image (postmeta _thumbnail_id) as (our URL, alt text), copied
        like body images; None when it cannot be the cover, with a note saying why."""
        wp_id = thumbnail_id(item)
        if not wp_id:
            return None
        attachment = self.attachment(wp_id)
        if attachment is None or not attachment.url:
            self.summary.note(
                "featured image missing from the export", f"attachment {wp_id} of {item.link}"
            )
            return None
        if upload_path(attachment.url) is None:
            self.summary.note(
                "featured image outside wp-content/uploads, left on the old site",
                f"{attachment.url} (in {item.link})",
            )
            return None
        ours = self.media.rewrite(attachment.url)
        if ours not in self.media.by_url:
            return None  # not copied: the copier noted why
        alt = attachment.alt or attachment.caption
        if not alt:
            self.summary.note("featured image has no alt text, so it is not the cover", item.link)
            return None
        self.summary.media["covers"] += 1
        return ours, alt

    def shows_featured(self, image, item: wxr.Item) -> bool:
        """Whether a body image is the item's featured image: the same attachment (WordPress's
        wp-image-<id> class) or another size of the same upload."""
        wp_id = thumbnail_id(item)
        return image.wp_id == wp_id or same_upload(image.original, self.attachment(wp_id).url)

    def attachment(self, wp_id: int) -> wxr.Attachment | None:
        """An attachment item by id: those read so far, else the whole export's, read once."""
        if wp_id not in self.attachments and not self.read_ahead:
            self.read_ahead = True
            self.attachments.update(wxr.attachments(self.reader.path))
        return self.attachments.get(wp_id)

    def pick_cover(self, content: PostContent, item: wxr.Item):
        """The first image, when we hold a copy and it has alt text or a caption."""
        first = next((image for image in content.images), None)
        if first is None or first.src not in self.media.by_url:
            return None
        if not (first.alt or first.caption):
            self.summary.note("first image has no alt text, so it is not the cover", item.link)
            return None
        self.summary.media["covers"] += 1
        return first

    def status(self, item: wxr.Item) -> tuple[str, object]:
        """WordPress status -> ours; private and password-protected posts are never public."""
        if item.password:
            self.summary.note("password-protected, kept as a draft", item.link)
            return Post.Status.DRAFT, item.date
        if item.status == "private":
            self.summary.note("private, kept as a draft", item.link)
            return Post.Status.DRAFT, item.date
        if item.status in ("publish", "future"):
            # A future date makes it scheduled: Post.objects.published() waits for it.
            return Post.Status.PUBLISHED, item.date or timezone.now()
        return Post.Status.DRAFT, item.date  # draft, pending (no review state here yet)

    def add_redirect(self, item: wxr.Item, post: Post) -> None:
        old_path = normalise_path(unquote(urlsplit(item.link).path))
        if old_path == "/" or old_path == normalise_path(post.get_absolute_url()):
            return
        LegacyRedirect.objects.update_or_create(old_path=old_path[:500], defaults={"post": post})
        self.summary.redirects += 1

    # Comments

    def import_comments(self, item: wxr.Item, post: Post) -> None:
        if not item.comments:
            return
        existing = {
            imported.wp_id: imported
            for imported in ImportedComment.objects.filter(
                site=self.site, wp_id__in=[c.wp_id for c in item.comments]
            ).select_related("comment")
        }
        saved: dict[int, Comment] = {}
        for source in in_thread_order(item.comments):
            if source.type in PINGS:
                self.summary.comments_skipped["trackbacks and pingbacks"] += 1
                self.summary.note(f"{source.type} skipped", f"{source.author_url} on {item.link}")
                continue
            if source.type != "comment":
                self.summary.comments_skipped[f"{source.type} comments"] += 1
                continue
            parent = self.parent_for(source, saved, item)
            mapping = existing.get(source.wp_id)
            saved[source.wp_id] = comment = self.save_comment(source, post, parent, mapping)
            if comment.pk is None:
                self.new_comments.append((comment, source))
        if len(self.new_comments) >= COMMENT_BATCH:
            self.write_new_comments()

    def write_new_comments(self) -> None:
        """Insert the new comments of many posts with a few bulk_create()s, a level of the
        threads at a time (a reply needs its parent's id): the posts' counts are recounted once
        per statement, not once per comment."""
        new, self.new_comments = self.new_comments, []
        for depth in sorted({comment.depth for comment, _ in new}):
            Comment.objects.bulk_create([c for c, _ in new if c.depth == depth])
        counts.recount({comment.post_id for comment, _ in new})
        ImportedComment.objects.bulk_create(
            ImportedComment(
                site=self.site,
                wp_id=source.wp_id,
                comment=comment,
                source_hash=fingerprint(source.__dict__),
                saved_hash=comment_fingerprint(comment),
            )
            for comment, source in new
        )

    def parent_for(self, source: wxr.Comment, saved: dict, item: wxr.Item) -> Comment | None:
        """The comment to reply to: the WordPress parent, or its deepest ancestor we can nest."""
        if not source.parent:
            return None
        parent = saved.get(source.parent)
        if parent is None:
            self.summary.note(
                "reply to a comment missing from the export, shown as a new thread",
                f"comment {source.wp_id} on {item.link}",
            )
            return None
        while parent is not None and parent.depth >= settings.COMMENT_MAX_DEPTH:
            parent = parent.parent
        return parent

    def save_comment(self, source: wxr.Comment, post: Post, parent, mapping) -> Comment:
        """Update an imported comment, or make a new one (unsaved: written in bulk)."""
        source_hash = fingerprint(source.__dict__)
        status = COMMENT_STATUSES.get(source.approved.lower(), Comment.Status.PENDING)
        if mapping is not None:
            comment = mapping.comment
            edited_here = comment_fingerprint(comment) != mapping.saved_hash
            if edited_here and not self.options.overwrite:
                self.summary.comments_skipped["edited or moderated here (kept)"] += 1
                return comment
            if source_hash == mapping.source_hash and not edited_here:
                self.summary.comments_unchanged += 1
                return comment
            self.summary.comments_updated += 1
        else:
            comment = Comment()
            self.summary.comments[status] += 1
        comment.post, comment.parent, comment.status = post, parent, status
        comment.author_name = (source.author or "Anonymous")[:80]
        comment.author_email = source.author_email[:254]
        comment.author_url = source.author_url if len(source.author_url) <= 200 else ""
        if not comment.author_url.lower().startswith(("http://", "https://")):
            comment.author_url = ""
        comment.body = comment_text(source.content)
        comment.ip_address = valid_ip(source.author_ip)
        comment.user = self.authors.user_for_wp_id(source.user_id)
        comment.created = source.date or timezone.now()
        if mapping is None:
            # What Comment.save() derives, since bulk_create() does not call it.
            comment.depth = parent.depth + 1 if parent is not None else 0
            comment.body_html = render_comment(comment.body)
            return comment
        comment.save()
        counts.recount([comment.post_id])
        mapping.source_hash, mapping.saved_hash = source_hash, comment_fingerprint(comment)
        mapping.save(update_fields=["source_hash", "saved_hash"])
        return comment


class AuthorDirectory:
    """The export's authors: matched to our users by e-mail or login, or created as Authors."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.by_login: dict[str, wxr.Author] = {}
        self.login_by_wp_id: dict[int, str] = {}
        self.users: dict[str, object] = {}

    def add(self, author: wxr.Author) -> None:
        self.by_login[author.login] = author
        if author.wp_id:
            self.login_by_wp_id[author.wp_id] = author.login

    def user_for_wp_id(self, wp_id: int):
        login = self.login_by_wp_id.get(wp_id)
        return self.user_for_login(login) if login else None

    def user_for_login(self, login: str):
        login = login or "wordpress"
        if login not in self.users:
            self.users[login] = self._match_or_create(
                self.by_login.get(login) or wxr.Author(wp_id=None, login=login)
            )
        return self.users[login]

    def _match_or_create(self, author: wxr.Author):
        User = get_user_model()
        username = clean_username(author.login)
        user = None
        if author.email:
            user = User.objects.filter(email__iexact=author.email).order_by("pk").first()
        if user is None:
            user = User.objects.filter(username__iexact=username).order_by("pk").first()
        if user is not None:
            self.summary.authors["matched"] += 1
            return user
        first, last = author.first_name, author.last_name
        if not (first or last) or (
            author.display_name and f"{first} {last}".strip() != (author.display_name)
        ):
            first, last = author.display_name or author.login, ""
        user = User(
            username=username,
            email=author.email,
            first_name=first[:150],
            last_name=last[:150],
            is_staff=True,
        )
        user.set_unusable_password()  # they choose one through password reset
        user.save()
        user.groups.add(Group.objects.get_or_create(name=AUTHORS_GROUP)[0])
        self.summary.authors["created"] += 1
        return user


def clean_username(login: str) -> str:
    """A WordPress login as a Django username (letters, digits and @.+-_, at most 150)."""
    cleaned = "".join(c if c.isalnum() or c in "@.+-_" else "_" for c in login.strip())
    return cleaned[:150] or "wordpress"


def tag_names(item: wxr.Item) -> list[str]:
    """Categories (each under its own name, nested or not) and tags; 'Uncategorized' dropped."""
    names: dict[str, str] = {}
    for domain, slug, name in item.categories:
        if domain not in ("category", "post_tag") or not name:
            continue
        if domain == "category" and slug.lower() in IGNORED_CATEGORIES:
            continue
        names.setdefault(name.lower(), name[:TAG_MAX_LENGTH])
    return list(names.values())


def in_thread_order(comments: list[wxr.Comment]) -> list[wxr.Comment]:
    """Parents before their replies, whatever order the export lists them in."""
    ids = {c.wp_id for c in comments}
    done: set[int] = set()
    ordered, waiting = [], list(comments)
    while waiting:
        ready = [c for c in waiting if not c.parent or c.parent not in ids or c.parent in done]
        if not ready:  # a cycle: let the rest start threads of their own
            ordered.extend(waiting)
            break
        ordered.extend(ready)
        done.update(c.wp_id for c in ready)
        waiting = [c for c in waiting if c.wp_id not in done]
    return ordered


def thumbnail_id(item: wxr.Item) -> int:
    """The attachment id of the item's featured image; 0 for none."""
    value = item.meta.get("_thumbnail_id", "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else 0


def valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()


def item_source(item: wxr.Item, options: Options) -> dict:
    """What of an item shapes the post we make (comments are compared one by one)."""
    data = {k: v for k, v in item.__dict__.items() if k != "comments"}
    data["with_media"] = options.media_dir is not None or options.fetch_media
    return data


def post_fingerprint(post: Post) -> str:
    """What an editor may change here; compared to tell 'edited here' from 'as imported'."""
    return fingerprint(
        [
            post.title,
            post.slug,
            post.body,
            post.summary,
            post.status,
            post.publish_at,
            post.comments_enabled,
            post.author_id,
            post.cover_image.name or "",
            post.cover_image_alt,
            sorted(name.lower() for name in post.tags.names()),
            # Only when set, so that posts imported before posts could be pinned keep their hash.
            *(["pinned"] if post.pinned else []),
        ]
    )


def comment_fingerprint(comment: Comment) -> str:
    return fingerprint(
        [
            comment.status,
            comment.body,
            comment.author_name,
            comment.author_email,
            comment.author_url,
            comment.parent_id,
            comment.user_id,
            comment.created,
        ]
    )
