"""The comment section under a post, built in two parts.

`shared_section()` is what every reader of a given comment page sees: the approved threads of
that page, the count and whether comments are closed. It reads nothing from the request, so its
HTML (`render_shared()`) may be cached under `shared_cache_key()`.

`visitor_section()` is what belongs to one visitor: their own pending comments, the form (bound
with their errors, or prefilled for them, with their CSRF token), the comment they reply to and
their flash messages. It is built per request and never cached with the shared part.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages as flash
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString

from blog import fragments, generations
from blog.models import Post
from comments import conf, services, session, spam
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings

# Columns the page never shows: kept out of memory and out of the template's reach.
UNSHOWN_COLUMNS = ["body", "author_email", "ip_address", "user_agent", "moderation_reasons"]
# Flash messages carrying this tag are shown inside the comment section, where the reader lands.
MESSAGE_TAG = "comments"
SHARED_TEMPLATE = "comments/_threads.html"


@dataclass
class Thread:
    comment: Comment
    replies: list["Thread"] = field(default_factory=list)
    awaiting: bool = False  # the visitor's own reply, not yet approved: only they see it


@dataclass(frozen=True)
class SharedSection:
    """The part of a post's comment section that is the same for every reader of one page."""

    post: Post
    page: Page  # object_list holds the page's threads
    comment_count: int
    closed: bool
    comments_by_id: dict[int, Comment]  # every comment shown: the possible reply targets
    closes_at: datetime | None = None  # when the post closes to comments by age

    @property
    def can_reply(self) -> bool:
        return not self.closed


@dataclass(frozen=True)
class VisitorSection:
    """The part of a post's comment section that belongs to one visitor."""

    form: "CommentForm | BlankForm | None"  # None when comments are closed
    reply_to: Comment | None
    own_pending: list[Comment]  # shown after the threads: new comments, and replies to
    # comments that are not on this comment page
    messages: list
    # The visitor's pending replies to comments shown on this page, by parent id: shown there.
    replies_in_threads: dict[int, list[Comment]] = field(default_factory=dict)

    @property
    def is_personal(self) -> bool:
        """Whether the page shows anything of this visitor's own (so it must not be shared)."""
        bound = self.form is not None and self.form.is_bound
        return bool(self.own_pending or self.replies_in_threads or self.messages or bound)


def build_threads(comments: list[Comment]) -> list[Thread]:
    """Nest comments (ordered oldest first) under their parents; orphans of hidden parents drop."""
    threads, by_id = [], {}
    for comment in comments:
        node = by_id[comment.pk] = Thread(comment)
        if comment.parent_id is None:
            threads.append(node)
        elif comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(node)
    return threads


def thread_levels(*, post: Post, top_level_ids, depth: int | None = None) -> list[QuerySet]:
    """The comments of the threads these top-level comments of `post` start, down to `depth`
    replies: one queryset per nesting level (the comments themselves, their approved replies,
    the approved replies to those, ...), to be combined with UNION.

    Each level is one lookup (the primary key, then the parent: by its index, or in
    comment_post_status_idx's entries of the post). One WHERE OR-ing the levels made the
    database test every comment of the post, or of the table.
    """
    levels, parents = [Comment.objects.filter(pk__in=top_level_ids)], top_level_ids
    for _ in range(conf.MAX_DEPTH if depth is None else depth):
        replies = Comment.objects.approved().filter(post=post, parent__in=parents)
        levels.append(replies)
        parents = replies.order_by().values("pk")
    return levels


def shared_section(*, post: Post, page_number=None) -> SharedSection:
    """The approved threads of one comment page, the count and the closed flag.

    Only the page's threads are loaded (its top-level comments and their replies, in one
    query), so the query count does not grow with the post's comments, and the page's ids and
    their count are read from comment_post_status_idx alone.
    """
    top_level = Comment.objects.approved().filter(post=post, parent__isnull=True).values("pk")
    per_page = conf.THREADS_PER_PAGE
    page = Paginator(top_level, per_page).get_page(page_number)
    offset = (page.number - 1) * per_page
    page_ids = top_level[offset : offset + per_page]
    levels = thread_levels(post=post, top_level_ids=page_ids)
    levels = [level.defer(*UNSHOWN_COLUMNS).order_by() for level in levels]
    on_page = list(levels[0].union(*levels[1:], all=True).order_by("created", "pk"))
    page.object_list = build_threads(on_page)
    rules = ModerationSettings.load()
    return SharedSection(
        post=post,
        page=page,
        # The stored count (comments.counts keeps it equal to the live one): counting the
        # public threads here joined the comments table to itself on every page view.
        comment_count=post.approved_comment_count,
        closed=services.comments_closed(post=post, rules=rules),
        comments_by_id={comment.pk: comment for comment in on_page},
        closes_at=services.comments_close_at(post=post, rules=rules),
    )


def shared_cache_key(*, post: Post, page_number) -> str:
    """The fragment cache's key for one comment page's shared HTML (blog.fragments).

    It holds the generations of the post's comments (any comment of the post approved, rejected,
    deleted, added or edited in place: comments.counts, comments.signals), of the moderation
    settings (closing comments everywhere) and of posts (the post's own switch, its slug). A post
    closing by age changes nothing stored: the fragment expires then instead (shared_fragment).
    """
    scopes = [generations.POSTS, generations.COMMENT_RULES, generations.post_comments(post.pk)]
    return fragments.key("comments", f"{post.pk}:{page_number or 1}", scopes)


def comment_page_number(value) -> int | None:
    """?cpage= as a page number: digits (six at most), else None (the first page). Anything
    else would be as many fragment keys as anyone cares to type."""
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) <= 6 else None


@dataclass(frozen=True)
class SharedFragment:
    """The shared part as the fragment cache keeps it: its HTML and what a visitor's part needs."""

    html: str
    closed: bool
    closes_at: datetime | None
    comment_ids: frozenset[int]  # the comments shown: replies to other ones go below the threads


def shared_fragment(*, post: Post, page_number=None) -> tuple[SharedFragment, SharedSection | None]:
    """The shared part's HTML and flags from the fragment cache, built (and kept) when missing.

    The SharedSection comes along when it had to be built, None when the fragment was kept; the
    fragment is never served after the post closes to comments by age.
    """
    built = []

    def build():
        shared = shared_section(post=post, page_number=page_number)
        built.append(shared)
        fragment = SharedFragment(
            html=str(render_shared(shared)),
            closed=shared.closed,
            closes_at=shared.closes_at,
            comment_ids=frozenset(shared.comments_by_id),
        )
        return fragment, None if shared.closed else shared.closes_at

    fragment = fragments.cached(shared_cache_key(post=post, page_number=page_number), build)
    return fragment, (built[0] if built else None)


def render_shared(shared: SharedSection) -> SafeString:
    """The shared part's HTML: heading, threads and page links. No request, no CSRF token."""
    return render_to_string(SHARED_TEMPLATE, {"shared": shared, "threads": shared.page.object_list})


def render_threads_for(
    shared: SharedSection, visitor: "VisitorSection", *, shared_html: str | None = None
) -> SafeString:
    """The threads as this visitor sees them: the shared HTML (`shared_html` if already
    rendered), or, when they have pending replies to comments on this page, the same threads
    with those replies in place.

    The second is personal (the page is sent private and never cached); the shared threads
    themselves are not changed, so the shared HTML stays the same for everyone else.
    """
    if not visitor.replies_in_threads:
        return SafeString(shared_html) if shared_html is not None else render_shared(shared)
    threads = _with_replies(shared.page.object_list, visitor.replies_in_threads)
    return render_to_string(SHARED_TEMPLATE, {"shared": shared, "threads": threads})


def _with_replies(threads: list[Thread], replies: dict[int, list[Comment]]) -> list[Thread]:
    """Copies of the threads with each pending reply under its parent, in the order sent."""
    copies = []
    for thread in threads:
        nested = _with_replies(thread.replies, replies)
        nested += [Thread(reply, awaiting=True) for reply in replies.get(thread.comment.pk, [])]
        nested.sort(key=lambda node: node.comment.created)
        copies.append(Thread(thread.comment, nested))
    return copies


def visitor_section(
    *, request, post: Post, shared: SharedSection, form: CommentForm | None = None
) -> VisitorSection:
    """One visitor's part: their pending comments, their form (bound, if they just failed to
    post one), the comment they reply to and their comment messages."""
    return _visitor_part(
        request, post, closed=shared.closed, comments_by_id=shared.comments_by_id, form=form
    )


def _visitor_part(request, post, *, closed, comments_by_id, form) -> VisitorSection:
    if closed:
        form = None
    elif form is None:
        form = _new_form(request, post, comments_by_id)
    reply_to = None
    if form is not None:
        reply_to = comments_by_id.get(_form_parent(form))
    own_pending, in_threads = [], {}
    for comment in _own_pending(request, post):
        if comment.parent_id in comments_by_id:
            in_threads.setdefault(comment.parent_id, []).append(comment)
        else:
            # Named only while the comment answered is public (a moderator may have removed it).
            parent = comment.parent
            comment.in_reply_to = (
                parent if parent and parent.status == parent.Status.APPROVED else None
            )
            own_pending.append(comment)
    return VisitorSection(
        form=form,
        reply_to=reply_to,
        own_pending=own_pending,
        messages=_comment_messages(request),
        replies_in_threads=in_threads,
    )


@dataclass(frozen=True)
class Section:
    """The comment section of one request: the threads' HTML, and this visitor's part."""

    threads_html: SafeString
    closed: bool
    closes_at: datetime | None
    visitor: VisitorSection


def comment_section(*, request, post: Post, form: CommentForm | None = None) -> Section:
    """The comment section for this request, the shared part from the fragment cache.

    The shared threads are loaded only when the fragment is not kept, or when this visitor's
    part needs the comments themselves: a reply target named on this page (?replyto=, or a
    form sent back with errors) or pending comments of their own (which may go inside them).
    """
    page_number = comment_page_number(request.GET.get("cpage"))
    fragment, shared = shared_fragment(post=post, page_number=page_number)
    if shared is None and _needs_comments(request, fragment, form):
        shared = shared_section(post=post, page_number=page_number)
    if shared is None:
        # No reply target on this page and no pending comment: there is nothing to look up.
        visitor = _visitor_part(request, post, closed=fragment.closed, comments_by_id={}, form=form)
        threads_html = SafeString(fragment.html)
    else:
        visitor = visitor_section(request=request, post=post, shared=shared, form=form)
        threads_html = render_threads_for(shared, visitor, shared_html=fragment.html)
    return Section(
        threads_html=threads_html,
        closed=fragment.closed,
        closes_at=fragment.closes_at,
        visitor=visitor,
    )


def _needs_comments(request, fragment: SharedFragment, form: CommentForm | None) -> bool:
    if session.pending_ids(request):
        return True
    if form is not None and _form_parent(form) in fragment.comment_ids:
        return True
    return _as_int(request.GET.get("replyto")) in fragment.comment_ids


def _own_pending(request, post: Post) -> list[Comment]:
    """The visitor's own pending comments on this post, oldest first, each with the name of the
    comment it answers (one query, joined)."""
    ids = session.pending_ids(request)
    if not ids:
        return []
    own = Comment.objects.pending().filter(post=post, pk__in=ids).select_related("parent")
    unshown_of_parent = [f"parent__{column}" for column in UNSHOWN_COLUMNS]
    return list(own.defer(*UNSHOWN_COLUMNS, *unshown_of_parent))


def _comment_messages(request) -> list:
    storage = flash.get_messages(request)
    if not storage:  # len() does not mark the messages as shown; iterating does
        return []
    return [message for message in storage if MESSAGE_TAG in message.tags.split()]


@functools.cache
def _form_time_hole_prefix() -> str:
    # Derived from SECRET_KEY so that no visitor can type it into a comment.
    return "formtime" + salted_hmac("comments.section", "form time hole, per post").hexdigest()[:32]


def form_time_hole(post_id: int) -> str:
    """What a page rendered for the shared cache holds where the form's signed stamp goes. It
    names the post the form is for, so the stamp written there (fill_form_time) is for that post,
    whatever page the cache entry is served as."""
    return f"{_form_time_hole_prefix()}{post_id}-"


def form_time_hole_pattern() -> bytes:
    """A regular expression (bytes) matching any form-time hole, whatever post it names."""
    return re.escape(_form_time_hole_prefix().encode()) + rb"[0-9]+-"


def fill_form_time(content: bytes) -> bytes:
    """A cached page with each form-time hole replaced by a fresh stamp for the post it names:
    one signing per hole (a post page has one), no query."""
    prefix = _form_time_hole_prefix().encode()
    start = content.find(prefix)
    while start >= 0:
        id_start = start + len(prefix)
        id_end = content.find(b"-", id_start)
        post_id = content[id_start:id_end]
        if id_end < 0 or not post_id.isdigit():
            break
        stamp = spam.sign_form_time(int(post_id)).encode()
        content = content[:start] + stamp + content[id_end + 1 :]
        start = content.find(prefix, start + len(stamp))
    return content


@dataclass(frozen=True)
class BlankForm:
    """A comment form nobody has filled in, as far as rendering its copy needs (render_form):
    building a CommentForm deep-copies its fields, the costliest step of a post page whose
    fragments are kept. It is never bound and has no errors."""

    post: Post
    parent: int | None  # the comment it answers
    timestamp: str  # the signed form time, or the page cache's hole for it
    is_bound = False
    errors = {}  # noqa: RUF012 (read by the template, never written)


def _new_form(request, post: Post, by_id: dict[int, Comment]) -> "CommentForm | BlankForm":
    initial = {}
    reply_to = request.GET.get("replyto", "")
    if reply_to.isdigit() and int(reply_to) in by_id:
        initial["parent"] = int(reply_to)
    for_cache = getattr(request, "renders_for_cache", False)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        stamp = form_time_hole(post.pk) if for_cache else spam.sign_form_time(post.pk)
        return BlankForm(post=post, parent=initial.get("parent"), timestamp=stamp)
    initial["author_name"] = user.get_full_name() or user.get_username()
    initial["author_email"] = user.email
    form = CommentForm(post=post, initial=initial)
    if for_cache:
        form.fields["timestamp"].initial = form_time_hole(post.pk)
    return form


def _form_parent(form) -> int | None:
    """The comment a form answers."""
    if isinstance(form, BlankForm):
        return form.parent
    return _as_int(form["parent"].value())


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# The blank comment form's HTML, rendered by crispy once per (post, reply target) in each
# process, with marks where the visitor's CSRF token and signed form time go: crispy walks a
# dozen templates per render, the most expensive part of an uncached post page.
BLANK_FORMS_KEPT = 512
_blank_forms: dict[tuple, str] = {}


@functools.cache
def _marks() -> tuple[str, str]:
    digest = salted_hmac("comments.section", "blank form marks").hexdigest()
    return "csrfmark" + digest[:24], "timemark" + digest[24:]


def render_form(form: "CommentForm | BlankForm", csrf_token) -> SafeString:
    """The comment form's HTML; a blank form (a BlankForm, or a CommentForm with no data and
    nothing prefilled but the comment it answers) from the per-process copy, with this
    visitor's token and form time put in."""
    from crispy_forms.utils import render_crispy_form

    if isinstance(form, BlankForm):
        parent, stamp = form.parent, form.timestamp
    elif form.is_bound or set(form.initial) - {"parent"}:
        return render_crispy_form(form, context={"csrf_token": csrf_token})
    else:
        parent, stamp = form.initial.get("parent"), form.fields["timestamp"].initial
    initial = {} if parent is None else {"parent": parent}
    if not csrf_token:
        blank = CommentForm(post=form.post, initial=initial)
        blank.fields["timestamp"].initial = stamp
        return render_crispy_form(blank, context={"csrf_token": csrf_token})
    token_mark, time_mark = _marks()
    key = (form.post.pk, parent)
    html = _blank_forms.get(key)
    if html is None:
        blank = CommentForm(post=form.post, initial=initial)
        blank.fields["timestamp"].initial = time_mark
        html = render_crispy_form(blank, context={"csrf_token": token_mark})
        if len(_blank_forms) >= BLANK_FORMS_KEPT:
            _blank_forms.clear()
        _blank_forms[key] = html
    html = html.replace(token_mark, str(csrf_token)).replace(time_mark, str(stamp))
    return SafeString(html)
