"""The comment section under a post, built by the post page's view (comments.views.PostPageView).

`public_threads()` is what every reader of a given comment page sees: the approved threads of
that page, the count and whether comments are closed. It reads nothing from the request, so its
HTML (`render_public_threads()`) may be cached under `public_threads_key()`.

`comments_for_visitor()` adds the form, whose stamp is the post's (forms.sign_form_time), so
a reader without a session gets the same page as every other one. A visitor with a session also
gets their own part (their pending comments, their messages, a form prefilled for them or sent
back with their errors); their page is private (core.middleware).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages as flash
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from blog import fragments, generations
from blog.models import Post
from comments import services
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings, as_row_id

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
class PublicThreads:
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


def thread_levels(*, top_level_ids, depth: int | None = None) -> list[QuerySet]:
    """The comments of the threads these top-level comments start, down to `depth`
    replies: one queryset per nesting level (the comments themselves, their approved replies,
    the approved replies to those, ...), to be combined with UNION.

    Each level is one lookup (the primary key, then the parent and status in
    comment_replies_idx; a reply is on its parent's post). One WHERE OR-ing the levels made the
    database test every comment of the post, or of the table.
    """
    levels, parents = [Comment.objects.filter(pk__in=top_level_ids)], top_level_ids
    for _ in range(settings.COMMENT_MAX_DEPTH if depth is None else depth):
        replies = Comment.objects.approved().filter(parent__in=parents)
        levels.append(replies)
        parents = replies.order_by().values("pk")
    return levels


def public_threads(*, post: Post, page_number=None) -> PublicThreads:
    """The approved threads of one comment page, the count and the closed flag.

    Two queries whatever the post's comments: where its comment pages start (comments.counts),
    then the page's threads (its top-level comments, from its start to the next page's, and
    their replies).
    """
    starts = Comment.objects.filter(post=post, starts_page=True).order_by("created", "pk")
    starts = list(starts.values_list("created", "pk"))
    page = Paginator(starts, 1).get_page(page_number)
    top_level = Comment.objects.approved().filter(post=post, parent=None)
    # The first page from the start and the last one to the end: a comment approved while the
    # layout is out of date shows on them, never on no page.
    if page.number > 1:
        created, pk = starts[page.number - 1]
        top_level = top_level.filter(created__gte=created).exclude(created=created, pk__lt=pk)
    if page.number < len(starts):
        created, pk = starts[page.number]
        top_level = top_level.filter(created__lte=created).exclude(created=created, pk__gte=pk)
    # At most a page of threads, each one comment at least: what the query planners expect too.
    top_level = top_level.order_by("created", "pk")[: settings.COMMENTS_PER_PAGE]
    levels = thread_levels(top_level_ids=top_level.values("pk"))
    levels = [level.defer(*UNSHOWN_COLUMNS).order_by() for level in levels]
    # Sorted here: asked to sort, SQLite reads each level in created order from
    # comment_queue_idx, walking every approved comment.
    on_page = sorted(levels[0].union(*levels[1:], all=True), key=lambda c: (c.created, c.pk))
    page.object_list = build_threads(on_page)
    rules = ModerationSettings.load()
    return PublicThreads(
        post=post,
        page=page,
        # The stored count (comments.counts keeps it equal to the live one): counting the
        # public threads here joined the comments table to itself on every page view.
        comment_count=post.approved_comment_count,
        closed=services.comments_closed(post=post, rules=rules),
        comments_by_id={comment.pk: comment for comment in on_page},
        closes_at=services.comments_close_at(post=post, rules=rules),
    )


def public_threads_key(*, post: Post, page_number) -> str:
    """The fragment cache's key for one comment page's shared HTML (blog.fragments).

    It holds the generations of the post's comments (any comment of the post approved, rejected,
    deleted, added or edited in place: comments.counts.recount), of the moderation
    settings (closing comments everywhere) and of posts (the post's own switch, its slug). A post
    closing by age changes nothing stored: the fragment expires then instead (public_fragment).
    """
    scopes = [generations.POSTS, generations.COMMENT_RULES, generations.post_comments(post.pk)]
    return fragments.key("comments", f"{post.pk}:{page_number or 1}", scopes)


def comment_page_number(value) -> int | None:
    """?cpage= as a page number: digits (six at most), else None (the first page). Anything
    else would be as many fragment keys as anyone cares to type."""
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) <= 6 else None


@dataclass(frozen=True)
class PublicFragment:
    """The shared part as the fragment cache keeps it: its HTML and what a visitor's part needs."""

    html: str
    closed: bool
    closes_at: datetime | None
    comment_ids: frozenset[int]  # the comments shown: replies to other ones go below the threads


def public_fragment(*, post: Post, page_number=None) -> tuple[PublicFragment, PublicThreads | None]:
    """The shared part's HTML and flags from the fragment cache, built (and kept) when missing.

    The PublicThreads comes along when it had to be built, None when the fragment was kept; the
    fragment is never served after the post closes to comments by age.
    """
    built = []

    def build():
        shared = public_threads(post=post, page_number=page_number)
        built.append(shared)
        fragment = PublicFragment(
            html=str(render_public_threads(shared)),
            closed=shared.closed,
            closes_at=shared.closes_at,
            comment_ids=frozenset(shared.comments_by_id),
        )
        return fragment, None if shared.closed else shared.closes_at

    fragment = fragments.cached(public_threads_key(post=post, page_number=page_number), build)
    return fragment, (built[0] if built else None)


def render_public_threads(shared: PublicThreads) -> SafeString:
    """The shared part's HTML: heading, threads and page links. No request, no CSRF token."""
    return render_to_string(SHARED_TEMPLATE, {"shared": shared, "threads": shared.page.object_list})


def _with_replies(threads: list[Thread], replies: dict[int, list[Comment]]) -> list[Thread]:
    """Copies of the threads with each pending reply under its parent, in the order sent."""
    copies = []
    for thread in threads:
        nested = _with_replies(thread.replies, replies)
        nested += [Thread(reply, awaiting=True) for reply in replies.get(thread.comment.pk, [])]
        nested.sort(key=lambda node: node.comment.created)
        copies.append(Thread(thread.comment, nested))
    return copies


@dataclass(frozen=True)
class CommentsForVisitor:
    """The comment section of one request, as the template shows it."""

    threads_html: SafeString
    closed: bool
    # The form rendered for this request (a signed-in user's, or one sent back with errors)...
    form: CommentForm | None
    # ...or the blank form every visitor without an account shares, as the fragment cache keeps
    # it (its stamp rendered with it). Both None when comments are closed.
    form_html: SafeString | None
    reply_to: Comment | None
    # The visitor's own pending comments shown after the threads: new comments, and replies to
    # comments not on this comment page (the others are shown in their threads).
    own_pending: list[Comment]
    messages: list
    # When the section stops being right by itself (core.middleware keeps it no longer): the post
    # closes to comments by age, or its form's stamp is half its life old, leaving a reader who
    # gets the page from a cache at least the other half to write.
    expires: datetime | None


def comments_for_visitor(
    *, request, post: Post, form: CommentForm | None = None
) -> CommentsForVisitor:
    """The comment section for this request, the shared threads from the fragment cache.

    The threads themselves are loaded only when the fragment is not kept, or when the form
    answers a comment on this page (?replyto=, or a form sent back with errors), or when the
    visitor has pending comments of their own (which may go inside them).
    """
    page_number = comment_page_number(request.GET.get("cpage"))
    fragment, shared = public_fragment(post=post, page_number=page_number)
    # A stranger holding no cookie has no part of their own: no session, no flash message.
    has_own_part = bool(request.COOKIES)
    form_html, form_due, parent = None, None, None
    if fragment.closed:
        form = None
    elif form is None:
        if "replyto" in request.GET:
            parent = as_row_id(request.GET["replyto"])
            if parent not in fragment.comment_ids:
                parent = None
        if _signed_in(request):
            form = _new_form(request, post, parent)
        else:  # the blank form everyone without an account shares: no CommentForm to build
            form_html, form_due = blank_form_fragment(post=post, parent=parent)
    else:
        parent = as_row_id(form["parent"].value())
    pending = _own_pending(request, post) if has_own_part else []
    if shared is None and (pending or parent in fragment.comment_ids):
        shared = public_threads(post=post, page_number=page_number)
    shown = shared.comments_by_id if shared is not None else {}
    in_threads, own_pending = {}, []
    for comment in pending:
        if comment.parent_id in shown:
            in_threads.setdefault(comment.parent_id, []).append(comment)
        else:
            # Named only while the comment answered is public (a moderator may have removed it).
            answered = comment.parent
            comment.in_reply_to = (
                answered if answered and answered.status == Comment.Status.APPROVED else None
            )
            own_pending.append(comment)
    threads_html = SafeString(fragment.html)
    if in_threads:
        # Only this visitor sees their replies in place; the shared HTML stays as it is.
        threads = _with_replies(shared.page.object_list, in_threads)
        threads_html = render_to_string(SHARED_TEMPLATE, {"shared": shared, "threads": threads})
    return CommentsForVisitor(
        threads_html=threads_html,
        closed=fragment.closed,
        form=form,
        form_html=form_html,
        reply_to=shown.get(parent),
        own_pending=own_pending,
        messages=(
            tagged_messages(flash.get_messages(request), MESSAGE_TAG) if has_own_part else []
        ),
        expires=_expires(fragment, form_due),
    )


def _expires(fragment: PublicFragment, form_due: datetime | None) -> datetime | None:
    if fragment.closed:
        return None
    stamp_due = form_due or timezone.now() + timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
    return stamp_due if fragment.closes_at is None else min(stamp_due, fragment.closes_at)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def blank_form_fragment(*, post: Post, parent: int | None) -> tuple[SafeString, datetime]:
    """The blank comment form's HTML (answering `parent`), rendered by crispy once and kept in
    the fragment cache until its stamp is half its life old, and that moment: every process and
    every reader without an account shares it, whether or not the page cache is on."""
    from crispy_forms.utils import render_crispy_form

    def build():
        initial = {} if parent is None else {"parent": parent}
        due = timezone.now() + timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
        html = render_crispy_form(CommentForm(post=post, initial=initial))
        return (html, due), due

    key = fragments.key("comment-form", f"{post.pk}:{parent or 0}", [generations.POSTS])
    html, due = fragments.cached(key, build)
    return SafeString(html), due


def _new_form(request, post: Post, parent: int | None) -> CommentForm:
    """A blank form (answering `parent`); a signed-in user's name and address are their
    account's, shown and not editable."""
    initial = {} if parent is None else {"parent": parent}
    return CommentForm(post=post, initial=initial, user=getattr(request, "user", None))


def _own_pending(request, post: Post) -> list[Comment]:
    """The visitor's own pending comments on this post, oldest first, each with the name of the
    comment it answers (one query, joined)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []  # comments are remembered in the sender's session (services.remember_pending)
    ids = services.pending_ids(request)
    if not ids:
        return []
    own = Comment.objects.pending().filter(post=post, pk__in=ids).select_related("parent")
    unshown_of_parent = [f"parent__{column}" for column in UNSHOWN_COLUMNS]
    return list(own.defer(*UNSHOWN_COLUMNS, *unshown_of_parent))


def tagged_messages(storage, tag: str, *, tagged: bool = True) -> list:
    """The flash messages in `storage` that carry `tag` (or, with tagged=False, do not)."""
    if not storage:  # len() leaves the storage unmarked; iterating marks the messages shown
        return []
    return [message for message in storage if (tag in message.tags.split()) == tagged]
