"""The comment section under a post: the part every reader of a comment page shares (cached as
HTML), and the visitor's own part (pending comments, messages, their form) if they have a session.
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


@dataclass
class Thread:
    comment: Comment
    replies: list["Thread"] = field(default_factory=list)
    awaiting: bool = False  # the visitor's own reply, not yet approved: only they see it


@dataclass(frozen=True)
class PublicThreads:
    """The part of a post's comment section that is the same for every reader of one page."""

    page: Page  # object_list holds the page's threads
    comment_count: int
    closed: bool
    comments_by_id: dict[int, Comment]  # every comment shown: the possible reply targets
    closes_at: datetime | None = None  # when the post closes to comments by age

    @property
    def can_reply(self) -> bool:
        return not self.closed


def thread_levels(*, top_level_ids, depth: int | None = None) -> list[QuerySet]:
    """The threads these top-level comments start, one queryset per level down to `depth`, for a
    UNION: one WHERE OR-ing the levels made the database test every comment of the post."""
    levels, parents = [Comment.objects.filter(pk__in=top_level_ids)], top_level_ids
    for _ in range(settings.COMMENT_MAX_DEPTH if depth is None else depth):
        replies = Comment.objects.approved().filter(parent__in=parents)
        levels.append(replies)
        parents = replies.order_by().values("pk")
    return levels


def public_threads(*, post: Post, page_number=None) -> PublicThreads:
    """One comment page's approved threads, count and closed flag: two queries, however many."""
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
    # Sorted here: asked to sort, SQLite walks every approved comment in comment_queue_idx.
    on_page = sorted(levels[0].union(*levels[1:], all=True), key=lambda c: (c.created, c.pk))
    page.object_list, nodes = [], {}
    for comment in on_page:  # nested under their parents; replies to hidden comments drop
        node = nodes[comment.pk] = Thread(comment)
        if comment.parent_id is None:
            page.object_list.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(node)
    rules = ModerationSettings.load()
    return PublicThreads(
        page=page,
        # Kept equal to the live count by comments.counts; counting here cost a self-join.
        comment_count=post.approved_comment_count,
        closed=services.comments_closed(post=post, rules=rules),
        comments_by_id={comment.pk: comment for comment in on_page},
        closes_at=services.comments_close_at(post=post, rules=rules),
    )


def public_threads_key(*, post: Post, page_number) -> str:
    """The key of one comment page's shared HTML: it changes with the post's comments, the
    moderation settings and posts (closing by age expires the fragment instead)."""
    scopes = [generations.POSTS, generations.COMMENT_RULES, generations.post_comments(post.pk)]
    return fragments.key("comments", f"{post.pk}:{page_number or 1}", scopes)


def comment_page_number(value) -> int | None:
    """?cpage= as a page number, else None (the first page): not one fragment key per typo."""
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
    """The shared part from the fragment cache, and the PublicThreads if it had to be built."""
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


def render_public_threads(shared: PublicThreads, threads: list[Thread] | None = None) -> SafeString:
    """The shared part's HTML (with `threads` instead of the page's): no request, no CSRF token."""
    threads = shared.page.object_list if threads is None else threads
    return render_to_string("comments/_threads.html", {"shared": shared, "threads": threads})


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
    threads_html: SafeString
    closed: bool
    form: CommentForm | None  # built for this request (a user's, or sent back with errors)...
    form_html: SafeString | None  # ...or the blank one everyone else shares; both None if closed
    reply_to: Comment | None
    own_pending: list[Comment]  # shown after the threads: all but replies to comments shown
    messages: list
    # Until when the section is right by itself (core.middleware): the post closing by age, or
    # the form's stamp half its life old, leaving a cached page's reader the other half to write.
    expires: datetime | None


def comments_for_visitor(
    *, request, post: Post, form: CommentForm | None = None
) -> CommentsForVisitor:
    """The comment section for this request. The threads are loaded only when their fragment is
    not kept, or the form answers a comment on this page, or the visitor has pending comments."""
    page_number = comment_page_number(request.GET.get("cpage"))
    fragment, shared = public_fragment(post=post, page_number=page_number)
    # A stranger holding no cookie has no part of their own: no session, no flash message.
    messages = tagged_messages(flash.get_messages(request), MESSAGE_TAG) if request.COOKIES else []
    form_html, form_due, parent = None, None, None
    if fragment.closed:
        form = None
    elif form is None:
        parent = as_row_id(request.GET.get("replyto"))
        parent = parent if parent in fragment.comment_ids else None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:  # their name and address, not editable
            form = CommentForm(post=post, initial={"parent": parent}, user=user)
        else:  # the blank form everyone without an account shares: no CommentForm to build
            form_html, form_due = blank_form_fragment(post=post, parent=parent)
    else:
        parent = as_row_id(form["parent"].value())
    pending = _own_pending(request, post)
    if shared is None and (pending or parent in fragment.comment_ids):
        shared = public_threads(post=post, page_number=page_number)
    shown = shared.comments_by_id if shared is not None else {}
    in_threads, own_pending = {}, []
    for comment in pending:
        if comment.parent_id in shown:
            in_threads.setdefault(comment.parent_id, []).append(comment)
        else:  # the comment answered is named only while it is public
            public = comment.parent and comment.parent.status == Comment.Status.APPROVED
            comment.in_reply_to = comment.parent if public else None
            own_pending.append(comment)
    stamp_due = form_due or timezone.now() + timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
    expires = stamp_due if fragment.closes_at is None else min(stamp_due, fragment.closes_at)
    threads_html = SafeString(fragment.html)
    if in_threads:  # only this visitor sees their replies in place
        threads = _with_replies(shared.page.object_list, in_threads)
        threads_html = render_public_threads(shared, threads)
    return CommentsForVisitor(
        threads_html=threads_html,
        closed=fragment.closed,
        form=form,
        form_html=form_html,
        reply_to=shown.get(parent),
        own_pending=own_pending,
        messages=messages,
        expires=None if fragment.closed else expires,
    )


def blank_form_fragment(*, post: Post, parent: int | None) -> tuple[SafeString, datetime]:
    """The blank form's HTML, shared until its stamp is half its life old, and that moment."""
    from crispy_forms.utils import render_crispy_form

    def build():
        due = timezone.now() + timedelta(seconds=settings.COMMENT_FORM_MAX_AGE / 2)
        html = render_crispy_form(CommentForm(post=post, initial={"parent": parent}))
        return (html, due), due

    key = fragments.key("comment-form", f"{post.pk}:{parent or 0}", [generations.POSTS])
    html, due = fragments.cached(key, build)
    return SafeString(html), due


def _own_pending(request, post: Post) -> list[Comment]:
    """The visitor's own pending comments on this post, with their parents (one query)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []  # comments are remembered in the sender's session (services.remember_pending)
    ids = services.pending_ids(request)  # none: no query (pk__in=[] matches nothing)
    own = Comment.objects.pending().filter(post=post, pk__in=ids).select_related("parent")
    return list(own.defer(*UNSHOWN_COLUMNS, *[f"parent__{c}" for c in UNSHOWN_COLUMNS]))


def tagged_messages(storage, tag: str, *, tagged: bool = True) -> list:
    """The flash messages in `storage` that carry `tag` (or, with tagged=False, do not)."""
    if not storage:  # len() leaves the storage unmarked; iterating marks the messages shown
        return []
    return [message for message in storage if (tag in message.tags.split()) == tagged]
