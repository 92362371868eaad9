"""Comment text to HTML: everything escaped, bare URLs linked with rel="nofollow ugc noopener"."""

from django.utils.html import urlize

LINK_REL = 'rel="nofollow ugc noopener"'


def render_comment(text: str) -> str:
    """Escape the visitor's text, link URLs and keep paragraphs; never trust any HTML in it."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    html = []
    for paragraph in paragraphs:
        linked = urlize(paragraph, trim_url_limit=60, nofollow=True, autoescape=True)
        linked = linked.replace('rel="nofollow"', LINK_REL)
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "\n".join(html)
