"""WordPress post and comment markup to what we store: Markdown source and plain comment text.

Both editors' markup comes in. Classic posts get paragraphs from blank lines (what WordPress's
wpautop does on display); block posts lose their block comments. `[caption]` becomes a figure,
other shortcodes stay as text and are reported. Scripts and styles are dropped here, and the
result is rendered and sanitised again by `Post.save()` like every post.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from bs4 import BeautifulSoup, NavigableString, Tag
from markdownify import MarkdownConverter

from blog.rendering import plain_text, render_markdown

MORE_TAG = re.compile(r"<!--\s*more\b.*?-->", re.I | re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
BLOCK_EDITOR = re.compile(r"<!--\s*wp:")
CAPTION = re.compile(
    r"\[(?:wp_)?caption\b(?P<attrs>[^\]]*)\](?P<body>.*?)\[/(?:wp_)?caption\]", re.I | re.S
)
SHORTCODE = re.compile(r"\[(?P<name>[a-zA-Z][\w-]*)(?:\s[^\]\[]*)?/?\](?!\()")
ATTRIBUTE = re.compile(r"(\w+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))")
PRE_BLOCK = re.compile(r"<pre\b.*?</pre>", re.I | re.S)
# wpautop's list of block elements: never wrapped in <p>.
BLOCK_TAGS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
    "area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|"
    "hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|video|audio"
)
BLOCK_OPEN = re.compile(rf"(<(?:{BLOCK_TAGS})[\s/>])", re.I)
BLOCK_CLOSE = re.compile(rf"(</(?:{BLOCK_TAGS})>)", re.I)
STARTS_WITH_BLOCK = re.compile(rf"</?(?:{BLOCK_TAGS})[\s/>]", re.I)
WP_IMAGE_CLASS = re.compile(r"wp-image-(\d+)")
IMAGE_CLASSES = {**nh3.ALLOWED_ATTRIBUTES, "img": {*nh3.ALLOWED_ATTRIBUTES["img"], "class"}}
# Kept as text (with a report) rather than guessed at: their output needs the plugin.
CAPTION_TAGS = {"a", "em", "strong", "i", "b", "code", "br"}


@dataclass
class Image:
    src: str
    alt: str
    caption: str = ""
    leads: bool = False  # the post opens with it: a cover would show it twice
    block: Tag | None = field(default=None, repr=False)
    original: str = ""  # its src in the export, before rewrite_url
    wp_id: int = 0  # the attachment it shows, from WordPress's class="wp-image-<id>"


class PostContent:
    """A WordPress post body, parsed once: its images (URLs rewritten), summary and Markdown."""

    def __init__(
        self, content: str, *, excerpt: str = "", rewrite_url: Callable[[str], str] | None = None
    ):
        content = (content or "").replace("\r\n", "\n").replace("\r", "\n")
        parts = MORE_TAG.split(content, maxsplit=1)
        body_html = prepare_html(content)
        self.unknown_shortcodes = sorted(
            {m["name"].lower() for m in SHORTCODE.finditer(_outside_tags(body_html))}
        )
        self.soup = BeautifulSoup(body_html, "html.parser")
        self.images = _collect_images(self.soup, rewrite_url)
        self.summary = plain_text(html.unescape(excerpt)) if excerpt.strip() else ""
        if not self.summary and len(parts) > 1:
            self.summary = plain_text(render_markdown(to_markdown(prepare_html(parts[0]))))

    def markdown(self, *, without: Image | None = None) -> str:
        """The body as Markdown; `without` an image that leads it (it became the cover)."""
        if without is not None and without.leads and without.block is not None:
            without.block.decompose()
            without.block = None
        return to_markdown(self.soup)


def prepare_html(content: str) -> str:
    """Block comments and the more tag out, captions into figures, paragraphs for classic posts,
    and anything that could run script removed."""
    block_editor = bool(BLOCK_EDITOR.search(content))
    content = CAPTION.sub(_caption_to_figure, content)
    content = HTML_COMMENT.sub("", content)
    if not block_editor:
        content = wpautop(content)
    # Drops <script>, <style> and their contents, event handlers and javascript: URLs. An image
    # keeps its classes, which name the attachment it shows (wp-image-<id>).
    return nh3.clean(content, link_rel=None, strip_comments=True, attributes=IMAGE_CLASSES)


def _caption_to_figure(match: re.Match) -> str:
    attrs = _attributes(match["attrs"])
    body = match["body"].strip()
    media = re.match(r"\s*(<a\b[^>]*>\s*<img\b[^>]*>\s*</a>|<img\b[^>]*>)", body, re.I | re.S)
    if not media:
        return body
    caption = body[media.end() :].strip() or attrs.get("caption", "")
    return f"\n\n<figure>{media.group(1)}<figcaption>{caption}</figcaption></figure>\n\n"


def _attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in ATTRIBUTE.finditer(text or "")}


def wpautop(text: str) -> str:
    """Paragraphs from blank lines and <br> from single newlines, as WordPress's wpautop does.

    Block elements are never wrapped, and <pre> is left exactly as written.
    """
    if not text.strip():
        return ""
    stash: dict[str, str] = {}

    def keep(match: re.Match) -> str:
        key = f"<pre wp-pre-{len(stash)}></pre>"
        stash[key] = match.group(0)
        return key

    text = PRE_BLOCK.sub(keep, text)
    text = BLOCK_OPEN.sub(r"\n\n\1", text)
    text = BLOCK_CLOSE.sub(r"\n\n\1\n\n", text)
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if STARTS_WITH_BLOCK.match(chunk):
            out.append(_wrap_after_container(chunk))
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br />\n", chunk) + "</p>")
    result = "\n".join(out)
    for key, original in stash.items():
        result = result.replace(key, original)
    return result


def _wrap_after_container(chunk: str) -> str:
    """'<blockquote>Text' -> '<blockquote><p>Text</p>': text opening a quote is a paragraph."""
    match = re.match(r"(<blockquote\b[^>]*>)(.+)", chunk, re.I | re.S)
    if not match or STARTS_WITH_BLOCK.match(match[2].strip()):
        return chunk
    return match[1] + "<p>" + re.sub(r"\s*\n\s*", "<br />\n", match[2].strip()) + "</p>"


def _outside_tags(text: str) -> str:
    return re.sub(r"<[^>]*>", " ", text)


def _collect_images(soup: BeautifulSoup, rewrite_url) -> list[Image]:
    """The images in document order, with URLs rewritten (copied media) when asked."""
    images = []
    first_block = next((c for c in soup.children if isinstance(c, Tag)), None)
    for tag in soup.find_all(["img", "a"]):
        attribute = "src" if tag.name == "img" else "href"
        original = tag.get(attribute) or ""
        if rewrite_url and tag.get(attribute):
            tag[attribute] = rewrite_url(tag[attribute])
        if tag.name != "img" or not tag.get("src"):
            continue
        figure = tag.find_parent("figure")
        caption = figure.find("figcaption") if figure else None
        leads = first_block is not None and (tag is first_block or tag in first_block.descendants)
        images.append(
            Image(
                src=tag["src"],
                alt=(tag.get("alt") or "").strip(),
                caption=caption.get_text(" ", strip=True) if caption else "",
                leads=leads and not _text_before(tag, first_block),
                block=first_block if leads else None,
                original=original,
                wp_id=_attachment_id(tag),
            )
        )
    return images


def _attachment_id(img: Tag) -> int:
    ids = [int(m[1]) for name in img.get("class", []) if (m := WP_IMAGE_CLASS.fullmatch(name))]
    return ids[0] if ids else 0


def _text_before(tag: Tag, block: Tag) -> bool:
    for element in block.descendants:
        if element is tag:
            return False
        if isinstance(element, NavigableString) and element.strip():
            return True
    return False


class _Converter(MarkdownConverter):
    """markdownify, plus figures with captions kept as HTML (Markdown has no caption syntax)."""

    def convert_figure(self, el, text, parent_tags):
        caption = el.find("figcaption")
        media = el.find("img")
        if caption is None or media is None:
            return text
        image = f'<img src="{html.escape(media["src"])}" alt="{html.escape(media.get("alt", ""))}">'
        link = media.find_parent("a")
        if link is not None and link.get("href"):
            image = f'<a href="{html.escape(link["href"])}">{image}</a>'
        caption_html = nh3.clean(caption.decode_contents(), tags=CAPTION_TAGS, link_rel=None)
        return f"\n\n<figure>{image}<figcaption>{caption_html.strip()}</figcaption></figure>\n\n"


def to_markdown(soup_or_html) -> str:
    soup = (
        soup_or_html
        if isinstance(soup_or_html, BeautifulSoup)
        else BeautifulSoup(soup_or_html, "html.parser")
    )
    converter = _Converter(heading_style="atx", bullets="-", table_infer_header=True)
    markdown = converter.convert_soup(soup)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


def comment_text(content: str) -> str:
    """A comment's HTML as the plain text our comments store: links become their URLs (which
    the comment renderer links with rel="nofollow ugc"), paragraphs and line breaks stay."""
    soup = BeautifulSoup(content or "", "html.parser")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    for link in soup.find_all("a"):
        href = (link.get("href") or "").strip()
        label = link.get_text(" ", strip=True)
        if not href.lower().startswith(("http://", "https://")):
            link.replace_with(label)
        elif not label or label.rstrip("/") == href.rstrip("/"):
            link.replace_with(f" {href} ")
        else:
            link.replace_with(f"{label} ({href})")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "blockquote", "li"]):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    text = soup.get_text()
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
