"""Searching published posts: PostgreSQL full-text search (a web search syntax, best first, with
a snippet of the body), or SQLite's FTS5 (every word a prefix, newest first, the summary marked).
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SEARCH_CONFIG = "english"
MAX_WORDS = 10  # the SQLite path's FTS5 terms
MIN_PREFIX = 3  # shorter words match whole words: a one-letter prefix reads most of the index
# What FTS5's unicode61 tokenizer keeps in a token: letters and digits (not "_").
TOKEN = re.compile(r"[^\W_]+")
# Private-use characters mark the highlights in raw text; they become <mark> after escaping.
START, STOP = "\ue000", "\ue001"


def search_posts(posts, terms: str):
    """`posts` matching `terms`; on PostgreSQL each has `.headline` (raw, with marks)."""
    if connections[posts.db].vendor == "postgresql":
        return _full_text(posts, terms)
    return _indexed(posts, terms)


def _full_text(posts, terms):
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
    # The stored, GIN-indexed document: only the matches' rank and headline are computed.
    return (
        posts.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query), headline=headline)
        .order_by("-rank", "-publish_at", "-pk")
    )


def fts5_query(terms: str) -> str:
    """The words, all required, each quoted as an FTS5 string of letters and digits only, so
    nothing a visitor types (quotes, NEAR, AND/OR/NOT, *, -, ^, :) is read as FTS5 syntax."""
    words = TOKEN.findall(terms)[:MAX_WORDS]
    return " ".join(f'"{w}"*' if len(w) >= MIN_PREFIX else f'"{w}"' for w in words)


def _indexed(posts, terms):
    query = fts5_query(terms)
    if not query:
        return posts.none()
    matching = RawSQL("SELECT rowid FROM blog_post_fts WHERE blog_post_fts MATCH %s", [query])
    # "id + 0", not the primary key: SQLite walks post_public_idx newest first and stops at the
    # page's end, rather than reading every match by primary key and sorting them all.
    return (
        posts.alias(fts_rowid=F("pk") + 0)
        .filter(fts_rowid__in=matching)
        .order_by("-publish_at", "-pk")
    )


def snippet(post, terms: str) -> SafeString:
    """The text to show under a result, with the matched words in <mark>, safely escaped."""
    raw = getattr(post, "headline", None)
    if raw is None:
        raw = _mark_words(post.summary, terms)
    html = escape(raw).replace(START, "<mark>").replace(STOP, "</mark>")
    if html.count("<mark>") != html.count("</mark>"):  # the post itself contained a marker
        html = escape(raw.replace(START, "").replace(STOP, ""))
    return mark_safe(html)  # escaped above; only <mark> added


def _mark_words(text: str, terms: str) -> str:
    words = [word.strip("\"'()[]{}+-") for word in terms.split()]  # quotes typed around them
    words = [word for word in words if word][:MAX_WORDS]
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: START + m.group(0) + STOP, text)
