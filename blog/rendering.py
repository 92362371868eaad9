"""Markdown to safe HTML, on save: sanitised with nh3 whoever wrote it (editors are trusted with
formatting, not scripts), by a parser linear in the text, so no hostile body holds a worker long."""

import math
import re
import threading
import unicodedata
from functools import partial
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
    **dict.fromkeys(("h2", "h3", "h4"), {"id"}),
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
}
# What images.body_images adds, allowed only in the final pass over our own output: the first
# pass (ALLOWED_*) drops an author's <picture>, <source> or srcset.
RENDERED_TAGS = ALLOWED_TAGS | {"picture", "source"}
RENDERED_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "img": ALLOWED_ATTRIBUTES["img"] | {"srcset", "sizes", "decoding"},
    "source": {"type", "srcset", "sizes"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
WORDS_PER_MINUTE = 200
# The longest post body accepted: even hostile bodies this long render in under a second of CPU
# (tests/test_pathological_markdown.py).
MAX_BODY_LENGTH = 60_000
# Deeper Markdown is not rendered (no real post nests so deep): the bounds keep hostile bodies
# from recursing deeply, and the inline one bounds the work a link's text costs per "[" in it.
BLOCK_NESTING = 20
INLINE_NESTING = 10
# The author's own HTML tags past this many are shown as text: html5ever (in nh3) re-opens
# unclosed formatting elements in every block, so tens of thousands of raw tags could stall it.
MAX_RAW_HTML_TAGS = 1000
RAW_START_TAG = re.compile(r"<(?=[a-zA-Z])")
DASHES_AND_ELLIPSES = [("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")]
QUOTE = re.compile("[\"']")
QUOTE_OPENERS = "([{<\u2014\u2013-/\u2018\u201c"


def _heading_ids(state: StateCore) -> None:
    """Python-Markdown's toc ids ("a-heading", "a-heading_1"), so links to a section still work."""
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        children = state.tokens[index + 1].children or []
        title = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        base = candidate = _slugify(title)
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
    """Curly quotes, dashes and ellipses outside code. Each quote is curled by the character
    before it: markdown-it's smartquotes pairs them through a stack, quadratic on hostile text."""
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
    seen = 0
    for block in state.tokens:
        for token in [block, *(block.children or [])]:
            if token.type not in ("html_block", "html_inline"):
                continue
            tags = len(RAW_START_TAG.findall(token.content))
            if seen + tags > MAX_RAW_HTML_TAGS:
                allowed = max(0, MAX_RAW_HTML_TAGS - seen)
                parts = RAW_START_TAG.split(token.content)
                token.content = "<".join(parts[: allowed + 1]) + "".join(
                    "&lt;" + part for part in parts[allowed + 1 :]
                )
            seen += tags


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


def _set_nesting(limit: int, state: StateCore) -> None:
    state.md.options["maxNesting"] = limit


def _markdown_parser() -> MarkdownIt:
    """CommonMark with the extras posts were written with; raw HTML passes to nh3."""
    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(footnote_plugin, inline=False)
        .use(deflist_plugin)
    )
    # One parser per thread (below), so setting its bound per phase is safe.
    parser.core.ruler.before("block", "block_nesting", partial(_set_nesting, BLOCK_NESTING))
    parser.core.ruler.before("inline", "inline_nesting", partial(_set_nesting, INLINE_NESTING))
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
    """Markdown to HTML without anything that could run script in a reader's browser."""
    if not hasattr(_parsers, "markdown"):
        _parsers.markdown = _markdown_parser()
    html = _parsers.markdown.render(text or "").rstrip("\n")
    # h1 is the page title's; demote any in the body so each page keeps exactly one.
    html = re.sub(r"<(/?)h1(\b[^>]*)>", r"<\1h2\2>", html)
    return _clean(html, ALLOWED_TAGS, ALLOWED_ATTRIBUTES)


def sanitise_rendered_body(html: str) -> str:
    """The last pass over a body's HTML once its images are served: nothing else may slip in."""
    return _clean(html, RENDERED_TAGS, RENDERED_ATTRIBUTES)


def _clean(html: str, tags: set[str], attributes: dict) -> str:
    return nh3.clean(
        html, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES, link_rel=LINK_REL
    )


def plain_text(html: str) -> str:
    """Tags dropped and entities decoded: plain text, escaped once wherever it is shown."""
    return re.sub(r"\s+", " ", unescape(strip_tags(html))).strip()


def summarise(html: str, words: int = 40) -> str:
    """A plain-text summary: the first paragraph, cut to `words` words."""
    first_paragraph = re.search(r"<p>(.*?)</p>", html, re.S)
    text = plain_text(first_paragraph.group(1) if first_paragraph else html)
    return Truncator(text).words(words, truncate="…")


def reading_time_minutes(html: str) -> int:
    words = len(plain_text(html).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
