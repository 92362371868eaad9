"""Where an old WordPress address lives here, for the addresses WordPress itself answers.

WordPress answers a post at its permalink, at `?p=ID` on any path it serves (`/`,
`/index.php`...), and, when a permalink 404s, at any other permalink shape ending in the post's
slug (its structure may have changed since a link was made). Categories and tags have
`/category/x/` and `/tag/y/`, feeds `/feed/` and `<anything>/feed/`, search `?s=`. Here each
of those becomes our address for the same thing, or None. Only what the public may see is ever
a target: a draft's old link stays a 404 and does not reveal its new address.
"""

import re
from urllib.parse import unquote, urlencode

from django.urls import reverse
from django.utils.text import slugify
from taggit.models import Tag

from blog.models import Page, Post
from wordpress_import.models import ImportedPage, ImportedPost, LegacyRedirect, normalise_path

# Query parameters that make `/` a WordPress address rather than our index.
QUERY_PARAMETERS = ("p", "page_id", "feed", "tag", "s", "m")
FEEDS = {"": "blog:feed_rss", "rss2": "blog:feed_rss", "rss": "blog:feed_rss"}
FEEDS |= {"rdf": "blog:feed_rss", "atom": "blog:feed_atom"}
TAG_FEEDS = {"blog:feed_rss": "blog:tag_feed_rss", "blog:feed_atom": "blog:tag_feed_atom"}
OLD_FEED_FILES = {"/wp-rss2.php": "rss2", "/wp-rss.php": "rss", "/wp-rdf.php": "rdf"}
OLD_FEED_FILES["/wp-atom.php"] = "atom"
TAXONOMY_BASES = ("category", "tag")
# What WordPress lets follow a permalink: a page of a split post, of its comments, its feed.
POST_SUFFIX = re.compile(
    r"/(?:(?P<feed>feed(?:/(?:rss2?|rdf|atom))?)|page/\d+|\d+|comment-page-\d+|amp|embed|trackback)$"
)
# /%postname%/, /%year%/%postname%/, /%year%/%monthnum%/%postname%/, /%year%/%monthnum%/%day%/...
DATED_SLUG = re.compile(r"^(?:/\d{4}(?:/\d{2}(?:/\d{2})?)?)?/(?P<slug>[^/]+)$")
MONTH = re.compile(r"^/(?P<year>\d{4})/(?P<month>\d{2})(?:/\d{2})?$")
NUMERIC = re.compile(r"^/archives/(?P<wp_id>\d{1,18})$")
HOME_PAGE = re.compile(r"^/page/(?P<page>\d{1,9})$")
MAX_ID_DIGITS = 18


def is_wordpress_query(query) -> bool:
    """Whether the query string holds one of WordPress's own parameters (no database needed)."""
    return any(parameter in query for parameter in QUERY_PARAMETERS)


def target_for(path: str, query) -> str | None:
    """Our address for an old WordPress one (path and query), or None."""
    return by_query(query) or by_path(normalise_path(path))


def by_query(query) -> str | None:
    """`?p=ID`, `?page_id=ID` (with `feed=`: its comments feed), `?feed=`, `?tag=`, `?s=`, `?m=`."""
    for parameter in ("p", "page_id"):
        value = query.get(parameter, "")
        if value and parameter == "page_id" and (page := imported_page(value)):
            return page.get_absolute_url()
        if value:
            post = imported_post(value)
            if post is None:
                return None
            return comments_feed(post) if "feed" in query else post.get_absolute_url()
    if query.get("tag"):
        return tag_address(query["tag"], feed=query.get("feed"))
    if "feed" in query:
        name = FEEDS.get(query["feed"])
        return reverse(name) if name else None
    if query.get("s", "").strip():
        return reverse("blog:search") + "?" + urlencode({"q": query["s"].strip()})
    month = query.get("m", "")
    if len(month) >= 6 and month[:6].isdigit():
        return month_address(month[:4], month[4:6])
    return None


def by_path(path: str) -> str | None:
    """An old permalink, feed, category or tag address; None for anything else."""
    if path.startswith("/index.php/"):  # "PATHINFO" permalinks, on hosts without rewriting
        path = path.removeprefix("/index.php")
    if path in OLD_FEED_FILES:
        return reverse(FEEDS[OLD_FEED_FILES[path]])
    if path == "/feed" or path.startswith("/feed/"):
        name = FEEDS.get(path.removeprefix("/feed").strip("/"))
        return reverse(name) if name else None
    segments = path.strip("/").split("/")
    if segments[0] in TAXONOMY_BASES and len(segments) > 1:
        return taxonomy_address(segments[1:])
    if match := HOME_PAGE.match(path):
        return reverse("blog:index") + f"?page={match['page']}"
    if match := MONTH.match(path):
        return month_address(match["year"], match["month"])
    return post_address(path) or page_address(segments)


def page_address(segments: list[str]) -> str | None:
    """A WordPress page under a parent (/company/about/): the published page of its last slug."""
    slug = slugify(unquote(segments[-1]))
    page = Page.objects.published().filter(slug=slug).first() if len(segments) > 1 else None
    return page.get_absolute_url() if page else None


def post_address(path: str) -> str | None:
    """An imported post's permalink (exact or in another permalink shape), with what may
    follow it (its feed: the post's comments feed)."""
    if match := NUMERIC.match(path):  # /archives/%post_id%
        post = imported_post(match["wp_id"])
        return post.get_absolute_url() if post else None
    suffix = POST_SUFFIX.search(path)
    if suffix is None or path.count("/") < 2:
        suffix, bare = None, path
    else:
        bare = path[: suffix.start()]
    # The whole path first: a permalink may itself end like a suffix (a post slugged "2024").
    redirects = LegacyRedirect.objects.for_paths([path, bare])
    redirect = next((r for r in redirects if r.old_path == path), None)
    if redirect is not None:
        suffix = None
    else:
        redirect = next(iter(redirects), None)
    post = redirect.post if redirect else None
    if post is None and (match := DATED_SLUG.match(bare)):
        slug = slugify(unquote(match["slug"]))
        post = Post.objects.published().filter(slug=slug).first() if slug else None
    if post is None or not post.is_published:
        return None
    if suffix and suffix["feed"]:
        return comments_feed(post)
    return post.get_absolute_url()


def taxonomy_address(segments: list[str]) -> str | None:
    """/category/parent/child/[feed/[atom/]][page/N/] and /tag/name/...: the tag's page or feed."""
    feed = None
    if "page" in segments:
        segments = segments[: segments.index("page")]
    if "feed" in segments:
        at = segments.index("feed")
        feed, segments = "/".join(segments[at + 1 :]), segments[:at]
    if not segments:
        return None
    return tag_address(segments[-1], feed=feed)  # a child category is named on its own


def tag_address(wordpress_slug: str, *, feed: str | None = None) -> str | None:
    """The tag page (or feed) a WordPress category or tag became, if it has public posts."""
    name = unquote(wordpress_slug).strip()
    tag = (
        Tag.objects.filter(slug__in={name, slugify(name, allow_unicode=True)}).first()
        or Tag.objects.filter(name__iexact=name.replace("-", " ")).first()
    )
    if tag is None or not Post.objects.published().filter(tags=tag).exists():
        return None  # a tag only drafts carry must not reveal itself
    if feed is None:
        return reverse("blog:tag", kwargs={"tag": tag.slug})
    name = FEEDS.get(feed.strip("/"))
    return reverse(TAG_FEEDS[name], kwargs={"tag": tag.slug}) if name else None


def month_address(year: str, month: str) -> str | None:
    if not 1 <= int(month) <= 12:
        return None
    return reverse("blog:archive_month", kwargs={"year": year, "month": month})


def imported_post(wp_id: str) -> Post | None:
    """The published post imported from this WordPress id (of any site), else None."""
    if not (wp_id.isdigit() and len(wp_id) <= MAX_ID_DIGITS):
        return None
    imported = ImportedPost.objects.for_wordpress_id(int(wp_id)).first()
    return imported.post if imported and imported.post.is_published else None


def imported_page(wp_id: str) -> Page | None:
    """The published page imported from this WordPress id (of any site), else None."""
    if not (wp_id.isdigit() and len(wp_id) <= MAX_ID_DIGITS):
        return None
    imported = ImportedPage.objects.filter(wp_id=int(wp_id), page__status=Page.Status.PUBLISHED)
    return next((row.page for row in imported.select_related("page").order_by("pk")[:1]), None)


def comments_feed(post: Post) -> str:
    return reverse("comments:post_feed", args=[post.pk])
