from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, Value, When
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from blog.models import Post
from comments import moderation, services
from comments.models import Comment, ModerationSettings, VerifiedEmail


def _bulk_action(move: moderation.ModerationAction):
    """The changelist action for one entry of comments.moderation.ACTIONS."""

    def act(modeladmin, request, queryset):
        changed = services.moderate_comments(
            comments=queryset, status=move.status, moderator=request.user
        )
        modeladmin.message_user(request, move.done_with_count(changed), messages.SUCCESS)

    act.__name__ = act.__qualname__ = move.bulk_name
    return admin.action(description=move.bulk_label)(act)


class PostFilter(admin.SimpleListFilter):
    """Posts that have comments, busiest moderation queue first, each with its pending count."""

    title = "post"
    parameter_name = "post"

    def lookups(self, request, model_admin):
        pending = dict(
            Comment.objects.pending()
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values_list("post", "n")
        )
        posts = Post.objects.filter(pk__in=Comment.objects.values("post")).only("pk", "title")
        posts = sorted(posts, key=lambda post: (-pending.get(post.pk, 0), post.title.casefold()))
        return [
            (str(post.pk), f"{post.title} ({pending[post.pk]} pending)")
            if post.pk in pending
            else (str(post.pk), post.title)
            for post in posts
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(post_id=int(self.value()))
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: pending comments first, newest first.

    Status changes only through the actions and the change page's buttons, which call the
    moderation services (so moderated_by/moderated_at and the post's count stay right) and need
    comments.moderate_comment.
    """

    list_display = ["excerpt", "author", "post_link", "status", "reasons", "created"]
    list_filter = ["status", PostFilter, "created"]
    list_select_related = ["post"]
    list_per_page = 100
    search_fields = ["author_name", "author_email", "body", "ip_address"]
    date_hierarchy = "created"
    ordering = [
        Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1)).asc(),
        "-created",
    ]
    actions = [_bulk_action(move) for move in moderation.ACTIONS]
    fieldsets = [
        (None, {"fields": ["post", "parent", "author_name", "author_email", "author_url", "body"]}),
        ("Moderation", {"fields": ["status", "reasons", "moderated_by", "moderated_at"]}),
        ("Origin", {"fields": ["user", "ip_address", "user_agent", "created"]}),
    ]
    # Status is read-only for everyone: a status typed into the form would bypass the services.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "post",
        "parent",
        "status",
        "reasons",
        "moderated_by",
        "moderated_at",
        "user",
        "ip_address",
        "user_agent",
        "created",
    ]

    @admin.display(description="comment")
    def excerpt(self, comment):
        return Truncator(comment.body).chars(80)

    @admin.display(description="author", ordering="author_name")
    def author(self, comment):
        return comment.author_name

    @admin.display(description="post", ordering="post__title")
    def post_link(self, comment):
        return format_html('<a href="{}">{}</a>', comment.post.get_absolute_url(), comment.post)

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

    def get_actions(self, request):
        """The moderation actions this user's permissions allow (and the default delete)."""
        actions = super().get_actions(request)
        for move in moderation.ACTIONS:
            if not request.user.has_perm(move.permission):
                actions.pop(move.bulk_name, None)
        return actions

    def get_urls(self):
        opts = self.opts
        one_click = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(self.one_click_view),
                {"action": name},
                name=f"{opts.app_label}_{opts.model_name}_{name}",
            )
            for name in moderation.BY_NAME
        ]
        # Before the defaults: their "<path:object_id>/" catch-all would swallow ours.
        return one_click + super().get_urls()

    @method_decorator(require_POST)
    def one_click_view(self, request, object_id, action):
        """A change-page button: moderate one comment, then come back to it."""
        move = moderation.BY_NAME[action]
        if not request.user.has_perm(move.permission):
            raise PermissionDenied
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        services.moderate_comment(comment=comment, status=move.status, moderator=request.user)
        self.message_user(request, move.done_with(comment), messages.SUCCESS)
        return redirect(self._change_url(comment))

    def _change_url(self, comment):
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
            args=[quote(comment.pk)],
            current_app=self.admin_site.name,
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            opts = self.opts
            context["moderation_buttons"] = [
                {
                    "label": move.button,
                    "url": reverse(
                        f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{move.name}",
                        args=[quote(obj.pk)],
                        current_app=self.admin_site.name,
                    ),
                }
                for move in moderation.ACTIONS
                if obj.status != move.status and request.user.has_perm(move.permission)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """The single row of spam rules: the list goes straight to it."""

    def has_add_permission(self, request):
        return not ModerationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        rules = ModerationSettings.load()
        return redirect(rules.get_absolute_url())


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ["email", "verified_at"]
    search_fields = ["email"]
    date_hierarchy = "verified_at"
