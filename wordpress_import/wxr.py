"""Read a WordPress export (WXR) as a stream of authors and items, in bounded memory.

The file is parsed with defusedxml's `iterparse`: entity declarations (billion laughs) and
external references are refused, and each <item> is dropped from the tree once it has been
handed over, so a 50 MB export costs about as much memory as its largest post.
"""

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

WP_NAMESPACE = "http://wordpress.org/export/"  # + "1.0/", "1.1/" or "1.2/"
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wellformedweb.org/CommentAPI/": "wfw:",
}
# Where expat stops when the input ends mid-document.
TRUNCATION_MESSAGES = ("no element found", "unclosed token", "unclosed cdata section")


class BadExport(Exception):
    """The file is not a WordPress export we can read. The message is one line, for a person."""


@dataclass
class Site:
    title: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""


@dataclass
class Author:
    wp_id: int | None
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Comment:
    wp_id: int
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date: datetime | None = None
    content: str = ""
    approved: str = "1"
    type: str = "comment"
    parent: int = 0
    user_id: int = 0


@dataclass
class Item:
    wp_id: int
    title: str = ""
    link: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    date: datetime | None = None
    name: str = ""
    status: str = ""
    type: str = ""
    password: str = ""
    sticky: bool = False
    comment_status: str = "open"
    parent: int = 0
    attachment_url: str = ""
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # domain, slug, name
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    """What a post's featured image needs of an attachment item."""

    url: str
    alt: str = ""
    caption: str = ""

    @classmethod
    def of(cls, item: Item) -> "Attachment":
        return cls(
            url=item.attachment_url.strip(),
            alt=item.meta.get("_wp_attachment_image_alt", "").strip(),
            caption=item.excerpt.strip(),
        )


def attachments(path: Path) -> dict[int, Attachment]:
    """{attachment post id: Attachment} for the whole export, in one more pass over the file.

    A post names its featured image by the attachment's id, and WordPress usually lists the
    attachment after the post (it was uploaded while the post was being written).
    """
    return {
        thing.wp_id: Attachment.of(thing)
        for thing in WxrReader(path)
        if isinstance(thing, Item) and thing.type == "attachment" and thing.wp_id
    }


def short_name(tag: str) -> str:
    """'{http://wordpress.org/export/1.2/}post_id' -> 'wp:post_id' (any WXR version)."""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    if namespace.startswith(WP_NAMESPACE):
        return ("excerpt:" if namespace.endswith("/excerpt/") else "wp:") + local
    return PREFIXES.get(namespace, "?:") + local


def parse_gmt(value: str) -> datetime | None:
    """'2023-09-17 19:45:00' (UTC) -> aware datetime; WordPress's zero date -> None."""
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime((value or "").strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed and parsed.tzinfo else None


def _int(value: str | None) -> int:
    try:
        return int((value or "0").strip())
    except ValueError:
        return 0


class ProgressFile:
    """A binary file that reports how many bytes have been read, for the progress bar."""

    def __init__(self, file, on_read: Callable[[int], None] | None):
        self.file, self.on_read = file, on_read

    def read(self, size=-1):
        data = self.file.read(size)
        if self.on_read and data:
            self.on_read(len(data))
        return data


class WxrReader:
    """Iterate over an export's `Author`s and `Item`s; `site` fills in as the channel is read.

    Raises BadExport (one line) for anything that is not a readable WXR file.
    """

    def __init__(self, path: Path, *, on_read: Callable[[int], None] | None = None):
        self.path = Path(path)
        self.on_read = on_read
        self.site = Site()

    def __iter__(self) -> Iterator[Author | Item]:
        self._check_file()
        with self.path.open("rb") as raw:
            try:
                yield from self._read(ProgressFile(raw, self.on_read))
            except DefusedXmlException as error:
                raise BadExport(
                    "the file declares XML entities or external references "
                    f"({error.__class__.__name__}); WordPress exports never do, so it is refused "
                    "(an entity-expansion bomb?)"
                ) from None
            except ElementTree.ParseError as error:
                raise BadExport(self._describe_parse_error(error)) from None
        if not self.site.wxr_version:
            raise BadExport(self._not_wxr("it has no <wp:wxr_version>"))

    def _check_file(self):
        if not self.path.exists():
            raise BadExport(f"{self.path}: no such file")
        if not self.path.is_file():
            raise BadExport(f"{self.path}: not a file")
        with self.path.open("rb") as file:
            head = file.read(4)
        if not head.strip():
            raise BadExport(f"{self.path}: the file is empty")
        if head[:2] == b"\x1f\x8b" or head == b"PK\x03\x04":
            raise BadExport(f"{self.path}: a compressed file; unpack it and import the .xml inside")

    def _read(self, source) -> Iterator[Author | Item]:
        depth = 0
        channel = None
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1 and element.tag != "rss":
                    raise BadExport(self._not_wxr(f"its root element is <{element.tag}>"))
                if depth == 2 and element.tag == "channel":
                    channel = element
                continue
            depth -= 1
            if depth != 2 or channel is None:
                continue
            name = short_name(element.tag)
            if name in ("wp:author", "item") and not self.site.wxr_version:
                raise BadExport(self._not_wxr("it has no <wp:wxr_version> before its items"))
            if name == "item":
                yield read_item(element)
            elif name == "wp:author":
                yield read_author(element)
            else:
                self._read_channel_field(name, element)
            channel.remove(element)  # keeps memory bounded: the tree never holds more than this

    def _read_channel_field(self, name: str, element):
        text = (element.text or "").strip()
        if name == "title":
            self.site.title = text
        elif name == "wp:wxr_version":
            self.site.wxr_version = text
        elif name == "wp:base_site_url":
            self.site.base_site_url = text.rstrip("/")
        elif name == "wp:base_blog_url":
            self.site.base_blog_url = text.rstrip("/")
        elif name == "link" and not self.site.base_site_url:
            self.site.base_site_url = text.rstrip("/")

    def _not_wxr(self, why: str) -> str:
        return f"{self.path}: not a WordPress export (WXR) file: {why}"

    def _describe_parse_error(self, error: ElementTree.ParseError) -> str:
        line, column = getattr(error, "position", (0, 0))
        message = str(error).split(":")[0]
        if message.lower() in TRUNCATION_MESSAGES:
            return (
                f"{self.path}: the file ends before the export does (line {line}, column "
                f"{column}: {message}); it looks truncated, export it again"
            )
        return f"{self.path}: malformed XML at line {line}, column {column}: {message}"


def _text(element, name: str) -> str:
    for child in element:
        if short_name(child.tag) == name:
            return child.text or ""
    return ""


def read_author(element) -> Author:
    fields = {short_name(child.tag): (child.text or "").strip() for child in element}
    return Author(
        wp_id=_int(fields.get("wp:author_id")) or None,
        login=fields.get("wp:author_login", ""),
        email=fields.get("wp:author_email", ""),
        display_name=fields.get("wp:author_display_name", ""),
        first_name=fields.get("wp:author_first_name", ""),
        last_name=fields.get("wp:author_last_name", ""),
    )


def read_item(element) -> Item:
    item = Item(wp_id=0)
    pub_date = post_date = ""
    for child in element:
        name, text = short_name(child.tag), child.text or ""
        if name == "category":
            domain = child.get("domain", "")
            item.categories.append((domain, child.get("nicename", ""), text.strip()))
        elif name == "wp:postmeta":
            item.meta[_text(child, "wp:meta_key")] = _text(child, "wp:meta_value")
        elif name == "wp:comment":
            item.comments.append(read_comment(child))
        elif name in ITEM_FIELDS:
            setattr(item, ITEM_FIELDS[name], text)
        elif name == "wp:post_id":
            item.wp_id = _int(text)
        elif name == "wp:post_parent":
            item.parent = _int(text)
        elif name == "wp:is_sticky":
            item.sticky = text.strip() == "1"
        elif name == "wp:post_date_gmt":
            item.date = parse_gmt(text)
        elif name == "wp:post_date":
            post_date = text
        elif name == "pubDate":
            pub_date = text
    # Drafts carry a zero GMT date; published items then fall back to the RSS date.
    if item.date is None and item.status not in ("draft", "pending", "auto-draft"):
        item.date = parse_rfc822(pub_date) or parse_gmt(post_date)
    item.title = item.title.strip()
    return item


ITEM_FIELDS = {
    "title": "title",
    "link": "link",
    "dc:creator": "creator",
    "content:encoded": "content",
    "excerpt:encoded": "excerpt",
    "wp:post_name": "name",
    "wp:status": "status",
    "wp:post_type": "type",
    "wp:post_password": "password",
    "wp:comment_status": "comment_status",
    "wp:attachment_url": "attachment_url",
}


def read_comment(element) -> Comment:
    fields = {short_name(child.tag): child.text or "" for child in element}
    return Comment(
        wp_id=_int(fields.get("wp:comment_id")),
        author=fields.get("wp:comment_author", "").strip(),
        author_email=fields.get("wp:comment_author_email", "").strip(),
        author_url=fields.get("wp:comment_author_url", "").strip(),
        author_ip=fields.get("wp:comment_author_IP", "").strip(),
        date=parse_gmt(fields.get("wp:comment_date_gmt", ""))
        or parse_gmt(fields.get("wp:comment_date", "")),
        content=fields.get("wp:comment_content", ""),
        approved=fields.get("wp:comment_approved", "1").strip(),
        type=fields.get("wp:comment_type", "").strip() or "comment",
        parent=_int(fields.get("wp:comment_parent")),
        user_id=_int(fields.get("wp:comment_user_id")),
    )
