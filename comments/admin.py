import ipaddress

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Exists, OuterRef, Value, When
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blog import generations
from blog.admin_lists import QuickRowsChangeList, QuickRowsMixin
from blog.models import Post
from blog.pagination import EstimatedCountPaginator
from comments import counts, moderation, personal_data, services, spam
from comments.models import (
    Comment,
    DataRequest,
    ModerationSettings,
    VerifiedEmail,
    as_row_id,
    attach_history,
)


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


class IdFilter(admin.SimpleListFilter):
    """A filter on a row id: a value that is no id is refused (400), not a database error."""

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        number = as_row_id(self.value())
        if number is None:
            raise IncorrectLookupParameters(f"not an id: {self.value()[:40]!r}")
        return queryset.filter(**{self.field: number})


class ModeratorFilter(IdFilter):
    """Comments by who last moderated them."""

    title = "moderator"
    parameter_name = "moderator"
    field = "moderated_by_id"

    def lookups(self, request, model_admin):
        # One index probe per user: "every moderated_by" would read the whole comments index.
        moderated = Comment.objects.filter(moderated_by=OuterRef("pk"))
        users = get_user_model().objects.filter(Exists(moderated)).order_by("username")
        return [(str(user.pk), user.get_username()) for user in users]


class PostFilter(IdFilter):
    """The posts with the longest queues, read from their indexed pending_comment_count (the cost
    does not grow with the posts); the post filtered on is always listed."""

    title = "post"
    parameter_name = "post"
    field = "post_id"
    BUSIEST = 20

    def lookups(self, request, model_admin):
        posts = Post.objects.only("pk", "title", "pending_comment_count")
        busiest = posts.filter(pending_comment_count__gt=0).order_by("-pending_comment_count", "pk")
        shown = list(busiest[: self.BUSIEST])
        chosen = as_row_id(self.value())
        if chosen is not None and chosen not in {post.pk for post in shown}:
            shown += posts.filter(pk=chosen)
        return [(str(post.pk), self.label(post)) for post in shown]

    @staticmethod
    def label(post: Post) -> str:
        if post.pending_comment_count:
            return f"{post.title} ({post.pending_comment_count} pending)"
        return post.title

    def has_output(self):
        # Also with no queues: a ?post= link (from the post list) must still narrow the list.
        return True


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


class StaffReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=Comment._meta.get_field("body").max_length,
        help_text="Published at once under the comment, signed with your staff account.",
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
class CommentAdmin(QuickRowsMixin, admin.ModelAdmin):
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

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the defaults: their "<path:object_id>/" catch-all would swallow ours.
        return [
            path("undo/", view(self.undo_view), name="comments_comment_undo"),
            path("<path:object_id>/reply/", view(self.reply_view), name="comments_comment_reply"),
            *(
                path(
                    f"<path:object_id>/{name}/",
                    view(self.one_click_view),
                    {"action_name": name},
                    name=f"comments_comment_{name}",
                )
                for name in moderation.BY_NAME
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _action_url(comment, action):
        return reverse(f"admin:comments_comment_{action}", args=[quote(comment.pk)])

    @staticmethod
    def _wants_json(request):
        return "application/json" in request.headers.get("Accept", "")

    def _safe_next(self, request, fallback):
        target = request.POST.get("next") or request.GET.get("next")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return fallback

    def message_with_undo(self, request, text, before, status, next_url=""):
        """The confirmation, with an Undo button (a small POST form) when something changed."""
        if before and len(before) <= moderation.UNDO_LIMIT:
            token = moderation.undo_token(
                before=before, status=status, moderator_id=request.user.pk
            )
            context = {"text": text, "token": token, "next": next_url or request.get_full_path()}
            text = render_to_string("admin/comments/comment/undo_message.html", context, request)
        self.message_user(request, text, messages.SUCCESS)

    @method_decorator(require_POST)
    def one_click_view(self, request, object_id, action_name):
        """A row or change-page button: moderate one comment, then go back (or to the next)."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        action = moderation.BY_NAME[action_name]
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            if self._wants_json(request):
                return JsonResponse({"error": "This comment no longer exists."}, status=404)
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        before = services.moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=action.status,
            moderator=request.user,
            via="queue" if request.GET.get("from") == "queue" else "page",
        )
        comment.status = action.status
        text = action.done_with(comment)
        if self._wants_json(request):
            return JsonResponse(
                {
                    "comment": comment.pk,
                    "status": comment.status,
                    "label": comment.get_status_display(),
                    "message": text,
                    "undo": moderation.undo_token(
                        before=before, status=action.status, moderator_id=request.user.pk
                    )
                    if before
                    else None,
                    "undo_url": reverse("admin:comments_comment_undo"),
                    "counts": self._counts([comment.post_id]),
                }
            )
        target = self._safe_next(request, self._action_url(comment, "change"))
        if "_next" in request.POST:
            following = self._next_pending(comment)
            if following is not None:
                target = self._action_url(following, "change")
            else:
                target = reverse("admin:comments_comment_changelist")
                text += " No more comments await review."
        self.message_with_undo(request, text, before, action.status, next_url=target)
        return redirect(target)

    @staticmethod
    def _counts(post_ids) -> dict:
        """The pending count and post filter entries after a decision, for the queue's script."""
        posts = Post.objects.filter(pk__in=post_ids).only("pk", "title", "pending_comment_count")
        return {
            "pending": str(Comment.objects.pending_count()),
            "posts": {str(post.pk): PostFilter.label(post) for post in posts},
        }

    @staticmethod
    def _next_pending(comment):
        """The pending comment after this one in queue order (newest first), else the newest."""
        pending = Comment.objects.pending().exclude(pk=comment.pk).order_by("-created", "-pk")
        return pending.filter(created__lte=comment.created).first() or pending.first()

    @method_decorator(require_POST)
    def undo_view(self, request):
        """Undo a decision from its confirmation: only its moderator, only for a few minutes."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        back = self._safe_next(request, reverse("admin:comments_comment_changelist"))
        try:
            status, before = moderation.read_undo_token(
                request.POST.get("token", ""), moderator_id=request.user.pk
            )
        except signing.BadSignature:
            if self._wants_json(request):
                return JsonResponse({"error": "This undo has expired."}, status=400)
            self.message_user(request, "This undo has expired or is not yours.", messages.ERROR)
            return redirect(back)
        restored = {}
        for old in set(before.values()):  # only what still has the status the decision set
            still = Comment.objects.filter(pk__in=[pk for pk in before if before[pk] == old])
            changed = services.moderate(
                comments=still.filter(status=status), status=old, moderator=request.user, via="undo"
            )
            restored.update(dict.fromkeys(changed, old))
        text = ngettext(
            "Undone: %(n)d comment is back.", "Undone: %(n)d comments are back.", len(restored)
        ) % {"n": len(restored)}
        if self._wants_json(request):
            post_ids = Comment.objects.filter(pk__in=restored).values_list("post_id", flat=True)
            return JsonResponse(
                {
                    "message": text,
                    "restored": {
                        str(pk): {"status": old, "label": Comment.Status(old).label}
                        for pk, old in restored.items()
                    },
                    "counts": self._counts(set(post_ids)),
                }
            )
        self.message_user(request, text, messages.SUCCESS)
        return redirect(back)

    def reply_view(self, request, object_id):
        """Answer a comment as staff: "Reply", or "Approve and reply" for a pending one."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = self._safe_next(request, self._action_url(comment, "change"))
        form = StaffReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            approve = "_approve" in request.POST and comment.status == Comment.Status.PENDING
            reply = services.reply_as_staff(
                comment=comment,
                body=form.cleaned_data["body"],
                moderator=request.user,
                approve_first=approve,
            )
            done = format_html(
                '{} the comment by {}. <a href="{}">See the reply</a>',
                "Approved and replied to" if approve else "Replied to",
                comment.author_name,
                reply.get_absolute_url(),
            )
            self.message_user(request, done, messages.SUCCESS)
            return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reply to {comment.author_name}",
            "comment": comment,
            "form": form,
            "next": back,
            "may_approve": comment.status == Comment.Status.PENDING,
            "change_url": self._action_url(comment, "change"),
        }
        return TemplateResponse(request, "admin/comments/comment/reply.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_moderate_permission(request):
            context["moderation_buttons"] = [
                dict(name=action.name, label=action.button, url=self._action_url(obj, action.name))
                for action in moderation.ACTIONS
                if obj.status != action.status
            ]
            context["reply_url"] = self._action_url(obj, "reply")
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """The single row of spam rules: the list goes straight to it."""

    view_on_site = False  # its get_absolute_url is this form, not a public page

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
            return redirect(ModerationSettings.load())
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


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ["email", "verified_at"]
    view_on_site = False  # an address has no public page
    search_fields = ["email"]
    date_hierarchy = "verified_at"


class DataRequestForm(forms.ModelForm):
    email = forms.EmailField(
        help_text="Everything held for this address: its comments (with the names, websites, "
        "IP addresses and browsers they were sent with) and whether it gets mail from us."
    )

    class Meta:
        model = DataRequest
        fields = ["email", "action"]
        widgets = {"action": forms.RadioSelect}


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """A commenter's personal data exported or erased: adding a request carries it out."""

    form = DataRequestForm
    list_display = ["created", "action", "comments", "requested_by"]
    list_filter = ["action"]
    date_hierarchy = "created"

    def has_change_permission(self, request, obj=None):
        return False  # the record of what was done

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        obj.export = personal_data.carry_out(obj, email=form.cleaned_data["email"])

    def response_add(self, request, obj, post_url_continue=None):
        if obj.export is not None:
            return personal_data.json_download(obj.export)
        return super().response_add(request, obj, post_url_continue)
