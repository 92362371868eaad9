"""Markdown to safe HTML: the one place post bodies become markup.

The HTML is computed when a post is saved, never per request, and is sanitised with nh3 whoever
wrote the Markdown: editors are trusted with formatting, not with scripts.
"""

import math
import re
from html import unescape

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator

MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty", "toc"]

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
# What blog.body_images adds to the sanitised body: <picture> with its <source>s, and the img's
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


def render_markdown(text: str) -> str:
    """Render Markdown to HTML and strip anything that could run script in a reader's browser."""
    html = markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
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
