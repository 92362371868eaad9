"""Searching published posts: PostgreSQL full-text search, or a plain substring match elsewhere.

On PostgreSQL, title, summary and body are weighted A, B and C in a stored,
indexed document (Post.search_vector), the visitor's words are read as
a web search (websearch_to_tsquery: quotes, OR and -word work; no input is a syntax error), and
results come best first with a highlighted snippet of the body. On SQLite every word must occur
somewhere in the post; results come newest first with the words highlighted in the summary.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SEARCH_CONFIG = "english"
MAX_WORDS = 10  # the SQLite fallback's LIKE clauses
# Private-use characters mark the highlights in raw text; they become <mark> after escaping.
START, STOP = "\ue000", "\ue001"


def search_posts(posts, terms: str):
    """`posts` matching `terms`, best first; each result has `.headline` (raw, with marks)."""
    if connections[posts.db].vendor == "postgresql":
        return _full_text(posts, terms)
    return _substring(posts, terms)


def _full_text(posts, terms):
    # The stored document (Post.search_vector, kept by a trigger, GIN-indexed): nothing is
    # computed per post but the rank and the headline of the matching ones.
    vector = F("search_vector")
    query = SearchQuery(terms, search_type="websearch", config=SEARCH_CONFIG)
    headline = SearchHeadline(
        "body",
        query,
        config=SEARCH_CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=40,
        min_words=20,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    return (
        posts.filter(search_vector=query)
        .annotate(rank=SearchRank(vector, query))
        .annotate(headline=headline)
        .order_by("-rank", "-publish_at", "-pk")
    )


def words_of(terms: str) -> list[str]:
    """The words of a query, without the quotes and brackets people type around them."""
    words = (word.strip("\"'()[]{}+-") for word in terms.split())
    return [word for word in words if word][:MAX_WORDS]


def _substring(posts, terms):
    words = words_of(terms)
    if not words:
        return posts.none()
    for word in words:
        posts = posts.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    return posts.order_by("-publish_at", "-pk")


def snippet(post, terms: str) -> SafeString:
    """The text to show under a result, with the matched words in <mark>, safely escaped."""
    raw = getattr(post, "headline", None)
    if raw is None:
        raw = _mark_words(post.summary, words_of(terms))
    html = escape(raw).replace(START, "<mark>").replace(STOP, "</mark>")
    if html.count("<mark>") != html.count("</mark>"):  # the post itself contained a marker
        html = escape(raw.replace(START, "").replace(STOP, ""))
    return mark_safe(html)  # escaped above; only <mark> added


def _mark_words(text: str, words: list[str]) -> str:
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: START + m.group(0) + STOP, text)
