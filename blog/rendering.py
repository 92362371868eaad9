"""Markdown to safe HTML: the one place post bodies become markup.

The HTML is computed when a post is saved, never per request, and is sanitised with nh3 whoever
wrote the Markdown: editors are trusted with formatting, not with scripts.

The parser is markdown-it-py (CommonMark): its work grows linearly with the text, so no body,
however hostile, can hold a worker for long.
"""

import math
import re
import threading
import unicodedata
from html import unescape

import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align", "scope"},
    "td": {"align"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
}
# What images.body_images adds to the sanitised body: <picture> with its <source>s, and the img's
# srcset, sizes and decoding. Allowed only in the final pass over our own output: an author's
# <picture>, <source> or srcset never gets there (the first pass, with ALLOWED_*, drops them).
RENDERED_TAGS = ALLOWED_TAGS | {"picture", "source"}
RENDERED_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "img": ALLOWED_ATTRIBUTES["img"] | {"srcset", "sizes", "decoding"},
    "source": {"type", "srcset", "sizes"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
WORDS_PER_MINUTE = 200
# The longest post body accepted (the admin's form, its preview, the importers). Rendering is
# linear in the text; at this length even hostile bodies render in under a second of CPU on a
# loaded machine (tests/test_pathological_markdown.py; figures in bench/RESULTS.md).
MAX_BODY_LENGTH = 60_000
# Deeper Markdown is not rendered: no real post nests blocks (lists in quotes in lists...) 20
# deep, or links and emphasis 10 deep. The bounds keep hostile bodies from recursing deeply, and
# the inline one also bounds the work per bracket: scanning a link's text costs up to that many
# steps for every "[" in it.
BLOCK_NESTING = 20
INLINE_NESTING = 10
# The author's own HTML tags past this many are shown as text: html5ever (in nh3) spends time
# with how deeply elements nest, and re-opens unclosed formatting elements in every block, so
# tens of thousands of raw tags could stall it. A post needs a few dozen.
MAX_RAW_HTML_TAGS = 1000
RAW_START_TAG = re.compile(r"<(?=[a-zA-Z])")
DASHES_AND_ELLIPSES = [("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")]
QUOTE = re.compile("[\"']")
QUOTE_OPENERS = "([{<\u2014\u2013-/\u2018\u201c"


def _heading_ids(state: StateCore) -> None:
    """An id on every heading, from its text: "A heading" -> "a-heading", "a-heading_1"...

    Python-Markdown's toc ids, so links to a section of a stored post keep working.
    """
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        children = state.tokens[index + 1].children or []
        title = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        slug = _slugify(title)
        base, candidate = slug, slug
        while candidate in taken or not candidate:
            next_suffix[base] = next_suffix.get(base, 0) + 1
            candidate = f"{base}_{next_suffix[base]}"
        taken.add(candidate)
        token.attrSet("id", candidate)


def _slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _typography(state: StateCore) -> None:
    """Curly quotes, dashes for --- and --, an ellipsis for ..., outside code.

    Each quote is curled by the character before it, so the work is one pass over the text:
    markdown-it's own smartquotes pairs quotes through a stack, which hostile text makes
    quadratic.
    """
    for block in state.tokens:
        before = ""
        for child in block.children or []:
            if child.type == "text":
                text = child.content
                for plain, typographic in DASHES_AND_ELLIPSES:
                    text = text.replace(plain, typographic)
                child.content = _curl_quotes(text, before)
            if child.type in ("text", "code_inline") and child.content:
                before = child.content[-1]
            elif child.type in ("softbreak", "hardbreak"):
                before = "\n"


def _curl_quotes(text: str, before: str) -> str:
    """Opening quotes after a space, the start or an opening bracket; closing ones elsewhere."""

    def curl(match: re.Match) -> str:
        start = match.start()
        previous = text[start - 1] if start else before
        opens = not previous or previous.isspace() or previous in QUOTE_OPENERS
        if match.group() == '"':
            return "\u201c" if opens else "\u201d"
        following = text[start + 1 : start + 2]
        # Closing: an apostrophe ("it's", "the '90s") or the end of a quotation.
        if not opens or not following or following.isspace() or following.isdigit():
            return "\u2019"
        return "\u2018"

    return QUOTE.sub(curl, text)


def _bound_raw_html(state: StateCore) -> None:
    """Show the author's HTML tags as text once MAX_RAW_HTML_TAGS have been passed on."""
    seen = 0

    def bound(token) -> None:
        nonlocal seen
        tags = len(RAW_START_TAG.findall(token.content))
        if seen + tags > MAX_RAW_HTML_TAGS:
            allowed = max(0, MAX_RAW_HTML_TAGS - seen)
            parts = RAW_START_TAG.split(token.content)
            token.content = "<".join(parts[: allowed + 1]) + "".join(
                "&lt;" + part for part in parts[allowed + 1 :]
            )
        seen += tags

    for block in state.tokens:
        if block.type == "html_block":
            bound(block)
        for child in block.children or []:
            if child.type == "html_inline":
                bound(child)


# Footnotes written as Python-Markdown wrote them, so stored and new bodies look alike.


def _footnote_ref(self, tokens, index, options, env) -> str:
    n = tokens[index].meta["id"] + 1
    return f'<sup id="fnref:{n}"><a class="footnote-ref" href="#fn:{n}">{n}</a></sup>'


def _footnote_open(self, tokens, index, options, env) -> str:
    return f'<li id="fn:{tokens[index].meta["id"] + 1}">'


def _footnote_anchor(self, tokens, index, options, env) -> str:
    n = tokens[index].meta["id"] + 1
    title = f"Jump back to footnote {n} in the text"
    return f'\u00a0<a class="footnote-backref" href="#fnref:{n}" title="{title}">\u21a9</a>'


def _nesting(limit: int):
    """A core rule setting markdown-it's one nesting bound for the phases that follow it."""

    def set_nesting(state: StateCore) -> None:
        state.md.options["maxNesting"] = limit

    return set_nesting


def _markdown_parser() -> MarkdownIt:
    """CommonMark with the extras posts were written with: tables, footnotes, definition lists,
    smart quotes and dashes, heading ids; raw HTML passes to nh3, which decides what stays."""
    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(footnote_plugin, inline=False)
        .use(deflist_plugin)
    )
    # One parser per thread (below), so setting its bound per phase is safe.
    parser.core.ruler.before("block", "block_nesting", _nesting(BLOCK_NESTING))
    parser.core.ruler.before("inline", "inline_nesting", _nesting(INLINE_NESTING))
    parser.core.ruler.push("typography", _typography)
    parser.core.ruler.push("heading_ids", _heading_ids)
    parser.core.ruler.push("bound_raw_html", _bound_raw_html)
    rules = parser.add_render_rule
    rules("footnote_ref", _footnote_ref)
    rules("footnote_anchor", _footnote_anchor)
    rules("footnote_block_open", lambda *args: '<div class="footnote">\n<hr>\n<ol>\n')
    rules("footnote_block_close", lambda *args: "</ol>\n</div>\n")
    rules("footnote_open", _footnote_open)
    return parser


_parsers = threading.local()


def render_markdown(text: str) -> str:
    """Render Markdown to HTML and strip anything that could run script in a reader's browser."""
    if not hasattr(_parsers, "markdown"):
        _parsers.markdown = _markdown_parser()
    html = _parsers.markdown.render(text or "").rstrip("\n")
    # h1 is the page title's; demote any in the body so each page keeps exactly one.
    html = re.sub(r"<(/?)h1(\b[^>]*)>", r"<\1h2\2>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def sanitise_rendered_body(html: str) -> str:
    """The last pass over a body's HTML once its images are served: nothing else may slip in."""
    return nh3.clean(
        html,
        tags=RENDERED_TAGS,
        attributes=RENDERED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def plain_text(html: str) -> str:
    """The text a reader sees: tags dropped and entities decoded ("&amp;" -> "&").

    The result is plain text, escaped once wherever it is shown (templates, feeds).
    """
    return re.sub(r"\s+", " ", unescape(strip_tags(html))).strip()


def summarise(html: str, words: int = 40) -> str:
    """A plain-text summary: the first paragraph, cut to `words` words."""
    first_paragraph = re.search(r"<p>(.*?)</p>", html, re.S)
    text = plain_text(first_paragraph.group(1) if first_paragraph else html)
    return Truncator(text).words(words, truncate="…")


def reading_time_minutes(html: str) -> int:
    words = len(plain_text(html).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
