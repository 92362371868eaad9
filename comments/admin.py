import ipaddress

from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db import models
from django.db.models import Case, Value, When
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

import comments.commenter_admin  # noqa: F401  (registers the confirmed addresses, data requests)
from blog import generations
from blog.admin_lists import QuickRowsChangeList, QuickRowsMixin
from blog.pagination import EstimatedCountPaginator
from comments import counts, moderation, services, spam
from comments.admin_filters import ModeratorFilter, PostFilter
from comments.desk import ModerationDeskViews
from comments.models import Comment, ModerationSettings, attach_history


def _bulk_action(action: moderation.ModerationAction):
    """The changelist action for one entry of comments.moderation.ACTIONS."""

    def act(modeladmin, request, queryset):
        before = services.moderate(
            comments=queryset, status=action.status, moderator=request.user, via="bulk"
        )
        modeladmin.message_with_undo(
            request, action.done_with_count(len(before)), before, action.status
        )

    act.__name__ = act.__qualname__ = action.bulk_name
    return admin.action(description=action.bulk_label, permissions=["moderate"])(act)


class QueueChangeList(QuickRowsChangeList):
    """Each row's commenter history, shared links and post address, worked out once per page."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = attach_history(self.result_list)
        here = request.get_full_path()
        links = {
            "changelist": self.changelist_url,  # a row's own URLs are <this><pk>/<action>/
            "back_to_queue": urlencode({"from": "queue", "next": here}),  # moderation buttons
            "back": urlencode({"next": here}),  # Reply
        }
        posts = {comment.post_id: comment.post for comment in self.result_list}
        post_urls = {pk: post.get_absolute_url() for pk, post in posts.items()}
        for comment in self.result_list:
            comment.post_url = post_urls[comment.post_id]
            comment.queue_links = links


def _queue_link(comment, field, whose):
    """A link to the queue filtered on the commenter's address or IP."""
    value = getattr(comment, field)
    return format_html(
        '<a href="{}?{}" title="All comments from {}">{}</a>',
        comment.queue_links["changelist"],
        urlencode({field: value}),
        whose,
        value,
    )


# What the queue lists, for its <title> and heading: by the status it is filtered on.
QUEUE_TITLES = {
    Comment.Status.PENDING: "Comments awaiting moderation",
    Comment.Status.APPROVED: "Approved comments",
    Comment.Status.REJECTED: "Rejected comments",
    Comment.Status.SPAM: "Comments marked as spam",
}
LONG_COMMENT = 600  # characters; longer comments are folded in the queue
FOLDED_PREVIEW = 280
MODERATION_FIELDS = ["status", "reasons", "moderated_by", "moderated_at"]
ORIGIN_FIELDS = ["user", "ip_address", "user_agent", "created"]


@admin.register(Comment)
class CommentAdmin(ModerationDeskViews, QuickRowsMixin, admin.ModelAdmin):
    """The moderation queue, pending comments first. Status changes only through the moderation
    services (so moderated_by/at, the post's count and the History stay right)."""

    list_display = ["decision", "commenter", "status", "created"]
    # The date opens the comment's page: the first column holds links of its own.
    list_display_links = ["created"]
    list_filter = ["status", PostFilter, ModeratorFilter, "created"]
    list_select_related = ["post", "parent"]
    # 50 rows a page: each row is a whole comment with its context; "Select all" still acts on
    # every matching comment.
    list_per_page = 50
    search_fields = ["author_name", "author_email", "body", "ip_address"]
    # A million comments: no COUNT(*) of the whole table and no date drill-down (its DISTINCT
    # over every row); the "created" filter covers dates.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = [
        Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1)).asc(),
        "-created",
    ]
    actions = [_bulk_action(action) for action in moderation.ACTIONS]
    fieldsets = [
        (None, {"fields": ["post", "parent", "author_name", "author_email", "author_url", "body"]}),
        ("Moderation", {"fields": MODERATION_FIELDS}),
        ("Origin", {"fields": ORIGIN_FIELDS}),
    ]
    # Status is read-only for everyone: a status typed into the form would bypass the services.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["post", "parent", *MODERATION_FIELDS, *ORIGIN_FIELDS]
    # Links from a row to the queue filtered by the commenter's address or IP.
    FILTER_LINKS = ("author_email", "ip_address")

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status == Comment.Status.PENDING:
            # Undecided: no "Moderated by" (an undo puts a comment back here, deciding nothing).
            commenter, _, origin = self.fieldsets
            return [commenter, ("Moderation", {"fields": ["status", "reasons"]}), origin]
        return self.fieldsets

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            # What the list holds, not Django's "Select comment to change".
            "title": QUEUE_TITLES.get(request.GET.get("status__exact"), "All comments"),
            # The keyboard shortcuts the page lists (and its script reads from the row buttons).
            "moderation_actions": moderation.ACTIONS,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_list_display(self, request):
        if self.has_moderate_permission(request):
            return [*self.list_display, "row_actions"]
        return self.list_display

    def lookup_allowed(self, lookup, value, request=None):
        if lookup == "ip_address":
            # PostgreSQL's inet column takes IP addresses only; another value is refused (400).
            try:
                ipaddress.ip_address(value)
            except ValueError:
                return False
            return True
        return lookup in self.FILTER_LINKS or super().lookup_allowed(lookup, value, request)

    def get_ordering(self, request):
        # Filtered on one status or one commenter: newest first, read in order from
        # comment_queue_idx or the commenter's index. "Pending first" would sort every comment
        # of an address before showing 50 of them.
        if any(name in request.GET for name in ("status__exact", *self.FILTER_LINKS)):
            return ["-created", "-pk"]
        return super().get_ordering(request)

    @admin.display(description="comment")
    def decision(self, comment):
        """The whole comment with what frames it: the post, the parent it answers, the reasons."""
        post = format_html(
            '<div class="desk-post">on <a href="{}">{}</a></div>',
            comment.post_url,
            comment.post,
        )
        parent = ""
        if comment.parent_id:
            parent = format_html(
                '<blockquote class="desk-parent"><span>In reply to {}:</span> {}</blockquote>',
                comment.parent.author_name,
                Truncator(comment.parent.body).chars(FOLDED_PREVIEW),
            )
        body = format_html('<div class="desk-body">{}</div>', comment.html)
        if len(comment.body) > LONG_COMMENT:
            body = format_html(
                '<details class="desk-long"><summary>{} <em>(show all {} characters)</em>'
                "</summary>{}</details>",
                Truncator(comment.body).chars(FOLDED_PREVIEW),
                len(comment.body),
                body,
            )
        reasons = ""
        if comment.moderation_reasons:
            reasons = format_html('<p class="desk-reasons">Held: {}</p>', self.reasons(comment))
        return format_html("{}{}{}{}", post, parent, body, reasons)

    @admin.display(description="commenter", ordering="author_name")
    def commenter(self, comment):
        lines = [
            format_html("<strong>{}</strong>", comment.author_name),
            _queue_link(comment, "author_email", "this address"),
        ]
        if comment.author_url:
            lines.append(
                format_html(
                    '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                    comment.author_url,
                    Truncator(comment.author_url).chars(40),
                )
            )
        if comment.ip_address:
            lines.append(_queue_link(comment, "ip_address", "this IP address"))
        lines.append(
            format_html(
                '<span class="desk-history">{} approved · {} rejected · {} spam</span>',
                comment.history[Comment.Status.APPROVED],
                comment.history[Comment.Status.REJECTED],
                comment.history[Comment.Status.SPAM],
            )
        )
        return format_html_join("", '<div class="desk-line">{}</div>', ((line,) for line in lines))

    @admin.display(description="actions")
    def row_actions(self, comment):
        """Buttons in the changelist's own form, posting elsewhere with formaction (no nesting)."""
        links = comment.queue_links  # only the queue shows this column
        row = f"{links['changelist']}{comment.pk}/"
        buttons = format_html_join(
            "",
            '<button type="submit" class="desk-act desk-act-{name}" '
            'formaction="{row}{name}/?{back}" data-action="{name}" data-status="{status}" '
            'data-key="{key}"{disabled}>{short}</button>',
            (
                {
                    **vars(action),
                    "row": row,
                    "back": links["back_to_queue"],
                    "disabled": " disabled" if comment.status == action.status else "",
                }
                for action in moderation.ACTIONS
            ),
        )
        return format_html(
            '<div class="desk-actions" data-comment="{}" data-status="{}">{}'
            '<a class="desk-act desk-reply" href="{}reply/?{}">Reply</a></div>',
            comment.pk,
            comment.status,
            buttons,
            row,
            links["back"],
        )

    @admin.display(description="reasons")
    def reasons(self, comment):
        return ", ".join(str(reason) for reason in comment.moderation_reasons or [])

    def has_moderate_permission(self, request):
        return request.user.has_perm(moderation.MODERATE_PERMISSION)

    def has_add_permission(self, request):
        # Comments come from readers through services.submit_comment, never from the admin.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a comment removes it from its post as surely as rejecting it does.
        return super().has_delete_permission(request, obj) and self.has_moderate_permission(request)

    def save_model(self, request, obj, form, change):
        """An edit in place (name, text...): its post's page and feed show it."""
        super().save_model(request, obj, form, change)
        counts.recount([obj.post_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        counts.recount([obj.post_id])

    def delete_queryset(self, request, queryset):
        """The bulk "Delete selected" action: the replies go too, and the posts are recounted."""
        post_ids = set(queryset.values_list("post_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        counts.recount(post_ids)


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """The single row of spam rules: the list goes straight to it."""

    def has_add_permission(self, request):
        return not ModerationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The rules decide whether each post takes comments: purge every post page."""
        super().save_model(request, obj, form, change)
        generations.bump(generations.COMMENT_RULES)

    def changelist_view(self, request, extra_context=None):
        if self.has_view_or_change_permission(request):
            return redirect(admin_urlname(self.opts, "change"), ModerationSettings.load().pk)
        return super().changelist_view(request, extra_context)

    PREVIEW_LIMIT = 200  # the newest pending comments the preview runs the rules on

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """Under the rules: which pending comments the saved lists would catch, and why."""
        if obj is not None:
            pending = Comment.objects.pending().select_related("post").order_by("-created")
            caught = []
            for comment in pending[: self.PREVIEW_LIMIT]:
                reasons = spam.rule_reasons(comment=comment, rules=obj)
                if reasons:
                    caught.append({"comment": comment, "reasons": ", ".join(reasons)})
            context["rule_preview"] = caught
            context["preview_limit"] = self.PREVIEW_LIMIT
        return super().render_change_form(request, context, add, change, form_url, obj)
