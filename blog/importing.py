"""Files to posts: Markdown with YAML front matter, and text scraped from old blog pages."""

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import frontmatter
import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from blog import revisions
from blog.models import Post
from blog.rendering import MAX_BODY_LENGTH, render_markdown, summarise

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
IMPORTABLE_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES

# What the old blog platform printed around every article (compared after `_normalise()`).
PAGE_CHROME = {
    "back to blog",
    "leave a comment",
    "please note, comments need to be approved before they are published",
    "please note, comments must be approved before they are published",
}
HEADING_MAX_LENGTH = 100
# A line ending in one of these is no heading; not "?": section titles are often questions.
SENTENCE_ENDINGS = (".", "!", ",", ";", ":", "…")
CLOSING_QUOTES = "\"'”’)]"
LIST_ITEM = re.compile(r"(?:(?P<bullet>[-*•·])|(?P<number>\d{1,3})[.)])\s+(?P<text>\S.*)")
# Characters that Markdown would read as markup in plain text, and line starts that begin a block.
INLINE_MARKUP = re.compile(r"([\\`*_\[\]])")
BLOCK_MARKUP = re.compile(r"(?P<number>\d+)(?=\.\s)|[#>+-]")
TAG_MAX_LENGTH = 100  # taggit's Tag.name
# "1." for every item: Markdown numbers ordered lists itself.
BLOCK_PREFIX = {"heading": "## ", "paragraph": "", "bullet": "- ", "number": "1. "}
COPIED_FIELDS = ("title", "body", "status")  # from the file to the post as they are


class BadFile(Exception):
    """A file that cannot become a post. The message says why, for the person running the import."""


@dataclass
class ParsedPost:
    title: str
    body: str
    slug: str = ""
    status: str = Post.Status.PUBLISHED
    publish_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    author: str = ""
    summary: str = ""


@dataclass
class ImportResult:
    post: Post
    action: str  # "created", "updated" or "unchanged"


def expand_paths(paths) -> list[Path]:
    """Files to import, in order; other paths are kept as given so `import_file()` reports them."""
    files = []
    for given in map(Path, paths):
        if given.is_dir():
            files.extend(
                path
                for path in sorted(given.rglob("*"))
                if path.is_file()
                and path.suffix.lower() in IMPORTABLE_SUFFIXES
                and not path.name.startswith(".")  # editor swap and lock files
            )
        else:
            files.append(given)
    return list(dict.fromkeys(files))


def import_file(path: Path, *, author=None) -> ImportResult:
    """Create or update the post a file describes, matched by slug; raises BadFile."""
    parsed = parse_file(path)
    with transaction.atomic():
        return save_post(parsed, author=author, source=path.name)


def parse_file(path: Path) -> ParsedPost:
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        parsed = parse_markdown(text)
    elif suffix in TEXT_SUFFIXES:
        parsed = parse_scraped_text(text)
    else:
        raise BadFile(f"unsupported file type; import {', '.join(IMPORTABLE_SUFFIXES)} files")
    if len(parsed.body) > MAX_BODY_LENGTH:
        raise BadFile(
            f"the body has {len(parsed.body):,} characters; a post takes at most "
            f"{MAX_BODY_LENGTH:,}: split it into several posts"
        )
    parsed.slug = parsed.slug or slugify(parsed.title)[:200].strip("-") or slugify(path.stem)
    if not parsed.slug:
        raise BadFile("no slug can be made from the title; add 'slug:' to the front matter")
    return parsed


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadFile("no such file") from None
    except OSError as exc:
        raise BadFile(f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise BadFile("the file is empty")
    if b"\x00" in data:
        raise BadFile("binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_markdown(text: str) -> ParsedPost:
    """A leading `# Title` heading is dropped from the body: the page prints the title as its h1."""
    try:
        metadata, content = frontmatter.parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise BadFile(f"front matter is not valid YAML: {problem}{where}") from None
    except ValueError as exc:  # YAML that parses but holds an impossible date, like 2025-02-30
        raise BadFile(f"front matter has an impossible value: {exc}") from None
    meta = metadata if isinstance(metadata, dict) else {}
    title = _text(meta.get("title"))
    content = content.strip()
    first_line, _, rest = content.partition("\n")
    heading = re.fullmatch(r"#\s+(.+?)(?:\s+#+)?\s*", first_line)
    if heading and (not title or _normalise(heading.group(1)) == _normalise(title)):
        title = title or heading.group(1).strip()
        content = rest.strip()
    if not title:
        raise BadFile("no title: add 'title:' to the front matter or start with a '# ' heading")
    if not content:
        raise BadFile("no body text after the title")
    return ParsedPost(
        title=title,
        body=content,
        slug=_text(meta.get("slug")),
        status=_status(meta.get("status")),
        publish_at=_publish_at(meta.get("date")),
        tags=_tags(meta.get("tags")),
        author=_text(meta.get("author")),
        summary=_text(meta.get("summary")),
    )


def parse_scraped_text(text: str) -> ParsedPost:
    """Plain text copied from a web page: the first line is the title, the rest becomes Markdown."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    title = next((line for line in lines if line), "")
    # A repeated title becomes a blank line, so it still separates what was around it.
    lines = ["" if _normalise(line) == _normalise(title) else line for line in lines]
    body = _to_markdown(_blocks(_strip_chrome(lines)))
    if not body:
        raise BadFile("only a title, no article text")
    return ParsedPost(title=title, body=body)


def _strip_chrome(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and (not lines[start] or _normalise(lines[start]) in PAGE_CHROME):
        start += 1
    while end > start and (not lines[end - 1] or _normalise(lines[end - 1]) in PAGE_CHROME):
        end -= 1
    return lines[start:end]


def _blocks(lines: list[str]) -> list[tuple[str, str]]:
    """(kind, text) pairs. A heading is a short line alone between blank lines, not ending a
    sentence, followed by more text; other lines are wrapped text up to one ending a sentence."""
    runs = [list(run) for nonblank, run in itertools.groupby(lines, key=bool) if nonblank]
    blocks = []
    for index, run in enumerate(runs):
        is_last = index == len(runs) - 1
        if len(run) == 1 and not is_last and _looks_like_heading(run[0]):
            blocks.append(("heading", run[0]))
        else:
            blocks.extend(_paragraphs(run))
    return blocks


def _paragraphs(run: list[str]) -> list[tuple[str, str]]:
    blocks, pending = [], []
    for line in run:
        item = LIST_ITEM.fullmatch(line)
        if not item:
            pending.append(line)
        if pending and (item or _ends_sentence(line)):
            blocks.append(("paragraph", " ".join(pending)))
            pending = []
        if item:
            blocks.append(("bullet" if item["bullet"] else "number", item["text"]))
    if pending:
        blocks.append(("paragraph", " ".join(pending)))
    return blocks


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= HEADING_MAX_LENGTH
        and not _ends_sentence(line)
        and any(char.isalpha() for char in line)
        and not LIST_ITEM.fullmatch(line)
    )


def _ends_sentence(line: str) -> bool:
    return line.rstrip(CLOSING_QUOTES).endswith(SENTENCE_ENDINGS)


def _to_markdown(blocks: list[tuple[str, str]]) -> str:
    parts, previous = [], None
    for kind, text in blocks:
        text = BLOCK_PREFIX[kind] + _escape_markdown(text)
        # Items of one list stay together; everything else is its own block.
        separator = "\n" if kind == previous and kind in ("bullet", "number") else "\n\n"
        parts.append(separator + text if parts else text)
        previous = kind
    return "".join(parts)


def _escape_markdown(text: str) -> str:
    text = INLINE_MARKUP.sub(r"\\\1", text).replace("<", "&lt;")
    start = BLOCK_MARKUP.match(text)
    if start is None:
        return text
    if start["number"]:  # "2025. A year" must not start a numbered list
        return f"{start['number']}\\{text[start.end() :]}"
    return f"\\{text}"


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold().strip("←→ ").rstrip(".")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _status(value) -> str:
    status = _text(value).lower() or Post.Status.PUBLISHED
    if status not in Post.Status.values:
        raise BadFile(f"status must be one of {', '.join(Post.Status.values)}, not {value!r}")
    return status


def _publish_at(value) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value
    if not isinstance(value, date):  # text (a datetime is a date too)
        try:
            moment = parse_datetime(str(value).strip()) or parse_date(str(value).strip())
        except ValueError:  # well-formed but impossible, like 2025-02-30
            moment = None
        if moment is None:
            raise BadFile(f"date {value!r} is not a date; write YYYY-MM-DD or YYYY-MM-DD HH:MM")
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _tags(value) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    tags = list(dict.fromkeys(_text(item) for item in items if _text(item)))
    if too_long := [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]:
        raise BadFile(f"tag {too_long[0][:20]!r}... is over {TAG_MAX_LENGTH} characters")
    return tags


def save_post(parsed: ParsedPost, *, author=None, source: str = "") -> ImportResult:
    """Create or update the post with this slug; an unchanged one is left alone, so re-imports
    (and `load_demo`) add no revision and leave `updated` as it was."""
    post = Post.objects.filter(slug=parsed.slug).first()
    chosen_author = _choose_author(parsed.author, default=author, existing=post)
    if post is not None and _is_unchanged(post, parsed, chosen_author):
        return ImportResult(post=post, action="unchanged")
    action = "created" if post is None else "updated"
    post = post or Post(slug=parsed.slug)
    for name in COPIED_FIELDS:
        setattr(post, name, getattr(parsed, name))
    post.author = chosen_author
    post.summary = parsed.summary  # empty: save() derives it from the body again
    if parsed.publish_at is not None:
        post.publish_at = parsed.publish_at
    try:
        post.full_clean()
    except ValidationError as exc:
        problems = (f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
        raise BadFile("; ".join(problems)) from None
    post.save()
    post.tags.set(parsed.tags)
    note = f"{'Imported' if action == 'created' else 'Re-imported'} from {source or 'a file'}"
    revisions.record(post=post, user=post.author, note=note[:200])
    return ImportResult(post=post, action=action)


def _choose_author(username: str, *, default, existing: Post | None):
    """Front matter, else --author, else the post's current author, else the first superuser."""
    User = get_user_model()
    if username:
        try:
            return User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise BadFile(f"author {username!r} has no account here; create it first") from None
    if default is not None:
        return default
    if existing is not None:
        return existing.author
    superusers = User._default_manager.filter(is_superuser=True, is_active=True)
    if first_superuser := superusers.order_by("pk").first():
        return first_superuser
    raise BadFile(
        "no author: add 'author:' to the front matter, pass --author, or create a superuser"
    )


def _is_unchanged(post: Post, parsed: ParsedPost, author) -> bool:
    expected_summary = parsed.summary or summarise(render_markdown(parsed.body))
    return (
        all(getattr(post, name) == getattr(parsed, name) for name in COPIED_FIELDS)
        and post.author_id == author.pk
        and (parsed.publish_at is None or post.publish_at == parsed.publish_at)
        and post.summary == expected_summary
        and set(post.tags.names()) == set(parsed.tags)
    )
