"""Comment text to HTML: everything escaped, bare URLs linked with rel="nofollow ugc noopener"."""

import re

from django.utils.html import urlize

LINK_REL = 'rel="nofollow ugc noopener"'
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def render_comment(text: str) -> str:
    """Escape the visitor's text, link URLs and keep paragraphs; never trust any HTML in it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in PARAGRAPH_BREAK.split(text) if p.strip()]
    html = []
    for paragraph in paragraphs:
        linked = urlize(paragraph, trim_url_limit=60, nofollow=True, autoescape=True)
        # Safe: the visitor's own quotes are escaped by now, so only urlize's rel can match.
        linked = linked.replace('rel="nofollow"', LINK_REL)
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "\n".join(html)
